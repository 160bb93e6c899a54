from kgraphlint.keras.families import ACTIVATION_LAYERS, DROPOUTS
from kgraphlint.keras.layers.base import channels_last
from kgraphlint.keras.shapes import format_shape, is_int
from kgraphlint.rule import Invalid, Rule, Severity

#: single-input layers that keep a feature map's axes, looked through to find the layer
#: that decided its data format
SAME_AXES = frozenset(ACTIVATION_LAYERS) | frozenset(DROPOUTS) | {"GaussianNoise", "BatchNormalization"}


def formatting_layer(call):
    """The convolution or pooling (any layer with a data_format) whose output reaches this
    call through layers that keep the axes; None if another layer comes first."""
    current = call.inputs[0].producer if len(call.inputs) == 1 else None
    while current is not None:
        if "data_format" in current.layer.config:
            return current
        if current.layer.class_name not in SAME_AXES or len(current.inputs) != 1:
            return None
        current = current.inputs[0].producer
    return None


class NormalizationAxisNotChannels(Rule):
    """BatchNormalization with the axis of a spatial dimension on channels-last feature maps.

    ## What it does
    Reports a ``BatchNormalization(axis=1)`` (or any axis other than the last) applied to a
    4-D or 5-D feature map that a convolution or pooling produced as channels-last (its
    data_format "channels_last", or not given while the image data format is Keras's default
    channels_last). Keras 1 and early Keras 2 code wrote ``axis=1`` for Theano's
    channels-first ordering; copied into a channels-last model it normalises the height.
    Quiet where the data format is not known: a ``set_image_data_format`` kgraphlint cannot
    read, a layer of unknown format, a tensor from an Input.

    ## Why is this bad?
    Keras builds and trains it without a word: it keeps one mean, variance, scale and shift
    per image row instead of per channel, mixes the statistics of all channels, and its
    parameters depend on the image height.

    ## How to fix
    Drop the argument (``axis=-1`` is the default and the channels axis of channels-last
    data), or make the whole model channels-first with ``data_format="channels_first"``.
    """

    code = "KGL305"
    name = "normalization-axis-not-channels"
    severity = Severity.WARNING
    summary = "BatchNormalization(axis=1) on channels-last feature maps: it normalises a spatial axis"
    bad = (Invalid("""
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(32, 32, 3)), layers.Conv2D(32, 3, use_bias=False),
                          layers.BatchNormalization(axis=1), layers.Activation("relu"),
                          layers.GlobalAveragePooling2D(), layers.Dense(10, activation="softmax")])
""", spans=((5, 53, 5, 59),)),)
    good = ("""
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(32, 32, 3)), layers.Conv2D(32, 3, use_bias=False),
                          layers.BatchNormalization(), layers.Activation("relu"),
                          layers.GlobalAveragePooling2D(), layers.Dense(10, activation="softmax")])
""", """
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(3, 32, 32)),
                          layers.Conv2D(32, 3, use_bias=False, data_format="channels_first"),
                          layers.BatchNormalization(axis=1), layers.Activation("relu"),
                          layers.GlobalAveragePooling2D(data_format="channels_first"),
                          layers.Dense(10, activation="softmax")])
""")

    def check(self, ctx):
        for call in ctx.model_calls():
            if call.layer.knowledge_class != "BatchNormalization" or len(call.inputs) != 1:
                continue
            shape, axis = call.inputs[0].shape, call.layer.config.get("axis", -1)
            if not shape or len(shape) not in (4, 5) or not is_int(axis) or not -len(shape) <= axis < len(shape):
                continue
            position = axis % len(shape)
            source = formatting_layer(call)
            if not 1 <= position <= len(shape) - 2 or source is None or channels_last(source.layer.config) is not True:
                continue
            spatial = ("height", "width", "depth") if len(shape) == 4 else ("depth", "height", "width")
            what = spatial[position - 1]
            where = call.layer.keyword_args.get("axis") or call.layer.arg_nodes.get("axis", call.layer.construct)
            made = format_shape(source.outputs[0].shape) if source.outputs else "?"
            yield ctx.finding(where, (
                f"{ctx.call_name(call)} normalises axis {axis} of {ctx.describe(call.inputs[0])}, but "
                f"{ctx.call_name(source)} makes channels-last feature maps: axis {axis} is the {what} "
                f"({shape[position]}), not the {shape[-1]} channels. It keeps statistics per image row instead of "
                f"per channel, and Keras says nothing. Use axis=-1 (the default)."),
                related=[(source.node, f"{ctx.call_name(source)} outputs channels-last {made}")])
