"""Operations on Keras tensors that are not layers: Python operators (``x + y``, ``-x``,
``x[:, 0]``), ``keras.ops`` functions (``ops.reshape``, ``ops.concatenate``) and, in
tf_keras, TensorFlow functions (``tf.concat``).

Keras 3 records each as a node of the functional graph, an Operation named after its class
(``add``, ``get_item``, ``reshape``) with no weights. tf_keras wraps each TensorFlow
function in a TFOpLambda layer named after the function's API name
(``tf.__operators__.add``, ``tf.math.reduce_mean``). Keras 3 refuses TensorFlow functions
on its symbolic tensors, so ``tf.*`` is only followed for Keras 2.

The shape functions follow ``keras.src.ops``: ``operation_utils.broadcast_shapes``,
``compute_reshape_output_shape`` and the ops' ``compute_output_spec``. A shape they cannot
determine is None; they never raise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import libcst as cst

from kgraphlint.feeding.arrays import Array
from kgraphlint.keras.facts import Tensor
from kgraphlint.keras.layers.merge import concatenate_output
from kgraphlint.keras.shapes import UNKNOWN, Shape, conv_output_length, is_int, normalize_axis

ShapeFn = Callable[[list, dict], Shape]


@dataclass(frozen=True)
class Operation:
    keras3: str | None  # the Keras 3 Operation class, None where only tf_keras has it
    keras2: str | None  # the tf_keras TFOpLambda name, None where Keras 2 has no such layer
    shape: ShapeFn
    keras2_class: str = "TFOpLambda"
    #: the operation returns several tensors (ops.split, ops.unstack, ops.rfft): its shape
    #: function gives a list of shapes, or None when even their number is not known
    several: bool = False


def shape_of(value: object) -> Shape:
    """A tensor's (or array's) shape; a Python number broadcasts as a scalar."""
    if isinstance(value, Tensor):
        return value.shape
    if isinstance(value, Array):
        return value.shape
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return ()
    return None


def argument(args: list, kwargs: dict, index: int, *names: str, default: object = None) -> object:
    for name in names:
        if name in kwargs:
            return kwargs[name]
    return args[index] if index < len(args) else default


def broadcast(a: Shape, b: Shape) -> Shape:
    """keras.src.ops.operation_utils.broadcast_shapes; None where Keras raises."""
    if a is None or b is None or UNKNOWN in a or UNKNOWN in b:
        return None
    a, b = list(a), list(b)
    a = [1] * (len(b) - len(a)) + a
    b = [1] * (len(a) - len(b)) + b
    out = []
    for x, y in zip(a, b):
        if x == 1:
            out.append(y)
        elif x is None:
            out.append(None if y == 1 else y)
        elif y == 1 or y is None or y == x:
            out.append(x)
        else:
            return None
    return tuple(out)


def binary_shape(args: list, kwargs: dict) -> Shape:
    if len(args) != 2:
        return None
    return broadcast(shape_of(args[0]), shape_of(args[1]))


def unary_shape(args: list, kwargs: dict) -> Shape:
    return shape_of(args[0]) if args else None


def matmul_shape(args: list, kwargs: dict) -> Shape:
    if len(args) != 2:
        return None
    a, b = shape_of(args[0]), shape_of(args[1])
    if a is None or b is None or len(a) < 2 or len(b) < 2 or UNKNOWN in a or UNKNOWN in b:
        return None
    if kwargs.get("transpose_a"):
        a = (*a[:-2], a[-1], a[-2])
    if kwargs.get("transpose_b"):
        b = (*b[:-2], b[-1], b[-2])
    if is_int(a[-1]) and is_int(b[-2]) and a[-1] != b[-2]:
        return None
    batch = broadcast(a[:-2], b[:-2])
    return None if batch is None else (*batch, a[-2], b[-1])


def reshape_shape(args: list, kwargs: dict, dynamic: bool = False) -> Shape:
    """ops.reshape(x, newshape): the new shape includes the batch axis. ``dynamic``: a
    dimension may be None (``ops.shape(x)[0]`` of a symbolic tensor), as Keras 3's
    ``compute_reshape_output_shape`` allows; it stays None, and so does a -1 then."""
    shape = shape_of(args[0]) if args else None
    target = argument(args, kwargs, 1, "newshape", "shape")
    if shape is None or UNKNOWN in shape or not isinstance(target, (tuple, list)) or not all(
            is_int(d) or (dynamic and d is None) for d in target):
        return None
    target = tuple(target)
    if target.count(-1) > 1:
        return None
    if None in shape or None in target:
        return tuple(None if d == -1 else d for d in target)
    size, known = math.prod(shape), math.prod(d for d in target if d != -1)
    if -1 not in target:
        return target if size == known else None
    if known == 0 or size % known:
        return None
    return tuple(size // known if d == -1 else d for d in target)


def concatenate_shape(default_axis: object) -> ShapeFn:
    def shape(args: list, kwargs: dict) -> Shape:
        values = argument(args, kwargs, 0, "xs", "values")
        axis = argument(args, kwargs, 1, "axis", default=default_axis)
        if not isinstance(values, (list, tuple)) or not values or not is_int(axis):
            return None
        shapes = [shape_of(v) for v in values]
        if any(s is None or UNKNOWN in s for s in shapes):
            return None
        return concatenate_output({"axis": axis}, shapes)  # the Concatenate layer's rule

    return shape


def stack_shape(args: list, kwargs: dict) -> Shape:
    values = argument(args, kwargs, 0, "x", "values")
    axis = argument(args, kwargs, 1, "axis", default=0)
    if not isinstance(values, (list, tuple)) or not values or not is_int(axis):
        return None
    shapes = [shape_of(v) for v in values]
    if any(s != shapes[0] for s in shapes) or shapes[0] is None or UNKNOWN in shapes[0]:
        return None
    axis = normalize_axis(axis, len(shapes[0]) + 1)
    return None if axis is None else (*shapes[0][:axis], len(values), *shapes[0][axis:])


def expand_dims_shape(args: list, kwargs: dict) -> Shape:
    shape, axis = (shape_of(args[0]) if args else None), argument(args, kwargs, 1, "axis")
    if shape is None or not is_int(axis):
        return None
    axis = normalize_axis(axis, len(shape) + 1)
    return None if axis is None else (*shape[:axis], 1, *shape[axis:])


def squeeze_shape(args: list, kwargs: dict) -> Shape:
    shape, axis = (shape_of(args[0]) if args else None), argument(args, kwargs, 1, "axis")
    if shape is None or UNKNOWN in shape:
        return None
    if axis is None:
        if None in shape:
            return None  # which axes are 1 is decided by the data
        return tuple(d for d in shape if d != 1)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    if not all(is_int(a) for a in axes):
        return None
    axes = {normalize_axis(a, len(shape)) for a in axes}
    if None in axes or any(shape[a] not in (1, None) for a in axes):
        return None
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def transpose_shape(args: list, kwargs: dict) -> Shape:
    shape, axes = (shape_of(args[0]) if args else None), argument(args, kwargs, 1, "axes", "perm")
    if shape is None:
        return None
    if axes is None:
        return tuple(reversed(shape))
    if not isinstance(axes, (tuple, list)) or sorted(normalize_axis(a, len(shape)) if is_int(a) else -1
                                                     for a in axes) != list(range(len(shape))):
        return None
    return tuple(shape[normalize_axis(a, len(shape))] for a in axes)


def reduction_shape(args: list, kwargs: dict) -> Shape:
    shape = shape_of(args[0]) if args else None
    axis = argument(args, kwargs, 1, "axis")
    keepdims = argument(args, kwargs, 2, "keepdims", default=False)
    if shape is None or not isinstance(keepdims, bool):
        return None
    if axis is None:
        return (1,) * len(shape) if keepdims else ()
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    if not all(is_int(a) for a in axes):
        return None
    axes = {normalize_axis(a, len(shape)) for a in axes}
    if None in axes:
        return None
    return tuple(1 if i in axes else d for i, d in enumerate(shape) if keepdims or i not in axes)


def getitem_shape(args: list, kwargs: dict) -> Shape:
    """``x[key]`` for keys made of ints, slices of ints, None (a new axis) and ``...``."""
    shape, keys = shape_of(args[0]), args[1]
    if shape is None:
        return None
    keys = list(keys) if isinstance(keys, (tuple, list)) else [keys]
    if keys.count(Ellipsis) > 1 or not all(k is None or k is Ellipsis or is_int(k) or isinstance(k, slice)
                                           for k in keys):
        return None
    consuming = sum(1 for k in keys if k is not None and k is not Ellipsis)
    if consuming > len(shape):
        return None
    if Ellipsis in keys:
        at = keys.index(Ellipsis)
        keys[at:at + 1] = [slice(None)] * (len(shape) - consuming)
    keys += [slice(None)] * (len(shape) - sum(1 for k in keys if k is not None))
    out, axis = [], 0
    for key in keys:
        if key is None:
            out.append(1)
            continue
        dim = shape[axis]
        axis += 1
        if is_int(key):
            if is_int(dim) and not -dim <= key < dim:
                return None
            continue
        if dim is None or dim is UNKNOWN:
            out.append(dim if key == slice(None) else None if dim is None else UNKNOWN)
        else:
            out.append(len(range(dim)[key]))
    return tuple(out)


def _known(shape: Shape) -> bool:
    return shape is not None and UNKNOWN not in shape


def _times(dim: object, factor: int) -> object:
    return dim * factor if is_int(dim) else dim


def tile_shape(args: list, kwargs: dict) -> Shape:
    """keras.ops.tile: repeats pad with 1s on the left, or the shape does."""
    shape, repeats = shape_of(args[0]) if args else None, argument(args, kwargs, 1, "repeats")
    if isinstance(repeats, int) and not isinstance(repeats, bool):
        repeats = (repeats,)
    if shape is None or not isinstance(repeats, (tuple, list)) or not all(is_int(r) for r in repeats):
        return None
    repeats = (1,) * (len(shape) - len(repeats)) + tuple(repeats)
    shape = (1,) * (len(repeats) - len(shape)) + tuple(shape)
    return tuple(_times(d, r) for d, r in zip(shape, repeats))


def einsum_shape(args: list, kwargs: dict) -> Shape:
    """keras.ops.einsum with an explicit output (``"bij,bkj->bik"``), no ellipsis."""
    equation = args[0] if args else None
    if not isinstance(equation, str) or "->" not in equation or "." in equation:
        return None
    inputs, output = equation.replace(" ", "").split("->")
    terms, operands = inputs.split(","), args[1:]
    if len(terms) != len(operands):
        return None
    sizes: dict[str, object] = {}
    for term, operand in zip(terms, operands):
        shape = shape_of(operand)
        if shape is None or len(shape) != len(term):
            return None
        for letter, dim in zip(term, shape):
            known = sizes.get(letter)
            if is_int(known) and is_int(dim) and known != dim and 1 not in (known, dim):
                return None
            if letter not in sizes or known in (None, 1):
                sizes[letter] = dim
    if any(letter not in sizes for letter in output):
        return None
    return tuple(sizes[letter] for letter in output)


def tensordot_shape(args: list, kwargs: dict) -> Shape:
    a, b = (shape_of(args[0]), shape_of(args[1])) if len(args) >= 2 else (None, None)
    axes = argument(args, kwargs, 2, "axes", default=2)
    if a is None or b is None:
        return None
    if is_int(axes):
        a_axes, b_axes = list(range(len(a) - axes, len(a))), list(range(axes))
    elif isinstance(axes, (tuple, list)) and len(axes) == 2:
        a_axes, b_axes = ([x] if is_int(x) else x for x in axes)
    else:
        return None
    if not all(is_int(x) for x in [*a_axes, *b_axes]) or len(a_axes) != len(b_axes):
        return None
    a_axes = {normalize_axis(x, len(a)) for x in a_axes}
    b_axes = {normalize_axis(x, len(b)) for x in b_axes}
    if None in a_axes or None in b_axes:
        return None
    return (*(d for i, d in enumerate(a) if i not in a_axes), *(d for i, d in enumerate(b) if i not in b_axes))


def unstack_shapes(args: list, kwargs: dict) -> list | None:
    shape, axis = (shape_of(args[0]) if args else None), argument(args, kwargs, 2, "axis", default=0)
    if shape is None or not is_int(axis):
        return None
    axis = normalize_axis(axis, len(shape))
    if axis is None or not is_int(shape[axis]):
        return None
    rest = (*shape[:axis], *shape[axis + 1:])
    return [rest] * shape[axis]


def pad_shape(args: list, kwargs: dict) -> Shape:
    shape, width = (shape_of(args[0]) if args else None), argument(args, kwargs, 1, "pad_width")
    if shape is None or not isinstance(width, (tuple, list)) or len(width) != len(shape):
        return None
    out = []
    for dim, pair in zip(shape, width):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2 or not all(is_int(p) for p in pair):
            return None
        out.append(dim + pair[0] + pair[1] if is_int(dim) else dim)
    return tuple(out)


def split_shapes(args: list, kwargs: dict) -> list | None:
    shape = shape_of(args[0]) if args else None
    sections, axis = argument(args, kwargs, 1, "indices_or_sections"), argument(args, kwargs, 2, "axis", default=0)
    if shape is None or not is_int(axis):
        return None
    axis = normalize_axis(axis, len(shape))
    if axis is None:
        return None
    dim = shape[axis]
    if is_int(sections):
        if sections <= 0 or (is_int(dim) and dim % sections):
            return None
        pieces = [dim // sections if is_int(dim) else dim] * sections
    elif isinstance(sections, (tuple, list)) and all(is_int(i) for i in sections):
        if not is_int(dim):
            return None
        bounds = [0, *sections, dim]
        pieces = [max(0, min(b, dim) - min(a, dim)) for a, b in zip(bounds, bounds[1:])]
    else:
        return None
    return [(*shape[:axis], piece, *shape[axis + 1:]) for piece in pieces]


def repeat_shape(args: list, kwargs: dict) -> Shape:
    shape = shape_of(args[0]) if args else None
    repeats, axis = argument(args, kwargs, 1, "repeats"), argument(args, kwargs, 2, "axis")
    if shape is None or not is_int(repeats):
        return None
    if axis is None:
        size = math.prod(shape) if all(is_int(d) for d in shape) else None
        return (size * repeats if size is not None else None,)
    axis = normalize_axis(axis, len(shape)) if is_int(axis) else None
    if axis is None:
        return None
    return tuple(_times(d, repeats) if i == axis else d for i, d in enumerate(shape))


def _image_axes(shape: Shape, data_format: object) -> tuple[int, int, int] | None:
    """(height, width, channels) axes of a batch of images or one image."""
    if shape is None or len(shape) not in (3, 4) or data_format not in ("channels_last", "channels_first"):
        return None
    first = len(shape) - 3
    return (first, first + 1, first + 2) if data_format == "channels_last" else (first + 1, first + 2, first)


def resize_shape(args: list, kwargs: dict) -> Shape:
    shape, size = (shape_of(args[0]) if args else None), argument(args, kwargs, 1, "size")
    axes = _image_axes(shape, kwargs.get("data_format", "channels_last"))
    if axes is None or not isinstance(size, (tuple, list)) or len(size) != 2 or not all(is_int(s) for s in size):
        return None
    out = list(shape)
    out[axes[0]], out[axes[1]] = size
    return tuple(out)


def extract_patches_shape(args: list, kwargs: dict) -> Shape:
    shape, size = (shape_of(args[0]) if args else None), argument(args, kwargs, 1, "size")
    strides = argument(args, kwargs, 2, "strides")
    dilation = argument(args, kwargs, 3, "dilation_rate", default=1)
    padding = argument(args, kwargs, 4, "padding", default="valid")
    data_format = kwargs.get("data_format", "channels_last")
    if is_int(size):
        size = (size, size)
    strides = size if strides is None else (strides, strides) if is_int(strides) else strides
    axes = _image_axes(shape, data_format)
    if (axes is None or len(shape) != 4 or data_format != "channels_last" or not is_int(dilation)
            or not all(isinstance(v, (tuple, list)) and len(v) == 2 and all(is_int(d) for d in v)
                       for v in (size, strides))):
        return None
    height, width, channels = (shape[a] for a in axes)
    rows = conv_output_length(height, size[0], strides[0], padding, dilation)
    cols = conv_output_length(width, size[1], strides[1], padding, dilation)
    depth = size[0] * size[1] * channels if is_int(channels) else channels
    return (shape[0], rows, cols, depth)


def rfft_shapes(args: list, kwargs: dict) -> list | None:
    shape, length = (shape_of(args[0]) if args else None), argument(args, kwargs, 1, "fft_length")
    if shape is None or not shape:
        return None
    n = length if length is not None else shape[-1]
    last = n // 2 + 1 if is_int(n) else None if n is None else UNKNOWN
    out = (*shape[:-1], last)
    return [out, out]


def where_shape(args: list, kwargs: dict) -> Shape:
    if len(args) != 3:
        return None
    shape = shape_of(args[0])
    for other in args[1:]:
        shape = broadcast(shape, shape_of(other))
    return shape


def norm_shape(args: list, kwargs: dict) -> Shape:
    axis = argument(args, kwargs, 2, "axis")
    keepdims = argument(args, kwargs, 3, "keepdims", default=False)
    return reduction_shape([args[0]], {"axis": axis, "keepdims": keepdims}) if args else None


#: Python operators on tensors: KerasTensor.__add__ and friends
OPERATORS: dict[type, Operation] = {
    cst.Add: Operation("Add", "tf.__operators__.add", binary_shape),
    cst.Subtract: Operation("Subtract", "tf.math.subtract", binary_shape),
    cst.Multiply: Operation("Multiply", "tf.math.multiply", binary_shape),
    cst.Divide: Operation("TrueDivide", "tf.math.truediv", binary_shape),
    cst.FloorDivide: Operation("FloorDivide", "tf.compat.v1.floor_div", binary_shape),
    cst.Modulo: Operation("Mod", "tf.math.floormod", binary_shape),
    cst.Power: Operation("Power", "tf.math.pow", binary_shape),
    cst.MatrixMultiply: Operation("Matmul", "tf.linalg.matmul", matmul_shape),
    cst.GreaterThan: Operation("Greater", "tf.math.greater", binary_shape),
    cst.GreaterThanEqual: Operation("GreaterEqual", "tf.math.greater_equal", binary_shape),
    cst.LessThan: Operation("Less", "tf.math.less", binary_shape),
    cst.LessThanEqual: Operation("LessEqual", "tf.math.less_equal", binary_shape),
    cst.NotEqual: Operation("NotEqual", None, binary_shape),  # x == y is Python's identity test
}
#: the function of Python's operator module each operator is (--build applies it to Keras tensors)
PYTHON_OPERATORS: dict[type, str] = {
    cst.Add: "add", cst.Subtract: "sub", cst.Multiply: "mul", cst.Divide: "truediv", cst.FloorDivide: "floordiv",
    cst.Modulo: "mod", cst.Power: "pow", cst.MatrixMultiply: "matmul", cst.GreaterThan: "gt",
    cst.GreaterThanEqual: "ge", cst.LessThan: "lt", cst.LessThanEqual: "le", cst.NotEqual: "ne",
}
NEGATIVE = Operation("Negative", "tf.math.negative", unary_shape)
GET_ITEM = Operation("GetItem", "tf.__operators__.getitem", getitem_shape, keras2_class="SlicingOpLambda")

_ELEMENTWISE = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "exp": "Exp", "log": "Log", "sqrt": "Sqrt",
                "absolute": "Absolute", "abs": "Absolute", "square": "Square", "gelu": "Gelu", "softmax": "Softmax",
                "silu": "Silu", "swish": "Silu", "negative": "Negative", "cast": "Cast", "clip": "Clip",
                "erf": "Erf", "convert_to_tensor": "ConvertToTensor", "elu": "Elu", "selu": "Selu",
                "softplus": "Softplus", "leaky_relu": "LeakyRelu", "hard_sigmoid": "HardSigmoid", "relu6": "Relu6",
                "log_softmax": "LogSoftmax", "rsqrt": "Rsqrt", "floor": "Floor", "ceil": "Ceil", "round": "Round",
                "sign": "Sign", "sin": "Sin", "cos": "Cos", "logical_not": "LogicalNot"}
_BINARY = {"add": "Add", "subtract": "Subtract", "multiply": "Multiply", "divide": "Divide",
           "true_divide": "TrueDivide", "maximum": "Maximum", "minimum": "Minimum", "power": "Power"}
_REDUCTIONS = {"mean": "Mean", "sum": "Sum", "max": "Max", "min": "Min", "prod": "Prod"}

#: keras.ops functions by name (keras.ops.numpy.*, keras.ops.nn.*, keras.ops.core.* alike)
KERAS_OPS: dict[str, Operation] = {
    **{name: Operation(cls, None, unary_shape) for name, cls in _ELEMENTWISE.items()},
    **{name: Operation(cls, None, binary_shape) for name, cls in _BINARY.items()},
    **{name: Operation(cls, None, reduction_shape) for name, cls in _REDUCTIONS.items()},
    "reshape": Operation("Reshape", None, lambda args, kwargs: reshape_shape(args, kwargs, dynamic=True)),
    "concatenate": Operation("Concatenate", None, concatenate_shape(0)),
    "stack": Operation("Stack", None, stack_shape),
    "expand_dims": Operation("ExpandDims", None, expand_dims_shape),
    "squeeze": Operation("Squeeze", None, squeeze_shape),
    "transpose": Operation("Transpose", None, transpose_shape),
    "matmul": Operation("Matmul", None, matmul_shape),
    "tile": Operation("Tile", None, tile_shape),
    "einsum": Operation("Einsum", None, einsum_shape),
    "tensordot": Operation("Tensordot", None, tensordot_shape),
    "unstack": Operation("Unstack", None, unstack_shapes, several=True),
    "pad": Operation("Pad", None, pad_shape),
    "split": Operation("Split", None, split_shapes, several=True),
    "repeat": Operation("Repeat", None, repeat_shape),
    "resize": Operation("Resize", None, resize_shape),
    "extract_patches": Operation("ExtractPatches", None, extract_patches_shape),
    "rfft": Operation("RFFT", None, rfft_shapes, several=True),
    "where": Operation("Where", None, where_shape),
    "norm": Operation("Norm", None, norm_shape),
}

#: keras.activations functions: an operation of the activation's class (relu is ReLU, not
#: ops.relu's Relu; linear makes none), as Keras 3.15 records them
ACTIVATIONS: dict[str, Operation] = {
    **{name: Operation(cls, None, unary_shape) for name, cls in {
        "relu": "ReLU", "swish": "Silu", "silu": "Silu", "gelu": "Gelu", "sigmoid": "Sigmoid", "softmax": "Softmax",
        "tanh": "Tanh", "elu": "Elu", "selu": "Selu", "softplus": "Softplus", "leaky_relu": "LeakyRelu",
        "hard_sigmoid": "HardSigmoid", "exponential": "Exp", "relu6": "Relu6", "log_softmax": "LogSoftmax",
    }.items()},
}

#: TensorFlow functions tf_keras wraps, by their canonical API name (probed with tf_keras 2.21)
TF_FUNCTIONS: dict[str, Operation] = {
    "tf.reshape": Operation(None, "tf.reshape", reshape_shape),
    "tf.concat": Operation(None, "tf.concat", concatenate_shape(None)),
    "tf.stack": Operation(None, "tf.stack", stack_shape),
    "tf.expand_dims": Operation(None, "tf.expand_dims", expand_dims_shape),
    "tf.squeeze": Operation(None, "tf.compat.v1.squeeze", squeeze_shape),
    "tf.transpose": Operation(None, "tf.compat.v1.transpose", transpose_shape),
    "tf.matmul": Operation(None, "tf.linalg.matmul", matmul_shape),
    "tf.linalg.matmul": Operation(None, "tf.linalg.matmul", matmul_shape),
    "tf.add": Operation(None, "tf.math.add", binary_shape),
    "tf.math.add": Operation(None, "tf.math.add", binary_shape),
    "tf.multiply": Operation(None, "tf.math.multiply", binary_shape),
    "tf.math.multiply": Operation(None, "tf.math.multiply", binary_shape),
    "tf.nn.relu": Operation(None, "tf.nn.relu", unary_shape),
    "tf.nn.softmax": Operation(None, "tf.nn.softmax", unary_shape),
    "tf.sigmoid": Operation(None, "tf.math.sigmoid", unary_shape),
    "tf.math.sigmoid": Operation(None, "tf.math.sigmoid", unary_shape),
    "tf.tanh": Operation(None, "tf.math.tanh", unary_shape),
    "tf.math.tanh": Operation(None, "tf.math.tanh", unary_shape),
    "tf.exp": Operation(None, "tf.math.exp", unary_shape),
    "tf.math.exp": Operation(None, "tf.math.exp", unary_shape),
    "tf.cast": Operation(None, "tf.cast", unary_shape),
    **{f"{prefix}reduce_{kind}": Operation(None, f"tf.math.reduce_{kind}", reduction_shape)
       for prefix in ("tf.", "tf.math.") for kind in ("mean", "sum", "max", "min")},
}

KERAS_OPS_MODULES = ("keras.ops", "keras.ops.numpy", "keras.ops.nn", "keras.ops.core", "keras.ops.math",
                     "keras.ops.image")


def ops_function(dotted: str) -> tuple[str, str]:
    """(module, name) of a function, ``keras.src.ops.*`` read as the ``keras.ops.*`` it exports."""
    module, _, name = dotted.rpartition(".")
    if module.startswith("keras.src.ops"):
        module = "keras.ops" + module[len("keras.src.ops"):]
    return module, name


def is_constant_maker(dotted: str) -> bool:
    """``keras.ops.arange`` however reached: it makes a constant tensor, not a graph node."""
    module, name = ops_function(dotted)
    return name == "arange" and module in KERAS_OPS_MODULES


def arange_length(args: list, kwargs: dict) -> object:
    """How many values ``ops.arange(start, stop=None, step=1)`` makes, from int arguments
    (one number alone is the stop, as in NumPy): None where a bound is a dimension Keras
    knows only at run time (``ops.shape(x)[-1]`` of a None dimension), UNKNOWN where the
    arguments are not known."""
    if len(args) > 3 or set(kwargs) - {"start", "stop", "step", "dtype"}:
        return UNKNOWN
    start = argument(args, kwargs, 0, "start")
    stop = argument(args, kwargs, 1, "stop")
    step = argument(args, kwargs, 2, "step", default=1)
    if len(args) < 2 and "stop" not in kwargs:  # arange(n)
        start, stop = 0, start
    if any(v is None for v in (start, stop)) and all(v is None or is_int(v) for v in (start, stop, step)):
        return None  # a symbolic bound: as long as the data says
    if not all(is_int(v) for v in (start, stop, step)) or step == 0:
        return UNKNOWN
    return len(range(start, stop, step))


def function_operation(dotted: str) -> Operation | None:
    """The operation a call of ``keras.ops.reshape`` / ``tf.concat`` (canonical path) makes."""
    module, name = ops_function(dotted)
    if module in KERAS_OPS_MODULES:
        return KERAS_OPS.get(name)
    if module in ("keras.activations", "keras.src.activations", "keras.src.activations.activations"):
        return ACTIVATIONS.get(name)
    if dotted.startswith("tensorflow."):
        dotted = "tf." + dotted[len("tensorflow."):]
    return TF_FUNCTIONS.get(dotted)
