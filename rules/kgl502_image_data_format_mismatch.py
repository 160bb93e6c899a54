from kgraphlint.keras.shapes import format_shape, is_int
from kgraphlint.rule import Invalid, Rule, Severity

#: the channel counts of images as people store them: grey, RGB, RGBA
IMAGE_CHANNELS = (1, 3, 4)


def channels_last_image(shape: tuple) -> bool:
    """(None, 28, 28, 1), (None, 32, 32, 3): a channels-last image batch, unmistakably: the
    last axis holds a usual channel count and every other axis is larger."""
    spatial = shape[1:-1]
    return (shape[-1] in IMAGE_CHANNELS and bool(spatial)
            and all(is_int(d) and d > max(4, shape[-1]) for d in spatial))


class ImageDataFormatMismatch(Rule):
    """A channels-first data format set for the whole program, and channels-last images.

    ## What it does
    Reports ``keras.backend.set_image_data_format("channels_first")`` (or
    ``keras.config``'s, or Keras 1/2's ``K.set_image_dim_ordering("th")``, which meant the
    same) when a model built after it feeds an image Input shaped channels-last, such as
    (28, 28, 1) or (32, 32, 3), to a convolution or pooling given no data_format. Keras reads
    the format in each layer's constructor, so that layer takes the 28 rows as channels and
    28x1 as the image. Quiet where the format set is not known or the call may not run, for
    layers given their own data_format, and for inputs whose shape does not plainly read as
    channels-last.

    ## Why is this bad?
    With ``padding="valid"`` and a kernel larger than 1 Keras raises "Computed output size
    would be zero or negative" (nonpositive-dimension, KGL104, reports that layer); with
    ``padding="same"`` the model builds and trains on the wrong axes without a word. Keras 3
    also has no ``set_image_dim_ordering``: that call raises AttributeError.

    ## How to fix
    Remove the setting (channels-last is Keras's default, and what TensorFlow runs on CPUs),
    or give the Input channels-first shapes such as (1, 28, 28) and reshape the data to match.
    """

    code = "KGL502"
    name = "image-data-format-mismatch"
    severity = Severity.WARNING
    summary = "set_image_data_format('channels_first') / set_image_dim_ordering('th') with channels-last image inputs"
    bad = (Invalid("""
import keras
from keras import layers
keras.config.set_image_data_format("channels_first")
model = keras.Sequential([keras.Input(shape=(64, 64, 3)), layers.Conv2D(32, 3, padding="same", activation="relu"),
                          layers.GlobalAveragePooling2D(), layers.Dense(10, activation="softmax")])
""", spans=((4, 1, 4, 53),)),)
    good = ("""
import keras
from keras import layers
keras.config.set_image_data_format("channels_first")
model = keras.Sequential([keras.Input(shape=(1, 28, 28)), layers.Conv2D(32, 3, padding="same", activation="relu"),
                          layers.GlobalAveragePooling2D(), layers.Dense(10, activation="softmax")])
""", """
import keras
from keras import layers
keras.config.set_image_data_format("channels_first")
model = keras.Sequential([keras.Input(shape=(28, 28, 1)),
                          layers.Conv2D(32, 3, padding="same", activation="relu", data_format="channels_last"),
                          layers.GlobalAveragePooling2D(data_format="channels_last"),
                          layers.Dense(10, activation="softmax")])
""")

    def check(self, ctx):
        settings = ctx.analysis.facts.data_format_settings
        if not settings:
            return
        order = {id(layer): index for index, layer in enumerate(ctx.analysis.facts.layers)}
        reported = set()
        for model in ctx.models:
            for call in model.calls:
                layer = call.layer
                if "data_format" not in layer.config or len(call.inputs) != 1:
                    continue
                # the first layer with a data format decides how the model reads its input
                fed = call.inputs[0]
                made = [s for s in settings if s.layers_before <= order.get(id(layer), -1)]
                setting = made[-1] if made else None
                if (setting is not None and setting.certain and setting.data_format == "channels_first"
                        and "data_format" not in layer.arg_nodes and layer.config.get("data_format") == "channels_first"
                        and fed.producer.layer.is_input and fed.shape and len(fed.shape) in (4, 5)
                        and channels_last_image(fed.shape) and call.certain and id(setting) not in reported):
                    reported.add(id(setting))
                    yield ctx.finding(setting.node, self.message(ctx, setting, call, fed), related=[
                        (fed.producer.node, f"image input {format_shape(fed.shape)}, channels last"),
                        (call.node, f"{ctx.call_name(call)} reads it as channels-first")])
                break

    @staticmethod
    def message(ctx, setting, call, fed) -> str:
        shape = fed.shape
        spatial = "x".join(str(d) for d in shape[2:])
        keras3 = (" (Keras 3 has no set_image_dim_ordering at all: the call raises AttributeError; "
                  "keras.config.set_image_data_format is its successor)"
                  if setting.function == "set_image_dim_ordering" and ctx.keras_version != "2" else "")
        channels_first = format_shape((shape[0], shape[-1], *shape[1:-1]))
        return (f"{ctx.code_for(setting.node)} makes layers without a data_format channels-first{keras3}, but the "
                f"image input {format_shape(shape)} ({ctx.where(fed.producer.node)}) is channels-last: "
                f"{ctx.call_name(call)} ({ctx.where(call.node)}) reads it as {shape[1]} channels of {spatial} "
                f"images. Remove the setting (channels-last is Keras's default), or give the input the shape "
                f"{channels_first} and the data to match.")
