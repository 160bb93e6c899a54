"""Attention layers: MultiHeadAttention, Attention, AdditiveAttention."""

from __future__ import annotations

from kgraphlint.keras.layers.base import Config, Params, register
from kgraphlint.keras.shapes import dim_product, is_int, Shape, UNKNOWN


def attention_params(config: Config, shapes: list) -> Params:
    return (int(bool(config.get("use_scale", False))) + int(config.get("score_mode", "dot") == "concat"), 0)


def additive_attention_params(config: Config, shapes: list) -> Params:
    if not shapes or shapes[0] is None:
        return (UNKNOWN, 0)
    dim = shapes[0][-1]
    if not config.get("use_scale", True):
        return (0, 0)
    return (dim, 0) if is_int(dim) else (UNKNOWN, 0)


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


# keras.src.layers.attention.multi_head_attention._build_attention: Softmax(axis=...) and
# Dropout(rate=...), whatever the dropout rate
@register("MultiHeadAttention", params=mha_params, every_argument=True, builds_unnamed=("Softmax", "Dropout"))
def mha_output(config: Config, shapes: list) -> Shape:
    found = _mha_shapes(config, shapes)
    if found is None:
        return None
    query = found[0]
    out = _mha_output_dims(config, query)
    return None if out is UNKNOWN else (*query[:-1], *out)


def mha_scores(config: Config, shapes: list) -> Shape:
    """The attention scores MultiHeadAttention(..., return_attention_scores=True) returns
    beside its output, as Keras computes them symbolically (its compute_output_spec):
    (batch, heads, query's steps, query's steps), the query's length twice even when the
    value is longer or shorter."""
    found = _mha_shapes(config, shapes)
    heads = config.get("num_heads")
    if found is None or not is_int(heads) or len(found[0]) < 2:
        return None
    query = found[0]
    return (query[0], heads, query[1], query[1])


@register("Attention", params=attention_params, merges=True)
def attention_output(config: Config, shapes: list) -> Shape:
    """[query, value] or [query, value, key]: (batch, Tq, value's last axis)."""
    if len(shapes) not in (2, 3) or any(s is None for s in shapes):
        return None
    query, value = shapes[0], shapes[1]
    return (*query[:-1], value[-1])


register("AdditiveAttention", params=additive_attention_params, merges=True)(attention_output)
