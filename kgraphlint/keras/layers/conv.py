"""Convolutions: plain, transposed, depthwise and separable, over 1, 2 or 3 spatial axes."""

from __future__ import annotations

from kgraphlint.keras.layers.base import (
    channels_last,
    Config,
    int_or_unknown,
    int_tuple,
    OutputFn,
    Params,
    ParamsFn,
    register,
    single,
    weights,
)
from kgraphlint.keras.shapes import conv_output_length, dim_product, is_int, Shape, UNKNOWN


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
        filters = int_or_unknown(config.get("filters"))
        return (shape[0], *spatial, filters) if channels_last(config) is not False else (shape[0], filters, *spatial)

    return output


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
        filters = int_or_unknown(config.get("filters"))
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


for _rank in (1, 2, 3):
    register(f"Conv{_rank}D", params=conv_params(_rank), ranks=frozenset({_rank + 2}), expects=SPATIAL_EXPECTS[_rank])(
        conv_output(_rank))
    register(f"Conv{_rank}DTranspose", params=conv_params(_rank), ranks=frozenset({_rank + 2}),
             expects=SPATIAL_EXPECTS[_rank])(transpose_output(_rank))


for _rank in (1, 2):
    _ranks = frozenset({_rank + 2})
    register(f"DepthwiseConv{_rank}D", params=depthwise_params(_rank, False), ranks=_ranks,
             expects=SPATIAL_EXPECTS[_rank])(depthwise_output(_rank))
    register(f"SeparableConv{_rank}D", params=depthwise_params(_rank, True), ranks=_ranks,
             expects=SPATIAL_EXPECTS[_rank])(conv_output(_rank))
