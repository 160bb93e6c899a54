"""Padding, cropping, up-sampling, resizing and rescaling of feature maps."""

from __future__ import annotations

from kgraphlint.keras.layers.base import (
    channels_last,
    Config,
    int_or_unknown,
    int_tuple,
    OutputFn,
    register,
    same_shape,
    single,
)
from kgraphlint.keras.layers.conv import SPATIAL_EXPECTS
from kgraphlint.keras.shapes import is_int, Shape, UNKNOWN


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


@register("Resizing", min_rank=3)
def resizing_output(config: Config, shapes: list) -> Shape:
    """Batches of images; a 3-D input is one image, whose shape is left unknown here."""
    shape, height, width = single(shapes), config.get("height"), config.get("width")
    last = channels_last(config)
    if shape is None or len(shape) != 4 or last is UNKNOWN:
        return None
    height, width = int_or_unknown(height), int_or_unknown(width)
    return (shape[0], height, width, shape[3]) if last else (shape[0], shape[1], height, width)


register("Rescaling")(same_shape)


for _rank in (1, 2, 3):
    _ranks = frozenset({_rank + 2})
    _expects = SPATIAL_EXPECTS[_rank]
    register(f"ZeroPadding{_rank}D", ranks=_ranks, expects=_expects)(resample_spatial(_rank, Padding()))
    register(f"Cropping{_rank}D", ranks=_ranks, expects=_expects)(resample_spatial(_rank, Cropping()))
    register(f"UpSampling{_rank}D", ranks=_ranks, expects=_expects)(resample_spatial(_rank, Upsampling()))
