"""What kgraphlint knows about each Keras layer class: output shapes, parameter counts, and
the input ranks it accepts.

Every rule here mirrors what Keras 3 computes (``compute_output_shape`` and the weights
``build`` creates). A layer without an entry has an unknown output shape and parameter
count, which keeps everything downstream quiet. Where a configuration is impossible the
output is UNKNOWN too: saying *why* is the rules' job, not this module's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from kgraphlint.shapes import (
    UNKNOWN,
    Shape,
    add_dims,
    conv_output_length,
    dim_product,
    dims_conflict,
    is_int,
    is_known,
    normalize_axis,
)

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


CATALOGUE: dict[str, LayerKnowledge] = {}


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


# ---------------------------------------------------------------- core layers


def dense_params(config: Config, shapes: list) -> Params:
    shape, units = single(shapes), config.get("units")
    if shape is None or not is_int(units):
        return (UNKNOWN, 0)
    d = last_dim(shape)
    if not is_int(d):
        return (UNKNOWN, 0)
    bias = units if config.get("use_bias", True) else 0
    return (weights(d * units, bias), 0)


@register("Dense", params=dense_params, min_rank=2)
def dense_output(config: Config, shapes: list) -> Shape:
    shape, units = single(shapes), config.get("units")
    if shape is None:
        return None
    return shape[:-1] + (units if is_int(units) else UNKNOWN,)


register(
    "Dropout", "Activation", "ActivityRegularization", "GaussianNoise", "GaussianDropout",
    "AlphaDropout", "Masking", "ReLU", "LeakyReLU", "ELU", "Softmax", "Identity",
    "UnitNormalization",
)(same_shape)
register("SpatialDropout1D", ranks=frozenset({3}), expects="3-D sequences (batch, steps, channels)")(same_shape)
register("SpatialDropout2D", ranks=frozenset({4}), expects="4-D images (batch, height, width, channels)")(same_shape)
register("SpatialDropout3D", ranks=frozenset({5}), expects="5-D volumes (batch, depth, height, width, channels)")(same_shape)


@register("Flatten", min_rank=2)
def flatten_output(config: Config, shapes: list) -> Shape:
    shape = single(shapes)
    if shape is None:
        return None
    if channels_last(config) is UNKNOWN:
        return (shape[0], UNKNOWN)
    return (shape[0], dim_product(shape[1:]))


def reshape_target(config: Config, shape: Shape) -> Shape:
    """Reshape's output, or None when the target cannot work (one -1 at most, sizes equal)."""
    target = config.get("target_shape")
    if not isinstance(target, (tuple, list)) or not all(is_int(d) for d in target):
        return (shape[0], *([UNKNOWN] * len(target))) if isinstance(target, (tuple, list)) else None
    if list(target).count(-1) > 1:
        return None
    size = dim_product(shape[1:])
    known = dim_product(d for d in target if d != -1)
    if -1 in target:
        if is_int(size) and is_int(known):
            if known == 0 or size % known:
                return None
            fill = size // known
        else:
            fill = None if size is None else UNKNOWN
        return (shape[0], *(fill if d == -1 else d for d in target))
    if is_int(size) and is_int(known) and size != known:
        return None
    return (shape[0], *target)


@register("Reshape")
def reshape_output(config: Config, shapes: list) -> Shape:
    shape = single(shapes)
    return None if shape is None else reshape_target(config, shape)


@register("Permute")
def permute_output(config: Config, shapes: list) -> Shape:
    shape, dims = single(shapes), config.get("dims")
    if shape is None or not isinstance(dims, (tuple, list)) or not all(is_int(d) for d in dims):
        return None
    if sorted(dims) != list(range(1, len(shape))):
        return None
    return (shape[0], *(shape[d] for d in dims))


@register("RepeatVector", ranks=frozenset({2}), expects="2-D batches (batch, features)")
def repeat_vector_output(config: Config, shapes: list) -> Shape:
    shape, n = single(shapes), config.get("n")
    if shape is None:
        return None
    return (shape[0], n if is_int(n) else UNKNOWN, shape[-1])


def _embedding_size(config: Config) -> object:
    input_dim, output_dim = config.get("input_dim"), config.get("output_dim")
    if is_int(input_dim) and is_int(output_dim):
        return input_dim * output_dim
    return UNKNOWN


def _int_or_unknown(value: object) -> object:
    return value if is_int(value) else UNKNOWN


@register("Embedding", params=lambda config, shapes: (weights(_embedding_size(config)), 0))
def embedding_output(config: Config, shapes: list) -> Shape:
    shape = single(shapes)
    if shape is None:
        return None
    return shape + (_int_or_unknown(config.get("output_dim")),)


