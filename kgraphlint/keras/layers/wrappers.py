"""Wrappers: Bidirectional and TimeDistributed."""

from __future__ import annotations

from kgraphlint.keras.layers.base import Config, knowledge, LayerKnowledge, Params, register, single, weights
from kgraphlint.keras.shapes import is_int, Shape, UNKNOWN


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
