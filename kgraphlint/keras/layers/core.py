"""Core layers: Dense, the dropouts, Flatten, Reshape, Permute, RepeatVector, Embedding, Lambda."""

from __future__ import annotations

from kgraphlint.keras.layers.base import (
    channels_last,
    Config,
    int_or_unknown,
    last_dim,
    Params,
    outside,
    register,
    same_shape,
    same_shape_unless,
    single,
    weights,
)
from kgraphlint.keras.shapes import dim_product, is_int, Shape, UNKNOWN


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


register("Activation", "Masking", "Identity")(same_shape)
# Keras raises when a dropout rate or a noise stddev is outside [0, 1], or a penalty is negative.
dropout_output = same_shape_unless(lambda config: outside(config.get("rate"), 0, 1))
register("Dropout", "GaussianDropout", "AlphaDropout")(dropout_output)
register("SpatialDropout1D", ranks=frozenset({3}), expects="3-D sequences (batch, steps, channels)")(dropout_output)
register("SpatialDropout2D", ranks=frozenset({4}), expects="4-D images (batch, height, width, channels)")(
    dropout_output)
register("SpatialDropout3D", ranks=frozenset({5}), expects="5-D volumes (batch, depth, height, width, channels)")(
    dropout_output)
register("GaussianNoise")(same_shape_unless(lambda config: outside(config.get("stddev"), 0, 1)))
register("ActivityRegularization")(same_shape_unless(
    lambda config: outside(config.get("l1", 0.0), 0) or outside(config.get("l2", 0.0), 0)))


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




@register("Embedding", params=lambda config, shapes: (weights(_embedding_size(config)), 0))
def embedding_output(config: Config, shapes: list) -> Shape:
    shape = single(shapes)
    if shape is None:
        return None
    return shape + (int_or_unknown(config.get("output_dim")),)


def _reversible_embedding_params(config: Config, shapes: list) -> tuple:
    """The embedding matrix, and with tie_weights=False a second one for the reverse
    projection (keras.src.layers.core.reversible_embedding.build)."""
    size = _embedding_size(config)
    tied = config.get("tie_weights", True)
    if tied is not True and tied is not False:
        return (UNKNOWN, 0)
    return (weights(size if tied or not is_int(size) else 2 * size), 0)


# Called forwards it is an Embedding; called with reverse=True (a projection back to the
# vocabulary) the overlay leaves its shape unknown.
register("ReversibleEmbedding", params=_reversible_embedding_params)(embedding_output)


@register("Lambda")
def lambda_output(config: Config, shapes: list) -> Shape:
    output_shape = config.get("output_shape")
    # Keras 3 adds the batch axis with (batch,) + output_shape: a list raises a TypeError
    if isinstance(output_shape, tuple) and all(d is None or is_int(d) for d in output_shape):
        batch = shapes[0][0] if shapes and shapes[0] is not None else None
        return (batch, *output_shape)
    return None