@register("Lambda")
def lambda_output(config: Config, shapes: list) -> Shape:
    output_shape = config.get("output_shape")
    if isinstance(output_shape, (tuple, list)) and all(d is None or is_int(d) for d in output_shape):
        batch = shapes[0][0] if shapes and shapes[0] is not None else None
        return (batch, *output_shape)
    return None


# ---------------------------------------------------------------- normalization


def _norm_axes(config: Config, shape: Shape) -> list | object:
    axis = config.get("axis", -1)
    axes = list(axis) if isinstance(axis, (tuple, list)) else [axis]
    out = [normalize_axis(a, len(shape)) for a in axes]
    return UNKNOWN if None in out else out


def _norm_size(config: Config, shapes: list) -> object:
    shape = single(shapes)
    if shape is None:
        return UNKNOWN
    axes = _norm_axes(config, shape)
    if axes is UNKNOWN:
        return UNKNOWN
    return dim_product(shape[a] for a in axes)


def batch_norm_params(config: Config, shapes: list) -> Params:
    size = _norm_size(config, shapes)
    if not is_int(size):
        return (UNKNOWN, UNKNOWN)
    trainable = size * (bool(config.get("center", True)) + bool(config.get("scale", True)))
    return (trainable, 2 * size)


def layer_norm_params(config: Config, shapes: list) -> Params:
    size = _norm_size(config, shapes)
    if not is_int(size):
        return (UNKNOWN, 0)
    if config.get("rms_scaling"):
        return (size, 0)
    return (size * (bool(config.get("center", True)) + bool(config.get("scale", True))), 0)


def normalization_params(config: Config, shapes: list) -> Params:
    """keras.layers.Normalization: constants when given mean and variance; otherwise the
    adapted mean and variance over the kept axes plus an integer count, none trainable."""
    if config.get("mean") is not None:
        return (0, 0) if is_known(config.get("mean")) else (UNKNOWN, UNKNOWN)
    shape = single(shapes)
    axis = config.get("axis", -1)
    if shape is None:
        return (0, UNKNOWN)
    kept = _norm_axes({"axis": ()}, shape) if axis is None else _norm_axes(config, shape)
    size = dim_product(shape[a] for a in kept) if kept is not UNKNOWN else UNKNOWN
    return (0, 2 * size + 1) if is_int(size) else (0, UNKNOWN)


register("BatchNormalization", params=batch_norm_params)(same_shape)
register("LayerNormalization", params=layer_norm_params)(same_shape)
@register("Normalization", params=normalization_params)
def normalization_output(config: Config, shapes: list) -> Shape:
    """Keras refuses kept axes of unknown size (the batch axis) and the same axis twice."""
    shape, axis = single(shapes), config.get("axis", -1)
    if shape is None:
        return None
    kept = _norm_axes({"axis": ()}, shape) if axis is None else _norm_axes(config, shape)
    if kept is UNKNOWN:
        return None
    if len(set(kept)) != len(kept) or any(shape[a] is None for a in kept):
        return None
    return shape


# ---------------------------------------------------------------- convolution and pooling

SPATIAL_EXPECTS = {
    1: "3-D sequences (batch, steps, channels)",
    2: "4-D images (batch, height, width, channels)",
    3: "5-D volumes (batch, depth, height, width, channels)",
}


