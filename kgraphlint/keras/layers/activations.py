"""Activation layers, and which activation produced a tensor's values."""

from __future__ import annotations

from kgraphlint.keras.layers.base import (
    Config,
    outside,
    Params,
    register,
    same_shape,
    same_shape_unless,
    single,
    weights,
)
from kgraphlint.keras.shapes import dim_product, is_int, UNKNOWN


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
register("ELU", "Softmax")(same_shape)


def relu_refused(config: Config) -> bool:
    """keras.layers.ReLU raises on a negative max_value, and on a negative or None slope or threshold."""
    slope, threshold = config.get("negative_slope", 0.0), config.get("threshold", 0.0)
    return (outside(config.get("max_value"), 0) or slope is None or outside(slope, 0)
            or threshold is None or outside(threshold, 0))


def leaky_relu_refused(config: Config) -> bool:
    """keras.layers.LeakyReLU raises on a negative or None slope (given as the deprecated alpha too)."""
    slope = config["alpha"] if "alpha" in config else config.get("negative_slope", 0.3)
    return slope is None or outside(slope, 0)


register("ReLU")(same_shape_unless(relu_refused))
register("LeakyReLU")(same_shape_unless(leaky_relu_refused))
