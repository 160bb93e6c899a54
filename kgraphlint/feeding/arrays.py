"""The data people feed models: NumPy arrays, Keras datasets and tf.data pipelines.

The data overlay (``kgraphlint.feeding.overlay``) hands calls such as ``np.zeros((100, 28, 28))``, ``x.reshape(-1, 784)``,
``keras.utils.to_categorical(y, 10)`` or ``mnist.load_data()`` to this module, which
answers with an ``Array`` (a shape and the kind of its elements) or a ``Dataset``. Any
dimension it cannot determine is ``UNKNOWN``; an operation it does not know answers
``None`` and the interpreter forgets the value, so unknown data never produces a finding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from math import prod

import libcst as cst

from kgraphlint.interpret.values import UNKNOWN, ModuleRef, is_int
from kgraphlint.resolve.symbols import canonical_module

INT, FLOAT, BOOL, OBJECT = "int", "float", "bool", "object"


@dataclass(frozen=True)
class Array:
    """A NumPy array (or anything fit treats like one) whose rank is known."""

    shape: tuple  # each dimension an int or UNKNOWN
    kind: object = UNKNOWN  # INT, FLOAT, BOOL, OBJECT or UNKNOWN
    #: the elements of a short 1-D array computed from known numbers (np.linspace), to loop over
    values: tuple | None = None
    #: every element is a 0/1 class label or one-hot indicator (to_categorical's rows,
    #: np.random.randint(0, 2, ...)); kept by what moves elements around (reshape, slicing,
    #: astype, a train/test split), dropped by arithmetic
    class_labels: bool = False
    #: where the analysed file made the array (``np.zeros(...)``, ``load_data()``,
    #: ``to_categorical(y)``) and last changed its shape (``x.reshape(...)``): where a fix
    #: for data that does not fit a model usually goes. Not part of what the array is.
    made: cst.CSTNode | None = field(default=None, compare=False, repr=False)
    reshaped: cst.CSTNode | None = field(default=None, compare=False, repr=False)

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def samples(self) -> object:
        return self.shape[0] if self.shape else UNKNOWN


#: the array methods and NumPy functions that change an array's shape, not its elements
RESHAPING = frozenset({"reshape", "expand_dims", "squeeze", "transpose", "flatten", "ravel"})


def stamped(value: object, made: cst.CSTNode | None, reshaped: cst.CSTNode | None = None) -> object:
    """``value`` (an Array, or a tuple or list of them) as made and reshaped at these places."""
    if isinstance(value, Array):
        return replace(value, made=made, reshaped=reshaped)
    if isinstance(value, (tuple, list)):
        return type(value)(stamped(item, made, reshaped) for item in value)
    return value


def derived(result: object, source: object, name: str, node: cst.CSTNode) -> object:
    """The array an operation ``name`` on ``source`` gives, with its places: a reshape
    happens at ``node``; anything else (``astype``, ``/ 255``, a slice) keeps the source's.
    An operation on something else than an array (a nested list) makes the array at ``node``."""
    if not isinstance(source, Array):
        return stamped(result, node)
    if name in RESHAPING:
        return stamped(result, source.made, node)
    return stamped(result, source.made, source.reshaped)


@dataclass(frozen=True)
class Dataset:
    """A ``tf.data.Dataset`` made from arrays: the structure of one element, and the batch
    size once ``.batch(n)`` was called (None while it yields single samples)."""

    element: object  # an Array, or a tuple/dict of Arrays, each without the sample axis
    batch: object = None


# ---------------------------------------------------------------------- published datasets

def _split(train: int, test: int, x: tuple, y: tuple, x_kind: str = INT, y_kind: str = INT) -> tuple:
    return ((Array((train, *x), x_kind), Array((train, *y), y_kind)),
            (Array((test, *x), x_kind), Array((test, *y), y_kind)))


#: ``keras.datasets.<name>.load_data()`` with default arguments, as the Keras documentation
#: states them (imdb and reuters hold lists of word indices of varying length).
DATASETS = {
    "mnist": _split(60000, 10000, (28, 28), ()),
    "fashion_mnist": _split(60000, 10000, (28, 28), ()),
    "cifar10": _split(50000, 10000, (32, 32, 3), (1,)),
    "cifar100": _split(50000, 10000, (32, 32, 3), (1,)),
    "imdb": _split(25000, 25000, (), (), x_kind=OBJECT),
    "reuters": _split(8982, 2246, (), (), x_kind=OBJECT),
    "boston_housing": _split(404, 102, (13,), (), x_kind=FLOAT, y_kind=FLOAT),
}


# ---------------------------------------------------------------------- helpers

def dims_of(value: object) -> tuple | None:
    """A shape argument (``5``, ``(100, 28)``, ``[3, 4]``) as a tuple of dimensions."""
    if is_int(value):
        return (value,)
    if isinstance(value, (tuple, list)):
        return tuple(v if is_int(v) else UNKNOWN for v in value)
    return None


def kind_of_dtype(dtype: object) -> object:
    """``"int32"``, ``np.uint8``, ``int``, ``"float32"``, ``float``, ``bool`` -> a kind."""

    if dtype is int:
        return INT
    if dtype is float:
        return FLOAT
    if dtype is bool:
        return BOOL
    name = dtype.dotted.rsplit(".", 1)[-1] if isinstance(dtype, ModuleRef) else dtype
    if not isinstance(name, str):
        return UNKNOWN
    if name.startswith(("int", "uint")):
        return INT
    if name.startswith(("float", "half", "double", "bfloat")):
        return FLOAT
    if name in ("bool", "bool_"):
        return BOOL
    return UNKNOWN


def kind_of_scalar(value: object) -> object:
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, float):
        return FLOAT
    return UNKNOWN


def literal_array(value: object) -> Array | None:
    """``np.array([[1, 2], [3, 4]])``: the shape of nested lists of numbers."""
    if isinstance(value, Array):
        return value
    if isinstance(value, (int, float, bool)):
        return Array((), kind_of_scalar(value))
    if not isinstance(value, (list, tuple)) or not value:
        return None
    items = [literal_array(item) for item in value]
    if any(item is None for item in items) or len({item.shape for item in items}) != 1:
        return None
    kinds = {item.kind for item in items}
    kind = FLOAT if FLOAT in kinds else kinds.pop() if len(kinds) == 1 else UNKNOWN
    return Array((len(value), *items[0].shape), kind)


def reshaped(array: Array, target: tuple) -> Array | None:
    """``reshape`` with at most one -1, checked against the known size."""
    if target.count(-1) > 1:
        return None
    size = prod(array.shape) if all(is_int(d) for d in array.shape) else UNKNOWN
    known = [d for d in target if d != -1]
    if -1 in target:
        rest = prod(known) if all(is_int(d) for d in known) else UNKNOWN
        if size is UNKNOWN or rest is UNKNOWN or rest == 0 or size % rest:
            fill = UNKNOWN
        else:
            fill = size // rest
        target = tuple(fill if d == -1 else d for d in target)
    elif size is not UNKNOWN and all(is_int(d) for d in target) and prod(target) != size:
        return None  # NumPy raises here; not ours to report
    return Array(target, array.kind, class_labels=array.class_labels)


def normalise_axis(axis: object, rank: int) -> int | None:
    if not is_int(axis) or not -rank <= axis < rank:
        return None
    return axis % rank


def broadcast(left: tuple, right: tuple) -> tuple | None:
    """NumPy broadcasting of two shapes; None when they cannot (or may not) broadcast."""
    result = []
    for index in range(1, max(len(left), len(right)) + 1):
        a = left[-index] if index <= len(left) else 1
        b = right[-index] if index <= len(right) else 1
        if a == 1:
            result.append(b)
        elif b == 1 or a == b:
            result.append(a)
        elif a is UNKNOWN or b is UNKNOWN:
            result.append(UNKNOWN)
        else:
            return None
    return tuple(reversed(result))


def joined(arrays: list, axis: object, new_axis: bool) -> Array | None:
    """``np.concatenate`` (new_axis False) and ``np.stack`` (True)."""
    if not arrays or not all(isinstance(a, Array) for a in arrays):
        return None
    ranks = {a.rank for a in arrays}
    if len(ranks) != 1:
        return None
    rank = ranks.pop()
    axis = normalise_axis(axis, rank + 1 if new_axis else rank)
    if axis is None:
        return None
    kinds = {a.kind for a in arrays}
    kind = kinds.pop() if len(kinds) == 1 else UNKNOWN
    if new_axis:
        return Array((*arrays[0].shape[:axis], len(arrays), *arrays[0].shape[axis:]), kind)
    sizes = [a.shape[axis] for a in arrays]
    total = sum(sizes) if all(is_int(s) for s in sizes) else UNKNOWN
    return Array((*arrays[0].shape[:axis], total, *arrays[0].shape[axis + 1:]), kind)


def expand_dims(array: Array, axis: object) -> Array | None:
    axis = normalise_axis(axis, array.rank + 1)
    if axis is None:
        return None
    return Array((*array.shape[:axis], 1, *array.shape[axis:]), array.kind)


def squeeze(array: Array, axis: object = None) -> Array | None:
    if axis is None:
        if any(d is UNKNOWN for d in array.shape):
            return None
        return Array(tuple(d for d in array.shape if d != 1), array.kind)
    axis = normalise_axis(axis, array.rank)
    if axis is None or array.shape[axis] not in (1, UNKNOWN):
        return None
    return Array(array.shape[:axis] + array.shape[axis + 1:], array.kind)


def transposed(array: Array, axes: object = None) -> Array | None:
    if axes is None:
        return Array(tuple(reversed(array.shape)), array.kind)
    if not isinstance(axes, (tuple, list)) or sorted(axes) != list(range(array.rank)):
        return None
    return Array(tuple(array.shape[a] for a in axes), array.kind)


def sliced_length(length: object, key: slice) -> object:
    if not is_int(length):
        return UNKNOWN
    return len(range(*key.indices(length)))


def normalized_index(keys: list | None) -> list | None:
    """An index as ints, slices, None (np.newaxis), Ellipsis and Arrays; None when it
    holds anything else (the machine's keys: kgraphlint.interpret.machine.index_keys)."""
    if keys is None:
        return None
    normalized = []
    for key in keys:
        if key is None or isinstance(key, ModuleRef) and key.dotted == "numpy.newaxis":
            normalized.append(None)
        elif isinstance(key, slice) or key is Ellipsis or is_int(key) or isinstance(key, Array):
            normalized.append(key)
        else:
            return None
    return normalized


def indexed(array: Array, keys: list) -> Array | None:
    """``x[0]``, ``x[:100]``, ``x[:, 0]``, ``x[..., None]``, ``eye(10)[labels]``.

    keys holds ints, slices, None (a new axis), Ellipsis and Arrays (integer indexing)."""
    if sum(k is Ellipsis for k in keys) > 1:
        return None
    consumed = sum(1 for k in keys if k is not None and k is not Ellipsis)
    if consumed > array.rank:
        return None
    if Ellipsis in keys:
        at = keys.index(Ellipsis)
        keys = keys[:at] + [slice(None)] * (array.rank - consumed) + keys[at + 1:]
    else:
        keys = keys + [slice(None)] * (array.rank - consumed)
    shape: list = []
    axis = 0
    for key in keys:
        if key is None:
            shape.append(1)
            continue
        if isinstance(key, Array):
            if key.kind not in (INT,) or axis != 0 or len([k for k in keys if isinstance(k, Array)]) != 1:
                return None
            shape.extend(key.shape)
        elif is_int(key):
            pass
        elif isinstance(key, slice):
            shape.append(sliced_length(array.shape[axis], key))
        else:
            return None
        axis += 1
    return Array(tuple(shape), array.kind, class_labels=array.class_labels)


# ---------------------------------------------------------------------- functions

def call(dotted: str, args: list, kwargs: dict) -> object:
    """A call to a NumPy, Keras data or scikit-learn function: its value, or None when
    this module does not know the function (or cannot tell what it returns)."""
    path = canonical_module(dotted)
    if path.startswith("numpy."):
        return call_numpy(path[len("numpy."):], args, kwargs)
    if path == "tensorflow.reshape":  # of Python numbers, not a tensor: a constant, shaped as NumPy's
        return call_numpy("reshape", args, kwargs)
    if path.startswith("keras.datasets.") and path.endswith(".load_data"):
        name = path[len("keras.datasets."):-len(".load_data")]
        return DATASETS.get(name) if not args and not kwargs else None
    name = path.rsplit(".", 1)[-1]
    if path.startswith("keras.") and name == "to_categorical":
        return to_categorical(args, kwargs)
    if path.startswith("keras.") and name == "pad_sequences":
        return pad_sequences(args, kwargs)
    if path == "tensorflow.data.Dataset.from_tensor_slices":
        return from_tensor_slices(args[0]) if len(args) == 1 and not kwargs else None
    if path == "sklearn.model_selection.train_test_split":
        return train_test_split(args, kwargs)
    return None


def argument(args: list, kwargs: dict, position: int, keyword: str, default: object = None) -> object:
    if keyword in kwargs:
        return kwargs[keyword]
    return args[position] if position < len(args) else default


def call_numpy(name: str, args: list, kwargs: dict) -> object:
    if name in ("zeros", "ones", "empty"):
        dims = dims_of(argument(args, kwargs, 0, "shape"))
        kind = kind_of_dtype(argument(args, kwargs, 1, "dtype", float))
        return Array(dims, kind) if dims is not None else None
    if name == "full":
        dims = dims_of(argument(args, kwargs, 0, "shape"))
        dtype = argument(args, kwargs, 2, "dtype")
        kind = kind_of_dtype(dtype) if dtype is not None else kind_of_scalar(argument(args, kwargs, 1, "fill_value"))
        return Array(dims, kind) if dims is not None else None
    if name in ("zeros_like", "ones_like", "empty_like", "full_like", "copy", "asarray", "array"):
        source = literal_array(args[0]) if args else None
        if source is None:
            return None
        dtype = kwargs.get("dtype", args[1] if len(args) > 1 and name in ("array", "asarray") else None)
        return Array(source.shape, kind_of_dtype(dtype) if dtype is not None else source.kind)
    if name in ("random.rand", "random.randn"):
        if kwargs or not all(is_int(a) for a in args):
            return None
        return Array(tuple(args), FLOAT)
    if name in ("random.random", "random.random_sample", "random.sample"):
        size = argument(args, kwargs, 0, "size")
        return Array(dims_of(size), FLOAT) if dims_of(size) is not None else None
    if name in ("random.uniform", "random.normal"):
        size = argument(args, kwargs, 2, "size")
        return Array(dims_of(size), FLOAT) if dims_of(size) is not None else None
    if name == "random.randint":
        size = argument(args, kwargs, 2, "size")
        low, high = argument(args, kwargs, 0, "low"), argument(args, kwargs, 1, "high")
        zero_one = (low, high) in ((0, 2), (2, None))
        return Array(dims_of(size), INT, class_labels=zero_one) if dims_of(size) is not None else None
    if name == "random.choice":
        size = argument(args, kwargs, 1, "size")
        population = argument(args, kwargs, 0, "a")
        sampled = literal_array(population)
        kind = INT if is_int(population) else sampled.kind if sampled is not None else UNKNOWN
        return Array(dims_of(size), kind) if dims_of(size) is not None else None
    if name == "arange":
        if kwargs or not args or not all(isinstance(a, (int, float)) for a in args):
            return None
        try:
            count = len(range(*args)) if all(is_int(a) for a in args) else math.ceil(
                (args[1] - args[0]) / (args[2] if len(args) > 2 else 1) if len(args) > 1 else args[0])
        except (ValueError, ZeroDivisionError):
            return None
        return Array((max(count, 0),), INT if all(is_int(a) for a in args) else FLOAT)
    if name == "linspace":
        start, stop, num = argument(args, kwargs, 0, "start"), argument(args, kwargs, 1, "stop"), \
            argument(args, kwargs, 2, "num", 50)
        if len(args) > 3 or set(kwargs) - {"start", "stop", "num"} or not is_int(num) or not 0 <= num <= 4096 \
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (start, stop)):
            return None
        step = (stop - start) / (num - 1) if num > 1 else 0.0
        values = tuple(float(start + step * i) for i in range(num - 1)) + ((float(stop),) if num > 1 else (float(start),) * num)
        return Array((num,), FLOAT, values)
    if name in ("eye", "identity"):
        n = args[0] if args else None
        return Array((n, n), FLOAT) if is_int(n) else None
    if name in ("reshape", "expand_dims", "squeeze", "transpose", "astype"):
        source = literal_array(args[0]) if args else None
        return method(source, name, args[1:], kwargs) if source is not None else None
    if name in ("concatenate", "stack"):
        items = args[0] if args else None
        if not isinstance(items, (list, tuple)):
            return None
        return joined([literal_array(i) for i in items], argument(args, kwargs, 1, "axis", 0), name == "stack")
    if name in ("vstack", "hstack"):
        items = args[0] if args else None
        if not isinstance(items, (list, tuple)) or not items:
            return None
        arrays = [literal_array(i) for i in items]
        if not all(isinstance(a, Array) for a in arrays):
            return None
        arrays = [Array((1, *a.shape), a.kind) if a.rank == 1 and name == "vstack" else a for a in arrays]
        axis = 1 if name == "hstack" and arrays[0].rank > 1 else 0
        return joined(arrays, axis, False)
    return None


