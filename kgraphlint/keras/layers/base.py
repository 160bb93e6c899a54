"""The registry of layer knowledge and the argument helpers every layer family uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from kgraphlint.keras.shapes import UNKNOWN, Shape, is_int, is_known

if TYPE_CHECKING:
    from kgraphlint.keras.signatures import Signature


Config = dict  # argument name -> value (UNKNOWN where not known statically)
Params = tuple  # (trainable, non_trainable); either may be UNKNOWN
OutputFn = Callable[[Config, list], object]
ParamsFn = Callable[[Config, list], Params]


@dataclass(frozen=True)
class LayerKnowledge:
    output: OutputFn
    params: ParamsFn
    #: ranks (batch axis included) the layer accepts; None: any rank
    ranks: frozenset[int] | None = None
    min_rank: int = 1
    #: the layer takes a list of tensors (merge layers)
    merges: bool = False
    #: a short phrase for messages, e.g. "4-D image batches (batch, height, width, channels)"
    expects: str = ""
    #: its shapes are those of every tensor argument in order (attention's query, value, key),
    #: not only the first argument's
    every_argument: bool = False
    #: Keras 3 classes of the layers it makes without a name when it is first called
    #: (built): each takes an automatic name, so later layers of that class count on
    builds_unnamed: tuple[str, ...] = ()


CATALOGUE: dict[str, LayerKnowledge] = {}


#: constructor arguments that change neither a layer's output shape nor its weight count:
#: when only these are unknown, the shape and the count still are known
SHAPE_NEUTRAL = frozenset({"name", "trainable", "dtype", "activation", "recurrent_activation", "seed", "rate",
                           "dropout", "recurrent_dropout", "epsilon", "momentum", "unroll", "implementation",
                           "use_cudnn", "stateful", "go_backwards", "autocast", "input_shape", "input_dim",
                           "batch_input_shape", "batch_size", "interpolation", "noise_shape", "negative_slope",
                           "max_value", "threshold", "alpha", "stddev", "l1", "l2", "kernel", "recurrent",
                           "fill_mode", "fill_value", "factor", "height_factor", "width_factor", "value_range"})
SHAPE_NEUTRAL_SUFFIXES = ("_initializer", "_regularizer", "_constraint")


def decided_by_known(config: Config, switches: frozenset[str]) -> bool:
    """No unknown argument could silently pick another shape or weight count: numbers
    (units, filters, kernel sizes) carry their unknown into the dimensions they give, but an
    unknown switch or choice (return_sequences, use_bias, padding: see ``switches``) would
    read as its falsy branch."""
    for key, value in config.items():  # a loop, not all(...): this runs for every layer call
        if key in switches and not is_known(value):
            return False
    return True


#: each signature's switches, by the signature's identity (signatures live as long as the
#: process, and a layer call asks for its signature's on every call)
_SWITCHES: dict[int, tuple[object, frozenset[str]]] = {}


def switches(signature: "Signature") -> frozenset[str]:
    """The optional arguments whose default is a bool, a string or None and that may change
    a shape or weight count (not in SHAPE_NEUTRAL)."""
    cached = _SWITCHES.get(id(signature))
    if cached is None or cached[0] is not signature:
        names = frozenset(p.name for p in signature.parameters if not p.required and (
            p.default is None or isinstance(p.default, (bool, str))) and p.name not in SHAPE_NEUTRAL
            and not p.name.endswith(SHAPE_NEUTRAL_SUFFIXES))
        cached = _SWITCHES[id(signature)] = (signature, names)
    return cached[1]


def no_params(config: Config, shapes: list) -> Params:
    return (0, 0)


def register(*class_names: str, params: ParamsFn = no_params, **kwargs) -> Callable[[OutputFn], OutputFn]:
    def wrap(fn: OutputFn) -> OutputFn:
        for name in class_names:
            CATALOGUE[name] = LayerKnowledge(fn, params, **kwargs)
        return fn

    return wrap


def knowledge(class_name: str) -> LayerKnowledge | None:
    return CATALOGUE.get(class_name)


def has_weights(layer) -> bool:
    """Whether a layer (a kgraphlint.keras.facts.LayerInstance) builds weights when first
    called or built (Keras's weightless layers are built when they are made); a layer
    kgraphlint has no knowledge of may."""
    found = knowledge(layer.class_name)
    return found is None or found.params is not no_params or layer.custom is not None


# ---------------------------------------------------------------- argument helpers


def int_tuple(value: object, n: int) -> tuple | object:
    """An int or a sequence of n ints as a tuple of n ints; UNKNOWN otherwise."""
    if is_int(value):
        return (value,) * n
    if isinstance(value, (tuple, list)) and len(value) == n and all(is_int(v) for v in value):
        return tuple(value)
    return UNKNOWN


def channels_last(config: Config) -> bool | object:
    fmt = config.get("data_format")
    if fmt is None or fmt == "channels_last":
        return True
    if fmt == "channels_first":
        return False
    return UNKNOWN


def last_dim(shape: Shape) -> object:
    return shape[-1] if shape else UNKNOWN


def weights(*sizes: object) -> object:
    """Sum of weight sizes, UNKNOWN if any is unknown or None (unbuildable)."""
    total = 0
    for size in sizes:
        if not is_int(size):
            return UNKNOWN
        total += size
    return total


def single(shapes: list) -> Shape:
    return shapes[0] if len(shapes) == 1 else None


def same_shape(config: Config, shapes: list) -> Shape:
    return single(shapes)


def int_or_unknown(value: object) -> object:
    return value if is_int(value) else UNKNOWN


def outside(value: object, low: float, high: float = float("inf")) -> bool:
    """A known number outside [low, high]; an unknown value is never outside."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return number and not low <= value <= high


def same_shape_unless(refused: Callable[[Config], bool]) -> OutputFn:
    """same_shape for a layer whose arguments Keras checks when it is created: no shape
    where ``refused(config)`` says Keras raises."""

    def output(config: Config, shapes: list) -> Shape:
        return None if refused(config) else single(shapes)

    return output