def conv_params(rank: int) -> ParamsFn:
    def params(config: Config, shapes: list) -> Params:
        shape = single(shapes)
        filters, groups = config.get("filters"), config.get("groups", 1)
        kernel = int_tuple(config.get("kernel_size"), rank)
        last = channels_last(config)
        if shape is None or last is UNKNOWN or kernel is UNKNOWN or not is_int(filters) or not is_int(groups):
            return (UNKNOWN, 0)
        channels = shape[-1] if last else shape[1]
        if not is_int(channels) or groups <= 0:
            return (UNKNOWN, 0)
        kernel_weights = dim_product(kernel) * (channels // groups) * filters
        return (weights(kernel_weights, filters if config.get("use_bias", True) else 0), 0)

    return params


def spatial_output(config: Config, shape: Shape, window: object, strides: object, rank: int,
                   dilation: object = 1) -> tuple | None:
    """The spatial axes after a window slides over them; None if a size is impossible."""
    last = channels_last(config)
    if last is UNKNOWN or window is UNKNOWN or strides is UNKNOWN:
        return (UNKNOWN,) * rank
    dilation = int_tuple(dilation, rank)
    if dilation is UNKNOWN:
        return (UNKNOWN,) * rank
    spatial = shape[1:-1] if last else shape[2:]
    out = []
    for length, k, s, d in zip(spatial, window, strides, dilation):
        size = conv_output_length(length, k, s, config.get("padding", "valid"), d)
        if is_int(size) and size <= 0:
            return None
        out.append(size)
    return tuple(out)


def conv_output(rank: int) -> OutputFn:
    def output(config: Config, shapes: list) -> Shape:
        shape = single(shapes)
        if shape is None or len(shape) != rank + 2:
            return None
        kernel = int_tuple(config.get("kernel_size"), rank)
        strides = int_tuple(config.get("strides", 1), rank)
        dilation = int_tuple(config.get("dilation_rate", 1), rank)
        if isinstance(strides, tuple) and isinstance(dilation, tuple) and max(strides) > 1 and max(dilation) > 1:
            return None  # Keras refuses strided dilated convolutions
        spatial = spatial_output(config, shape, kernel, strides, rank, config.get("dilation_rate", 1))
        if spatial is None:
            return None
        filters = _int_or_unknown(config.get("filters"))
        return (shape[0], *spatial, filters) if channels_last(config) is not False else (shape[0], filters, *spatial)

    return output


def pool_output(rank: int) -> OutputFn:
    def output(config: Config, shapes: list) -> Shape:
        shape = single(shapes)
        if shape is None or len(shape) != rank + 2:
            return None
        window = int_tuple(config.get("pool_size"), rank)
        strides_arg = config.get("strides")
        strides = window if strides_arg is None else int_tuple(strides_arg, rank)
        spatial = spatial_output(config, shape, window, strides, rank)
        if spatial is None:
            return None
        return (shape[0], *spatial, shape[-1]) if channels_last(config) is not False else (shape[0], shape[1], *spatial)

    return output


def global_pool_output(rank: int) -> OutputFn:
    def output(config: Config, shapes: list) -> Shape:
        shape = single(shapes)
        if shape is None or len(shape) != rank + 2:
            return None
        last = channels_last(config)
        channels = UNKNOWN if last is UNKNOWN else (shape[-1] if last else shape[1])
        if config.get("keepdims"):
            ones = (1,) * rank
            return (shape[0], *ones, channels) if last is not False else (shape[0], channels, *ones)
        return (shape[0], channels)

    return output


for _rank in (1, 2, 3):
    _ranks = frozenset({_rank + 2})
    _expects = SPATIAL_EXPECTS[_rank]
    register(f"Conv{_rank}D", params=conv_params(_rank), ranks=_ranks, expects=_expects)(conv_output(_rank))
    register(f"MaxPooling{_rank}D", f"AveragePooling{_rank}D", ranks=_ranks, expects=_expects)(pool_output(_rank))
    register(f"GlobalMaxPooling{_rank}D", f"GlobalAveragePooling{_rank}D", ranks=_ranks, expects=_expects)(
        global_pool_output(_rank)
    )


# ---------------------------------------------------------------- recurrent layers

GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}
STATES = {"SimpleRNN": 1, "LSTM": 2, "GRU": 1}


def rnn_params(cell: str) -> ParamsFn:
    def params(config: Config, shapes: list) -> Params:
        shape, units = single(shapes), config.get("units")
        if shape is None or not is_int(units) or not is_int(last_dim(shape)):
            return (UNKNOWN, 0)
        gates, features = GATES[cell], shape[-1]
        bias = 0
        if config.get("use_bias", True):
            bias = gates * units * (2 if cell == "GRU" and config.get("reset_after", True) else 1)
        return (weights(gates * (features * units + units * units), bias), 0)

    return params


def rnn_output(cell: str) -> OutputFn:
    def output(config: Config, shapes: list) -> object:
        shape, units = single(shapes), _int_or_unknown(config.get("units"))
        if shape is None or len(shape) != 3:
            return None
        main = (shape[0], shape[1], units) if config.get("return_sequences") else (shape[0], units)
        if config.get("return_state"):
            return [main] + [(shape[0], units)] * STATES[cell]
        return main

    return output


for _cell in GATES:
    register(_cell, params=rnn_params(_cell), ranks=frozenset({3}), expects=SPATIAL_EXPECTS[1].replace("channels", "features"))(
        rnn_output(_cell)
    )


# ---------------------------------------------------------------- merging