def method(array: Array, name: str, args: list, kwargs: dict) -> object:
    """``x.reshape(...)``, ``x.astype(...)`` and the other array methods that keep shapes known."""
    if name == "reshape":
        target = args[0] if len(args) == 1 else tuple(args)
        target = kwargs.get("newshape", kwargs.get("shape", target))
        dims = dims_of(target)
        return reshaped(array, dims) if dims is not None else None
    if name == "astype":
        return Array(array.shape, kind_of_dtype(args[0] if args else kwargs.get("dtype")),
                     class_labels=array.class_labels)
    if name == "expand_dims":
        return expand_dims(array, argument(args, kwargs, 0, "axis"))
    if name == "squeeze":
        return squeeze(array, argument(args, kwargs, 0, "axis"))
    if name == "transpose":
        axes = argument(args, kwargs, 0, "axes")
        if len(args) > 1:
            axes = tuple(args)
        return transposed(array, axes)
    if name in ("flatten", "ravel"):
        return reshaped(array, (-1,))
    if name in ("copy",):
        return array
    return None


def attribute(array: Array, name: str) -> object:
    if name == "shape":
        return array.shape
    if name == "ndim":
        return array.rank
    if name == "T":
        return transposed(array)
    if name == "size" and all(is_int(d) for d in array.shape):
        return prod(array.shape)
    return UNKNOWN


