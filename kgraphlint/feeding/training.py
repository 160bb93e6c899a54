"""How models are compiled and fed: the helpers rules use to read compile/fit calls."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from kgraphlint.feeding.arrays import OBJECT, Array, Dataset
from kgraphlint.keras.facts import Loss, ModelRecord, ModelUse, Tensor
from kgraphlint.keras.shapes import UNKNOWN, format_shape, is_int

DATA_METHODS = frozenset({"fit", "evaluate", "predict", "train_on_batch", "test_on_batch", "predict_on_batch"})


def output_names(model: ModelRecord) -> list[str] | None:
    """What losses and targets are keyed by: the keys of a dict given as Model(outputs=...),
    else Keras 3's ``model.output_names``, the names of the layers producing the outputs;
    None where a name is not known (an opaque node, a name given after unfollowed code)."""
    if model.output_keys is not None:
        return list(model.output_keys)
    return _layer_names(model.outputs)


def input_names(model: ModelRecord) -> list[str] | None:
    if model.input_keys is not None:
        return list(model.input_keys)
    return _layer_names(model.inputs)


def _layer_names(tensors: list[Tensor]) -> list[str] | None:
    layers = [t.producer.layer for t in tensors]
    if any(layer.opaque is not None or not layer.name_certain for layer in layers):
        return None
    return [layer.name for layer in layers]


def all_compiled_losses(uses: list[ModelUse]):
    """(compile call, output, loss) for every compile(...) call and every output it gives a loss."""
    for use in uses:
        if use.method == "compile":
            for output, loss in compiled_losses(use):
                yield use, output, loss


def compiled_losses(use: ModelUse) -> list[tuple[Tensor, Loss]]:
    """(output, loss) for each output whose loss compile(...) states as a known Loss."""
    model = use.model
    if not model.built:
        return []
    loss = use.argument(1, "loss")
    outputs = model.outputs
    if isinstance(loss, Loss):
        pairs = [(output, loss) for output in outputs]
    elif isinstance(loss, (list, tuple)) and len(loss) == len(outputs):
        pairs = list(zip(outputs, loss))
    elif isinstance(loss, dict) and (names := output_names(model)) is not None:
        pairs = [(output, loss[name]) for output, name in zip(outputs, names) if name in loss]
    else:
        pairs = []
    return [(output, item) for output, item in pairs if isinstance(item, Loss)]


# ---------------------------------------------------------------------- data given to fit & co.

#: the positional index of x, y and validation_data in each method
DATA_POSITIONS = {
    "fit": {"x": 0, "y": 1, "validation_data": 7},
    "evaluate": {"x": 0, "y": 1},
    "predict": {"x": 0},
    "train_on_batch": {"x": 0, "y": 1},
    "test_on_batch": {"x": 0, "y": 1},
    "predict_on_batch": {"x": 0},
}


@dataclass(frozen=True)
class FedArray:
    """One array a data method gives the model, and the input or output it meets."""

    role: str  # "x" (meets an input) or "y" (meets an output)
    argument: str  # where it was given: "x", "y" or "validation_data"
    array: Array
    tensor: Tensor  # the model input (for x) or output (for y) it feeds
    node: cst.CSTNode  # where the array is written
    #: "batched" for arrays and batched datasets, "unbatched" for a dataset never .batch()-ed
    batching: str = "batched"


def fed_arrays(use: ModelUse) -> list[FedArray]:
    """Every array of a fit/evaluate/predict call that meets a known input or output.

    A dataset's elements count as x and y. Structures that do not match the model
    (KGL404's business) and values that are not known arrays are left out."""
    model = use.model
    positions = DATA_POSITIONS.get(use.method)
    if positions is None or not model.built:
        return []
    fed: list[FedArray] = []
    x = use.argument(positions["x"], "x")
    x_node = use.argument_node(positions["x"], "x")
    if isinstance(x, Dataset):
        batching = "batched" if x.batch is not None else "unbatched"
        element = x.element if isinstance(x.element, tuple) else (x.element,)
        for role, value in zip(("x", "y"), element):
            tensors = model.inputs if role == "x" else model.outputs
            for tensor, array in _paired(model, tensors, _with_batch_axis(value, x.batch), role):
                fed.append(FedArray(role, "x", array, tensor, x_node, batching))
        return fed
    for tensor, array, node in _paired_nodes(model, model.inputs, x, x_node, "x"):
        fed.append(FedArray("x", "x", array, tensor, node))
    if "y" in positions:
        y_node = use.argument_node(positions["y"], "y")
        for tensor, array, node in _paired_nodes(model, model.outputs, use.argument(positions["y"], "y"), y_node, "y"):
            fed.append(FedArray("y", "y", array, tensor, node))
    if "validation_data" in positions:
        validation = use.argument(positions["validation_data"], "validation_data")
        node = use.argument_node(positions["validation_data"], "validation_data")
        if isinstance(validation, (tuple, list)) and len(validation) in (2, 3):
            nodes = _element_nodes(node, len(validation))
            for role, value, item_node in zip(("x", "y"), validation, nodes):
                tensors = model.inputs if role == "x" else model.outputs
                for tensor, array, array_node in _paired_nodes(model, tensors, value, item_node, role):
                    fed.append(FedArray(role, "validation_data", array, tensor, array_node))
    return fed


def trained_targets(uses: list[ModelUse]):
    """(data call, the compile before it, a y it gives, the loss that compile gives y's
    output) for each certain call that trains or evaluates on targets of a known shape."""
    latest_compile: dict[int, ModelUse] = {}
    for use in uses:
        if use.method == "compile":
            latest_compile[id(use.model)] = use
            continue
        compile_use = latest_compile.get(id(use.model))
        if not use.certain or compile_use is None:
            continue
        losses = {id(output): loss for output, loss in compiled_losses(compile_use)}
        for fed in fed_arrays(use):
            loss = losses.get(id(fed.tensor))
            if fed.role == "y" and loss is not None and fed.tensor.shape is not None:
                yield use, compile_use, fed, loss
def data_related(fed: FedArray, label: str, bindings: list[tuple[cst.Name, Array]]) -> list[tuple[cst.CSTNode, str]]:
    """Where a fix for ``fed`` (shown as ``label``, ``y_train``) may go, as related
    locations: where the name it is given by was last assigned, where the array was made and
    last reshaped, and the model input or output it meets."""
    related: list[tuple[cst.CSTNode, str]] = []
    if type(fed.node) is cst.Name:
        bound = [target for target, array in bindings if array is fed.array and target.value == fed.node.value]
        if bound:
            related.append((bound[-1], f"{label} is assigned here"))
    if fed.array.made is not None:
        related.append((fed.array.made, f"the array in {label} is made here"))
    if fed.array.reshaped is not None:
        related.append((fed.array.reshaped, f"the array in {label} is last reshaped here"))
    producer = fed.tensor.producer
    if producer.node is not None:
        role = "input" if fed.role == "x" else "output"
        related.append((producer.node, f"it meets the model's {role} '{producer.layer.name}', "
                                       f"{format_shape(fed.tensor.shape)}"))
    shape = fed.tensor.shape
    if fed.role == "y" and shape is not None and len(shape) > max(fed.array.rank, 2) and len(producer.inputs) == 1:
        # an output of more axes than y keeps them from the layer before it (a Dense on an
        # unflattened feature map): where a Flatten or a pooling goes
        source = producer.inputs[0]
        if source.shape is not None and len(source.shape) == len(shape) and source.producer.node is not None:
            related.append((source.producer.node, f"'{producer.layer.name}' keeps the axes of "
                                                  f"'{source.producer.layer.name}', {format_shape(source.shape)}"))
    seen: set[int] = set()
    return [(node, message) for node, message in related if not (id(node) in seen or seen.add(id(node)))]


def _with_batch_axis(value: object, batch: object) -> object:
    if batch is None:
        return value
    if isinstance(value, Array):
        return Array((UNKNOWN, *value.shape), value.kind)
    if isinstance(value, tuple):
        return tuple(_with_batch_axis(v, batch) for v in value)
    if isinstance(value, dict):
        return {k: _with_batch_axis(v, batch) for k, v in value.items()}
    return value


def _element_nodes(node: cst.CSTNode, count: int) -> list[cst.CSTNode]:
    if type(node) in (cst.Tuple, cst.List) and len(node.elements) == count:
        return [element.value for element in node.elements]
    return [node] * count


def _paired(model: ModelRecord, tensors: list[Tensor], value: object, role: str) -> list[tuple[Tensor, Array]]:
    return [(tensor, array) for tensor, array, _ in _paired_nodes(model, tensors, value, None, role)]


def _paired_nodes(model: ModelRecord, tensors: list[Tensor], value: object, node: cst.CSTNode | None,
                  role: str) -> list[tuple[Tensor, Array, cst.CSTNode]]:
    return [(t, a, n) for t, a, n in _structure_pairs(model, tensors, value, node, role) if a.kind != OBJECT]


def _structure_pairs(model: ModelRecord, tensors: list[Tensor], value: object, node: cst.CSTNode | None,
                     role: str) -> list[tuple[Tensor, Array, cst.CSTNode]]:
    # Ragged data (lists of word indices of varying length, as keras.datasets.imdb gives) is
    # not followed: what Keras makes of it is not a question of shapes.
    if isinstance(value, Array):
        return [(tensors[0], value, node)] if len(tensors) == 1 else []
    if isinstance(value, (list, tuple)) and len(value) == len(tensors):
        nodes = _element_nodes(node, len(value))
        return [(t, a, n) for t, a, n in zip(tensors, value, nodes) if isinstance(a, Array)]
    if isinstance(value, dict):
        names = input_names(model) if role == "x" else output_names(model)
        by_name = dict(zip(names or [], tensors))
        return [(by_name[k], a, node) for k, a in value.items() if k in by_name and isinstance(a, Array)]
    return []


def as_model_sees(array_shape: tuple, reference: tuple) -> tuple | None:
    """The shape a Keras model makes of an array given for an input of ``reference`` shape,
    or None when Keras refuses its rank.

    Keras (3 and tf_keras alike) drops a trailing axis of size 1 or adds one where the
    input ends in 1, so (N, 28, 28) feeds an input of (None, 28, 28, 1)."""
    if len(array_shape) == len(reference):
        return array_shape
    if len(array_shape) == len(reference) + 1 and array_shape[-1] == 1:
        return array_shape[:-1]
    if len(array_shape) == len(reference) - 1 and reference[-1] == 1:
        return (*array_shape, 1)
    return None


def mismatched_axes(shape: tuple, reference: tuple, skip_batch: bool = True) -> list[int]:
    """Axes where both shapes know a size and the sizes differ."""
    start = 1 if skip_batch else 0
    return [axis for axis in range(start, min(len(shape), len(reference)))
            if is_int(shape[axis]) and is_int(reference[axis]) and shape[axis] != reference[axis]]


# ---------------------------------------------------------------------- targets and losses

LOSS_ALIASES = {
    "mse": "mean_squared_error", "mae": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error",
    "huber_loss": "huber", "logcosh": "log_cosh",
}
CATEGORICAL_LOSSES = frozenset({"categorical_crossentropy", "categorical_focal_crossentropy"})
SPARSE_LOSSES = frozenset({"sparse_categorical_crossentropy"})
BINARY_LOSSES = frozenset({"binary_crossentropy", "binary_focal_crossentropy"})
REGRESSION_LOSSES = frozenset({"mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
                               "mean_squared_logarithmic_error", "huber", "log_cosh"})


def canonical_loss(name: str) -> str:
    return LOSS_ALIASES.get(name, name)


def squeeze_or_expand(target: tuple, output: tuple) -> tuple[tuple, tuple]:
    """What Keras 3's loss wrapper does first (``squeeze_or_expand_to_same_rank``): when
    the ranks differ by one and the longer shape ends in 1, the shorter one gains that axis
    if it has rank 1, else the longer one loses it."""
    if len(target) == len(output) + 1 and target[-1] == 1:
        return (target, (*output, 1)) if len(output) == 1 else (target[:-1], output)
    if len(output) == len(target) + 1 and output[-1] == 1:
        return ((*target, 1), output) if len(target) == 1 else (target, output[:-1])
    return target, output


@dataclass(frozen=True)
class TargetVerdict:
    """How a loss meets targets of one shape against an output of another."""

    outcome: str  # "raises" (fit fails) or "broadcasts" (fit runs and trains the wrong thing)
    reason: str


def target_verdict(loss: str, target: tuple, output: tuple) -> TargetVerdict | None:
    """None when the targets fit the output (or Keras's behaviour is not known here).

    Both shapes have the sample (batch) axis first; its size is not compared."""
    loss = canonical_loss(loss)
    if any(not is_int(d) and d is not None for d in (*target[1:], *output[1:])):
        return None
    target, output = squeeze_or_expand(target, output)
    if loss in SPARSE_LOSSES:
        if len(target) == len(output) and target[-1] == 1:
            target = target[:-1]
        if len(target) != len(output) - 1:
            return TargetVerdict("raises", "rank")
        if mismatched_axes(target, output[:-1]):
            return TargetVerdict("raises", "shape")
        return None
    if loss in CATEGORICAL_LOSSES or loss in BINARY_LOSSES:
        if len(target) != len(output):
            return TargetVerdict("raises", "rank")
        if mismatched_axes(target, output):
            return TargetVerdict("raises", "shape")
        return None
    if loss in REGRESSION_LOSSES:
        if len(target) != len(output):
            return TargetVerdict("broadcasts", "rank")
        for axis in range(1, len(target)):
            a, b = target[axis], output[axis]
            if is_int(a) and is_int(b) and a != b:
                return TargetVerdict("broadcasts" if 1 in (a, b) else "raises", "shape")
        return None
    return None