def elementwise_shape(a: tuple, b: tuple) -> tuple | None:
    """keras.layers.Merge._compute_elemwise_op_output_shape, on shapes without the batch
    axis; None where Keras raises "Inputs have incompatible shapes"."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return a
    out = list(a[: len(a) - len(b)])
    for i, j in zip(a[len(a) - len(b):], b):
        if i is UNKNOWN or j is UNKNOWN:
            out.append(UNKNOWN)
        elif i is None or j is None:
            out.append(None)
        elif i == 1:
            out.append(j)
        elif j == 1 or i == j:
            out.append(i)
        else:
            return None
    return tuple(out)


def merge_output(config: Config, shapes: list) -> Shape:
    """Element-wise merge (Add, Multiply, ...), broadcasting as keras.layers.Merge does."""
    if not shapes or any(s is None or not s for s in shapes):
        return None
    out = tuple(shapes[0][1:])
    for shape in shapes[1:]:
        out = elementwise_shape(out, tuple(shape[1:]))
        if out is None:
            return None
    batch = next((s[0] for s in shapes if is_int(s[0])), shapes[0][0])
    return (batch, *out)


register("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", merges=True)(merge_output)


@register("Concatenate", merges=True)
def concatenate_output(config: Config, shapes: list) -> Shape:
    if not shapes or any(s is None for s in shapes):
        return None
    rank = len(shapes[0])
    if any(len(s) != rank for s in shapes):
        return None
    axis = normalize_axis(config.get("axis", -1), rank)
    if axis is None:
        return None
    out = list(shapes[0])
    for shape in shapes[1:]:
        for i, (a, b) in enumerate(zip(out, shape)):
            if i == axis:
                out[i] = add_dims(a, b)
            elif dims_conflict(a, b):
                return None
            elif not is_int(a):
                out[i] = b if is_int(b) else a
    return tuple(out)


def dot_axes(config: Config, shapes: list) -> tuple | None:
    axes = config.get("axes")
    if len(shapes) != 2 or any(s is None for s in shapes):
        return None
    if is_int(axes):
        axes = (axes, axes)
    if not (isinstance(axes, (tuple, list)) and len(axes) == 2 and all(is_int(a) for a in axes)):
        return None
    a0, a1 = normalize_axis(axes[0], len(shapes[0])), normalize_axis(axes[1], len(shapes[1]))
    return None if a0 is None or a1 is None else (a0, a1)


@register("Dot", merges=True)
def dot_output(config: Config, shapes: list) -> Shape:
    axes = dot_axes(config, shapes)
    if axes is None:
        return None
    s1, s2 = list(shapes[0]), list(shapes[1])
    if dims_conflict(s1[axes[0]], s2[axes[1]]):
        return None
    s1.pop(axes[0])
    s2.pop(axes[1])
    s2.pop(0)
    out = s1 + s2
    return tuple(out + [1] if len(out) == 1 else out)


# ---------------------------------------------------------------- wrappers
# Bidirectional and TimeDistributed wrap another layer; the interpreter passes the wrapped
# layer's class and configuration in config["layer"] as a (class_name, config) pair.


def inner(config: Config) -> tuple[LayerKnowledge, str, Config] | None:
    wrapped = config.get("layer")
    if not (isinstance(wrapped, tuple) and len(wrapped) == 2):
        return None
    class_name, inner_config = wrapped
    found = knowledge(class_name)
    return None if found is None else (found, class_name, inner_config)


def bidirectional_params(config: Config, shapes: list) -> Params:
    found = inner(config)
    if found is None or config.get("backward_layer") is not None:
        return (UNKNOWN, UNKNOWN)
    trainable, frozen = found[0].params(found[2], shapes)
    return (weights(trainable) * 2 if is_int(trainable) else UNKNOWN, frozen * 2 if is_int(frozen) else UNKNOWN)


@register("Bidirectional", params=bidirectional_params, ranks=frozenset({3}),
          expects="3-D sequences (batch, steps, features)")
def bidirectional_output(config: Config, shapes: list) -> object:
    found = inner(config)
    if found is None or found[2].get("return_state") or config.get("backward_layer") is not None:
        return None
    out = found[0].output(found[2], shapes)
    if not isinstance(out, tuple):
        return None
    mode = config.get("merge_mode", "concat")
    if mode == "concat":
        return out[:-1] + (out[-1] * 2 if is_int(out[-1]) else out[-1],)
    if mode in ("sum", "mul", "ave"):
        return out
    if mode is None:
        return [out, out]
    return None


def _per_step(shapes: list) -> list | None:
    shape = single(shapes)
    if shape is None or len(shape) < 3:
        return None
    return [(shape[0], *shape[2:])]


def time_distributed_params(config: Config, shapes: list) -> Params:
    found, steps = inner(config), _per_step(shapes)
    if found is None or steps is None:
        return (UNKNOWN, UNKNOWN)
    return found[0].params(found[2], steps)


@register("TimeDistributed", params=time_distributed_params, min_rank=3)
def time_distributed_output(config: Config, shapes: list) -> Shape:
    found, steps = inner(config), _per_step(shapes)
    if found is None or steps is None:
        return None
    out = found[0].output(found[2], steps)
    if not isinstance(out, tuple):
        return None
    return (out[0], shapes[0][1], *out[1:])


# ---------------------------------------------------------------- activations

#: layers that pass their input's values through unchanged in kind
SHAPE_ONLY = frozenset({"Dropout", "Flatten", "Reshape", "Permute", "Identity", "SpatialDropout1D",
                        "SpatialDropout2D", "SpatialDropout3D", "GaussianDropout", "AlphaDropout"})
#: classes whose ``activation`` argument is applied to their output
ACTIVATED = frozenset({"Dense", "Conv1D", "Conv2D", "Conv3D", "SeparableConv1D", "SeparableConv2D",
                       "DepthwiseConv1D", "DepthwiseConv2D", "Conv1DTranspose", "Conv2DTranspose",
                       "Conv3DTranspose", "Activation"})


def final_activation(producer) -> object:
    """The activation that produced a tensor's values: "softmax", "sigmoid", "linear", ...
    or UNKNOWN. ``producer`` is a LayerCall; shape-only layers are looked through."""
    call = producer
    while call.layer.class_name in SHAPE_ONLY and len(call.inputs) == 1:
        call = call.inputs[0].producer
    layer = call.layer
    if layer.class_name == "Softmax":
        return "softmax"
    if layer.class_name == "TimeDistributed" and layer.wrapped is not None:
        wrapped = layer.wrapped
        return _activation_name(wrapped.config.get("activation")) if wrapped.class_name in ACTIVATED else UNKNOWN
    if layer.class_name in ACTIVATED:
        return _activation_name(layer.config.get("activation"))
    return UNKNOWN


def _activation_name(value: object) -> object:
    if value is None:
        return "linear"
    return value if isinstance(value, str) else UNKNOWN


# ---------------------------------------------------------------- padding, cropping, resampling


def edge_pairs(value: object, rank: int) -> tuple | object:
    """ZeroPadding/Cropping amounts as ((before, after), ...) per spatial axis."""
    if is_int(value):
        return ((value, value),) * rank
    if not isinstance(value, (tuple, list)):
        return UNKNOWN
    if rank == 1 and len(value) == 2 and all(is_int(v) for v in value):
        return ((value[0], value[1]),)
    if len(value) != rank:
        return UNKNOWN
    pairs = []
    for item in value:
        if is_int(item):
            pairs.append((item, item))
        elif isinstance(item, (tuple, list)) and len(item) == 2 and all(is_int(v) for v in item):
            pairs.append((item[0], item[1]))
        else:
            return UNKNOWN
    return tuple(pairs)


def resample_spatial(rank: int, change) -> OutputFn:
    """A layer that maps each spatial length to change(length, amount) and keeps channels."""

    def output(config: Config, shapes: list) -> Shape:
        shape = single(shapes)
        last = channels_last(config)
        if shape is None or len(shape) != rank + 2 or last is UNKNOWN:
            return None
        spatial = shape[1:-1] if last else shape[2:]
        amounts = change.amounts(config, rank)
        if amounts is UNKNOWN:
            new = (UNKNOWN,) * rank
        else:
            new = tuple(change(length, amount) for length, amount in zip(spatial, amounts))
            if any(is_int(n) and n <= 0 for n in new):
                return None
        return (shape[0], *new, shape[-1]) if last else (shape[0], shape[1], *new)

    return output


class Padding:
    @staticmethod
    def amounts(config: Config, rank: int) -> object:
        return edge_pairs(config.get("padding"), rank)

    def __call__(self, length: object, pair: tuple) -> object:
        return length + pair[0] + pair[1] if is_int(length) else length


class Cropping(Padding):
    @staticmethod
    def amounts(config: Config, rank: int) -> object:
        return edge_pairs(config.get("cropping"), rank)

    def __call__(self, length: object, pair: tuple) -> object:
        return length - pair[0] - pair[1] if is_int(length) else length


class Upsampling:
    @staticmethod
    def amounts(config: Config, rank: int) -> object:
        return int_tuple(config.get("size"), rank)

    def __call__(self, length: object, factor: int) -> object:
        return length * factor if is_int(length) else length


def depthwise_params(rank: int, pointwise: bool) -> ParamsFn:
    """DepthwiseConv (pointwise=False) and SeparableConv (pointwise=True) weights."""

    def params(config: Config, shapes: list) -> Params:
        shape = single(shapes)
        kernel = int_tuple(config.get("kernel_size"), rank)
        multiplier = config.get("depth_multiplier", 1)
        last = channels_last(config)
        if shape is None or kernel is UNKNOWN or not is_int(multiplier) or last is UNKNOWN:
            return (UNKNOWN, 0)
        channels = shape[-1] if last else shape[1]
        if not is_int(channels):
            return (UNKNOWN, 0)
        depthwise = dim_product(kernel) * channels * multiplier
        if not pointwise:
            return (weights(depthwise, channels * multiplier if config.get("use_bias", True) else 0), 0)
        filters = config.get("filters")
        if not is_int(filters):
            return (UNKNOWN, 0)
        return (weights(depthwise, channels * multiplier * filters, filters if config.get("use_bias", True) else 0), 0)

    return params


def depthwise_output(rank: int) -> OutputFn:
    def output(config: Config, shapes: list) -> Shape:
        shape = single(shapes)
        multiplier = config.get("depth_multiplier", 1)
        if shape is None or len(shape) != rank + 2 or not is_int(multiplier):
            return None
        last = channels_last(config)
        channels = shape[-1] if last else shape[1]
        filters = channels * multiplier if is_int(channels) else UNKNOWN
        return conv_output(rank)(dict(config, filters=filters), shapes)

    return output


def transpose_length(length: object, kernel: int, stride: int, padding: object, output_padding: object,
                     dilation: int) -> object:
    """keras.src.backend.common.backend_utils._get_output_shape_given_tf_padding."""
    if length is None:
        return None
    if not is_int(length) or not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        return UNKNOWN
    kernel = (kernel - 1) * dilation + 1
    if padding.lower() == "valid":
        extra = max(kernel, stride) - kernel if output_padding is None else output_padding
        return (length - 1) * stride + kernel + extra
    if output_padding is None:
        return length * stride
    return (length - 1) * stride + kernel % 2 + output_padding


def transpose_output(rank: int) -> OutputFn:
    def output(config: Config, shapes: list) -> Shape:
        shape = single(shapes)
        last = channels_last(config)
        if shape is None or len(shape) != rank + 2 or last is UNKNOWN:
            return None
        kernel = int_tuple(config.get("kernel_size"), rank)
        strides = int_tuple(config.get("strides", 1), rank)
        dilation = int_tuple(config.get("dilation_rate", 1), rank)
        raw_padding = config.get("output_padding")
        output_padding = (None,) * rank if raw_padding is None else int_tuple(raw_padding, rank)
        filters = _int_or_unknown(config.get("filters"))
        if UNKNOWN in (kernel, strides, dilation, output_padding):
            spatial = (UNKNOWN,) * rank
        elif any(p is not None and p >= s for p, s in zip(output_padding, strides)):
            return None  # Keras refuses an output padding that is not smaller than the stride
        else:
            spatial = tuple(transpose_length(n, k, s, config.get("padding", "valid"), p, d)
                            for n, k, s, p, d in zip(shape[1:-1] if last else shape[2:], kernel, strides,
                                                     output_padding, dilation))
        return (shape[0], *spatial, filters) if last else (shape[0], filters, *spatial)

    return output


@register("Resizing", min_rank=3)
def resizing_output(config: Config, shapes: list) -> Shape:
    """Batches of images; a 3-D input is one image, whose shape is left unknown here."""
    shape, height, width = single(shapes), config.get("height"), config.get("width")
    last = channels_last(config)
    if shape is None or len(shape) != 4 or last is UNKNOWN:
        return None
    height, width = _int_or_unknown(height), _int_or_unknown(width)
    return (shape[0], height, width, shape[3]) if last else (shape[0], shape[1], height, width)


register("Rescaling")(same_shape)


def _group_norm_channels(config: Config, shapes: list) -> object:
    """The normalised axis' size when Keras accepts the grouping; None when it raises."""
    shape, axis, groups = single(shapes), config.get("axis", -1), config.get("groups", 32)
    if shape is None or not is_int(axis) or not is_int(groups):
        return UNKNOWN
    index = normalize_axis(axis, len(shape))
    if index is None:
        return None
    dim = shape[index]
    if dim is UNKNOWN:
        return UNKNOWN
    groups = dim if groups == -1 and is_int(dim) else groups
    if dim is None or groups <= 0 or dim < groups or dim % groups:
        return None
    return dim


