"""Pooling layers: windowed and global, max and average."""

from __future__ import annotations

from kgraphlint.keras.layers.base import channels_last, Config, int_tuple, OutputFn, register, single
from kgraphlint.keras.layers.conv import SPATIAL_EXPECTS, spatial_output
from kgraphlint.keras.shapes import Shape, UNKNOWN


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
    register(f"MaxPooling{_rank}D", f"AveragePooling{_rank}D", ranks=_ranks, expects=_expects)(pool_output(_rank))
    register(f"GlobalMaxPooling{_rank}D", f"GlobalAveragePooling{_rank}D", ranks=_ranks, expects=_expects)(
        global_pool_output(_rank)
    )
