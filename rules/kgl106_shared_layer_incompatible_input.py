from kgraphlint.keras.layers.base import channels_last
from kgraphlint.rule import Invalid, Rule, Severity
from kgraphlint.keras.shapes import format_shape, is_int, normalize_axis

#: layers whose weights are sized by the last (feature/channel) axis of their first input
SIZED_BY_FEATURES = ("Dense", "SimpleRNN", "LSTM", "GRU", "Bidirectional", "Conv1D", "Conv2D", "Conv3D",
                     "BatchNormalization", "LayerNormalization")


def feature_axis(layer, rank: int) -> int | None:
    config = layer.config
    if layer.class_name.startswith("Conv") and channels_last(config) is False:
        return 1
    if layer.class_name in ("BatchNormalization", "LayerNormalization"):
        axis = config.get("axis", -1)
        return normalize_axis(axis, rank) if is_int(axis) else None
    return rank - 1


class SharedLayerIncompatibleInput(Rule):
    """One layer instance called on tensors whose feature sizes differ.

    ## What it does
    For a layer object called more than once (shared weights), compares the size of the
    axis its weights are built from (the last axis for Dense and recurrent layers, the
    channel axis for convolutions, the normalised axis for normalisation layers).

    ## Why is this bad?
    The weights are created at the first call. A second call with another feature size
    cannot use them: Dense, Conv and BatchNormalization raise at the call ("expected axis -1
    of input shape to have value 4"); LSTM, GRU and LayerNormalization build and fail only
    when data flows.

    ## How to fix
    Make the inputs the same width (a Dense or 1x1 Conv projection first), or use separate
    layer instances if the weights were not meant to be shared.
    """

    code = "KGL106"
    name = "shared-layer-incompatible-input"
    severity = Severity.ERROR
    summary = "one layer instance (shared weights) called on tensors of different feature sizes"
    bad = (Invalid("""
import keras
from keras import layers
encoder = layers.LSTM(32)
left = keras.Input(shape=(None, 128))
right = keras.Input(shape=(None, 64))
merged = layers.concatenate([encoder(left), encoder(right)])
model = keras.Model([left, right], merged)
""", spans=((7, 45, 7, 59),)),)
    good = ("""
import keras
from keras import layers
encoder = layers.LSTM(32)
left = keras.Input(shape=(None, 128))
right = keras.Input(shape=(None, 128))
merged = layers.concatenate([encoder(left), encoder(right)])
model = keras.Model([left, right], merged)
""",)

    def check(self, ctx):
        for layer in ctx.layers:
            if layer.class_name not in SIZED_BY_FEATURES or len(layer.calls) < 2:
                continue
            first = layer.calls[0]
            if not first.certain or not first.inputs or not first.inputs[0].shape:
                continue
            first_shape = first.inputs[0].shape
            axis = feature_axis(layer, len(first_shape))
            if axis is None or not is_int(first_shape[axis]):
                continue
            for call in layer.calls[1:]:
                shape = call.inputs[0].shape if call.inputs else None
                if not call.certain or not shape:
                    continue
                other_axis = feature_axis(layer, len(shape))
                if other_axis is None or not is_int(shape[other_axis]) or shape[other_axis] == first_shape[axis]:
                    continue
                when = ("when data flows" if layer.class_name in ("SimpleRNN", "LSTM", "GRU", "Bidirectional",
                                                                   "LayerNormalization")
                        else "at this call")
                message = (f"{layer.class_name} '{layer.name}' is shared, but this call gives it "
                           f"{ctx.describe(call.inputs[0])} with {shape[other_axis]} features, while its weights "
                           f"were built for {first_shape[axis]} by the first call "
                           f"({format_shape(first_shape)}, {ctx.where(first.node)}). Keras fails {when}. "
                           f"Project both inputs to the same width first, or use two separate layers.")
                yield ctx.finding(call.node, message, related=[(first.node, f"first call, with {first_shape[axis]} features")])
                break