def group_norm_params(config: Config, shapes: list) -> Params:
    channels = _group_norm_channels(config, shapes)
    if not is_int(channels):
        return (UNKNOWN, 0)
    return (channels * (bool(config.get("center", True)) + bool(config.get("scale", True))), 0)


@register("GroupNormalization", params=group_norm_params)
def group_norm_output(config: Config, shapes: list) -> Shape:
    channels = _group_norm_channels(config, shapes)
    return single(shapes) if channels is not None else None


def prelu_params(config: Config, shapes: list) -> Params:
    shape, shared = single(shapes), config.get("shared_axes")
    if shape is None:
        return (UNKNOWN, 0)
    sizes = list(shape[1:])
    axes = [] if shared is None else list(shared) if isinstance(shared, (list, tuple)) else [shared]
    if not all(is_int(a) and 1 <= a <= len(sizes) for a in axes):
        return (UNKNOWN, 0)
    for a in axes:
        sizes[a - 1] = 1
    return (weights(dim_product(sizes)), 0)


register("PReLU", params=prelu_params)(same_shape)


@register("CategoryEncoding")
def category_encoding_output(config: Config, shapes: list) -> Shape:
    """keras.layers.CategoryEncoding.compute_output_shape."""
    shape, tokens, mode = single(shapes), config.get("num_tokens"), config.get("output_mode", "multi_hot")
    if shape is None or not is_int(tokens) or mode not in ("multi_hot", "binary", "one_hot", "count"):
        return None
    if mode == "one_hot" and (shape[-1] != 1 or len(shape) == 1):
        return (*shape, tokens)
    return (*shape[:-1], tokens)