def arithmetic(left: object, right: object, divide: bool) -> Array | None:
    """``x / 255.0``, ``x - mean``, ``a + b``: elementwise, with NumPy broadcasting."""
    left_array = literal_array(left) if isinstance(left, (Array, int, float)) else None
    right_array = literal_array(right) if isinstance(right, (Array, int, float)) else None
    if left_array is None or right_array is None:
        return None
    shape = broadcast(left_array.shape, right_array.shape)
    if shape is None:
        return None
    kinds = {left_array.kind, right_array.kind}
    if divide or FLOAT in kinds:
        kind = FLOAT if UNKNOWN not in kinds or divide else UNKNOWN
    else:
        kind = left_array.kind if len(kinds) == 1 else UNKNOWN
    return Array(shape, kind)


# ---------------------------------------------------------------------- Keras and friends

def to_categorical(args: list, kwargs: dict) -> Array | None:
    """``keras.utils.to_categorical(y, num_classes)``: a trailing axis of 1 is dropped,
    then one axis of num_classes is added (float one-hot rows)."""
    labels = literal_array(argument(args, kwargs, 0, "x"))
    if labels is None:
        return None
    classes = argument(args, kwargs, 1, "num_classes")
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    return Array((*shape, classes if is_int(classes) else UNKNOWN), FLOAT, class_labels=True)


