"""Normalization layers: batch, layer, group and the Normalization preprocessing layer."""

from __future__ import annotations

from kgraphlint.keras.layers.base import Config, Params, register, same_shape, single
from kgraphlint.keras.shapes import dim_product, is_int, is_known, normalize_axis, Shape, UNKNOWN


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


@register("UnitNormalization")
def unit_normalization_output(config: Config, shapes: list) -> Shape:
    """Keras refuses an axis beyond the input's rank (the batch axis is allowed)."""
    shape, axis = single(shapes), config.get("axis", -1)
    axes = axis if isinstance(axis, (tuple, list)) else [axis]
    if shape is None or any(is_int(a) and normalize_axis(a, len(shape)) is None for a in axes):
        return None
    return shape


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