def attention_params(config: Config, shapes: list) -> Params:
    return (int(bool(config.get("use_scale", False))) + int(config.get("score_mode", "dot") == "concat"), 0)


def additive_attention_params(config: Config, shapes: list) -> Params:
    if not shapes or shapes[0] is None:
        return (UNKNOWN, 0)
    dim = shapes[0][-1]
    if not config.get("use_scale", True):
        return (0, 0)
    return (dim, 0) if is_int(dim) else (UNKNOWN, 0)



@register("CenterCrop", ranks=frozenset({4}), expects="4-D images (batch, height, width, channels)")
def center_crop_output(config: Config, shapes: list) -> Shape:
    """keras.layers.CenterCrop.compute_output_shape, for batches of images."""
    shape, last = single(shapes), channels_last(config)
    if shape is None or len(shape) != 4 or last is UNKNOWN:
        return None
    height, width = _int_or_unknown(config.get("height")), _int_or_unknown(config.get("width"))
    return (shape[0], height, width, shape[3]) if last else (shape[0], shape[1], height, width)


def lookup_output(config: Config, shapes: list) -> Shape:
    """StringLookup, IntegerLookup and Hashing in their default "int" mode: one index per
    value. (The other modes' shapes depend on the vocabulary and on the input's rank in
    ways kgraphlint does not follow yet.)"""
    if config.get("output_mode", "int") != "int":
        return None
    return single(shapes)