def pad_sequences(args: list, kwargs: dict) -> Array | None:
    sequences = argument(args, kwargs, 0, "sequences")
    maxlen = argument(args, kwargs, 1, "maxlen")
    if not isinstance(sequences, Array) or sequences.rank < 1:
        return None
    dtype = argument(args, kwargs, 2, "dtype", "int32")
    return Array((sequences.shape[0], maxlen if is_int(maxlen) else UNKNOWN), kind_of_dtype(dtype))


def without_samples(value: object) -> object:
    if isinstance(value, Array) and value.rank >= 1:
        return Array(value.shape[1:], value.kind)
    if isinstance(value, tuple):
        items = tuple(without_samples(v) for v in value)
        return items if all(i is not None for i in items) else None
    if isinstance(value, dict):
        items = {k: without_samples(v) for k, v in value.items()}
        return items if all(i is not None for i in items.values()) else None
    return None


def from_tensor_slices(value: object) -> Dataset | None:
    element = without_samples(tuple(value) if isinstance(value, list) and len(value) == 2 else value)
    return Dataset(element) if element is not None else None


def dataset_method(dataset: Dataset, name: str, args: list, kwargs: dict) -> object:
    if name == "batch":
        size = argument(args, kwargs, 0, "batch_size")
        return Dataset(dataset.element, size if is_int(size) else UNKNOWN)
    if name in ("shuffle", "prefetch", "cache", "repeat", "take", "skip"):
        return dataset
    return None


def train_test_split(args: list, kwargs: dict) -> list | None:
    """scikit-learn's split: each array becomes (train, test) with the same sample counts."""
    if not args or not all(isinstance(a, Array) and a.rank >= 1 for a in args):
        return None
    counts = {a.samples for a in args}
    if len(counts) != 1:
        return None
    n = counts.pop()
    test_size, train_size = kwargs.get("test_size"), kwargs.get("train_size")
    if train_size is not None or not is_int(n):
        return None
    if test_size is None:
        test_size = 0.25
    if isinstance(test_size, float) and 0 < test_size < 1:
        n_test = math.ceil(test_size * n)
    elif is_int(test_size) and 0 < test_size < n:
        n_test = test_size
    else:
        return None
    result = []
    for array in args:
        result.append(Array((n - n_test, *array.shape[1:]), array.kind, class_labels=array.class_labels))
        result.append(Array((n_test, *array.shape[1:]), array.kind, class_labels=array.class_labels))
    return result