register("StringLookup", "IntegerLookup", "Hashing")(lookup_output)

#: image augmentation layers that keep the image's shape (and hold no weights)
register("RandomFlip", "RandomRotation", "RandomZoom", "RandomContrast", "RandomTranslation",
         "RandomBrightness", min_rank=3)(same_shape)


@register("RandomCrop", ranks=frozenset({4}), expects="4-D images (batch, height, width, channels)")
def random_crop_output(config: Config, shapes: list) -> Shape:
    return center_crop_output(config, shapes)


@register("TextVectorization")
def text_vectorization_output(config: Config, shapes: list) -> Shape:
    """In "int" mode a batch of strings (batch,) or (batch, 1) becomes (batch, length):
    output_sequence_length, or None when the length follows each batch."""
    shape = single(shapes)
    if shape is None or config.get("output_mode", "int") != "int" or len(shape) not in (1, 2) or (
            len(shape) == 2 and shape[1] not in (1, None)):
        return None
    length = config.get("output_sequence_length")
    return (shape[0], length if length is None or is_int(length) else UNKNOWN)


def _mha_shapes(config: Config, shapes: list) -> tuple | None:
    """(query, value, key) shapes of MultiHeadAttention(query, value[, key]) when Keras
    accepts them (value and key agree on every axis but the last)."""
    if not shapes or any(s is None for s in shapes) or len(shapes) > 3:
        return None
    query = shapes[0]
    value = shapes[1] if len(shapes) > 1 else query  # mha(x, x): one tensor, given twice
    key = shapes[2] if len(shapes) > 2 else value
    if value[1:-1] != key[1:-1]:
        return None
    return query, value, key


def _mha_output_dims(config: Config, query: tuple) -> tuple | object:
    out = config.get("output_shape")
    if out is None:
        return (query[-1],)
    if is_int(out):
        return (out,)
    if isinstance(out, (tuple, list)) and all(is_int(d) for d in out):
        return tuple(out)
    return UNKNOWN


def mha_params(config: Config, shapes: list) -> Params:
    found = _mha_shapes(config, shapes)
    heads, key_dim = config.get("num_heads"), config.get("key_dim")
    value_dim = config.get("value_dim") if config.get("value_dim") is not None else key_dim
    if found is None or not all(is_int(v) for v in (heads, key_dim, value_dim)):
        return (UNKNOWN, 0)
    query, value, key = found
    out = _mha_output_dims(config, query)
    if out is UNKNOWN or not all(is_int(d) for d in (query[-1], value[-1], key[-1], *out)):
        return (UNKNOWN, 0)
    bias = bool(config.get("use_bias", True))
    projections = [(query[-1], key_dim), (key[-1], key_dim), (value[-1], value_dim)]
    if config.get("use_gate", False):
        projections.append((query[-1], value_dim))
    total = sum(d * heads * width + bias * heads * width for d, width in projections)
    out_size = dim_product(out)
    return (total + heads * value_dim * out_size + bias * out_size, 0)


@register("MultiHeadAttention", params=mha_params, every_argument=True)
def mha_output(config: Config, shapes: list) -> Shape:
    found = _mha_shapes(config, shapes)
    if found is None:
        return None
    query = found[0]
    out = _mha_output_dims(config, query)
    return None if out is UNKNOWN else (*query[:-1], *out)


@register("Attention", params=attention_params, merges=True)
def attention_output(config: Config, shapes: list) -> Shape:
    """[query, value] or [query, value, key]: (batch, Tq, value's last axis)."""
    if len(shapes) not in (2, 3) or any(s is None for s in shapes):
        return None
    query, value = shapes[0], shapes[1]
    return (*query[:-1], value[-1])


register("AdditiveAttention", params=additive_attention_params, merges=True)(attention_output)

for _rank in (1, 2, 3):
    _ranks = frozenset({_rank + 2})
    _expects = SPATIAL_EXPECTS[_rank]
    register(f"ZeroPadding{_rank}D", ranks=_ranks, expects=_expects)(resample_spatial(_rank, Padding()))
    register(f"Cropping{_rank}D", ranks=_ranks, expects=_expects)(resample_spatial(_rank, Cropping()))
    register(f"UpSampling{_rank}D", ranks=_ranks, expects=_expects)(resample_spatial(_rank, Upsampling()))
    register(f"Conv{_rank}DTranspose", params=conv_params(_rank), ranks=_ranks, expects=_expects)(
        transpose_output(_rank))
def conv_lstm_params(rank: int) -> ParamsFn:
    """Four gates: a kernel over the input, a recurrent kernel over the state, a bias."""
    def params(config: Config, shapes: list) -> Params:
        shape, filters = single(shapes), config.get("filters")
        kernel = int_tuple(config.get("kernel_size"), rank)
        last = channels_last(config)
        if shape is None or len(shape) != rank + 3 or last is UNKNOWN or kernel is UNKNOWN or not is_int(filters):
            return (UNKNOWN, 0)
        channels = shape[-1] if last else shape[2]
        if not is_int(channels):
            return (UNKNOWN, 0)
        window = dim_product(kernel)
        bias = 4 * filters if config.get("use_bias", True) else 0
        return (weights(window * channels * 4 * filters, window * filters * 4 * filters, bias), 0)

    return params


def conv_lstm_output(rank: int) -> OutputFn:
    """keras.layers.ConvLSTM.compute_output_shape: each step convolved like a Conv layer."""
    step_output = conv_output(rank)

    def output(config: Config, shapes: list) -> object:
        shape = single(shapes)
        if shape is None or len(shape) != rank + 3:
            return None
        state = step_output(config, [(shape[0], *shape[2:])])
        if state is None:
            return None
        sequences = config.get("return_sequences", False)
        out = (shape[0], shape[1], *state[1:]) if sequences else state
        if config.get("return_state", False):
            return [out, state, state]
        return out

    return output


CONV_LSTM_EXPECTS = {
    1: "4-D sequences of sequences (batch, time, steps, channels)",
    2: "5-D sequences of images (batch, time, height, width, channels)",
    3: "6-D sequences of volumes (batch, time, depth, height, width, channels)",
}
for _rank in (1, 2, 3):
    register(f"ConvLSTM{_rank}D", params=conv_lstm_params(_rank), ranks=frozenset({_rank + 3}),
             expects=CONV_LSTM_EXPECTS[_rank])(conv_lstm_output(_rank))

for _rank in (1, 2):
    _ranks = frozenset({_rank + 2})
    register(f"DepthwiseConv{_rank}D", params=depthwise_params(_rank, False), ranks=_ranks,
             expects=SPATIAL_EXPECTS[_rank])(depthwise_output(_rank))
    register(f"SeparableConv{_rank}D", params=depthwise_params(_rank, True), ranks=_ranks,
             expects=SPATIAL_EXPECTS[_rank])(conv_output(_rank))
