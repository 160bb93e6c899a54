from kgraphlint.graph.cnn import IMAGE_CONVS, strides, window
from kgraphlint.keras.families import CONV_CHAIN_LINKS
from kgraphlint.keras.layers.base import int_tuple
from kgraphlint.rule import Invalid, Rule, Severity


def square_window(call) -> int | None:
    """The side of a square, undilated kernel larger than 1x1; None for anything else.
    Factorised kernels (1x7 then 7x1, Inception's) and 1x1 projections are designs of their
    own, and a dilated kernel's reach is not its size."""
    kernel = window(call)
    rank = IMAGE_CONVS.get(call.layer.class_name)
    dilation = int_tuple(call.layer.config.get("dilation_rate", 1), rank) if rank else None
    if kernel is None or len(set(kernel)) != 1 or kernel[0] < 2 or dilation != (1,) * rank:
        return None
    return kernel[0]


def scale(path: list) -> tuple | None:
    """How many input positions one position stands for after the poolings (and strided
    layers) of ``path``, per spatial axis; None where a stride is not known."""
    total = None
    for call in path:
        config, rank = call.layer.config, len(call.inputs[0].shape or ()) - 2 if call.inputs else 0
        if rank < 1:
            return None
        step = config.get("strides")
        if step is None and "pool_size" in config:
            step = config.get("pool_size")
        step = int_tuple(1 if step is None else step, rank)
        if not isinstance(step, tuple):
            return None
        total = step if total is None else tuple(a * b for a, b in zip(total, step))
    return total


class DecreasingWindowSize(Rule):
    """A convolution with a smaller window than the convolution that feeds it.

    ## What it does
    Follows each image convolution (Conv2D, Conv3D) to the next one along the feature
    extractor (BatchNormalization, activations, dropout, pooling and padding may sit between
    them) and reports the later one when its square kernel is smaller: a 5x5 kernel, then a
    3x3. NeuraLint's "decreasing window size" smell (Nikanjam et al., "Automatic Fault
    Detection for Deep Learning Programs Using Graph Transformations", TOSEM 2021): "the
    local window size for spatial filtering should generally increase or stay the same
    throughout the convolutional layers".

    Windows are compared in positions of the earlier convolution's input: after a 2x2
    pooling a 3x3 kernel covers 6x6 of them, so the LeNet-style 5x5, pool, 3x3 stack (the
    window grows relative to the image) is not reported, while 5x5 then 3x3 at the same
    resolution is. Tightened further so that well-known architectures are not reported: a strided larger kernel
    is not compared (a large strided stem, such as ResNet's and DenseNet's 7x7/2 or AlexNet's
    11x11/4, downsamples aggressively by design), nor are non-square kernels (Inception's
    factorised 1x7 and 7x1), 1x1 projections, dilated kernels, or convolutions joined by a
    merge or a branch (each Inception branch picks its own window).

    ## Why is this bad?
    Deeper layers work on coarser, more abstract features and need at least as much context
    as earlier ones; shrinking the window shrinks each layer's receptive-field growth where
    it matters most. It is usually a copied-and-edited kernel size.

    ## How to fix
    Keep the window the same (3x3 throughout, as VGG) or let it grow; if an early large
    window is meant to downsample, give it strides.
    """

    code = "KGL709"
    name = "decreasing-window-size"
    severity = Severity.INFO
    category = "design"
    summary = "a convolution whose window is smaller than that of the convolution feeding it"
    bad = (Invalid("""
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(64, 64, 3)), layers.Conv2D(32, 5, activation="relu"),
                          layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
                          layers.GlobalAveragePooling2D(), layers.Dense(10, activation="softmax")])
""", spans=((5, 27, 5, 66),)), Invalid("""
import keras
from keras import layers
image = keras.Input(shape=(64, 64, 3))
x = layers.Conv2D(32, 7, padding="same", use_bias=False)(image)
x = layers.BatchNormalization()(x)
x = layers.Activation("relu")(x)
x = layers.Conv2D(32, 3, padding="same", activation="relu")(x)
model = keras.Model(image, layers.Dense(1, activation="sigmoid")(layers.GlobalMaxPooling2D()(x)))
""", spans=((8, 5, 8, 63),)))
    good = ("""
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(64, 64, 3)), layers.Conv2D(32, 5, activation="relu"),
                          layers.MaxPooling2D(2), layers.Conv2D(64, 3, activation="relu"),
                          layers.GlobalAveragePooling2D(), layers.Dense(10, activation="softmax")])
""", """
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(64, 64, 3)), layers.Conv2D(32, 3, activation="relu"),
                          layers.MaxPooling2D(2), layers.Conv2D(64, 3, activation="relu"),
                          layers.GlobalAveragePooling2D(), layers.Dense(10, activation="softmax")])
""", """
import keras
from keras import layers
image = keras.Input(shape=(224, 224, 3))
x = layers.Conv2D(64, 7, strides=2, padding="same", activation="relu")(image)
x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
model = keras.Model(image, layers.Dense(10, activation="softmax")(layers.GlobalAveragePooling2D()(x)))
""")

    def check(self, ctx):
        members = {call for model in ctx.models for call in model.calls}
        for call in ctx.model_calls():
            side = square_window(call) if call.layer.class_name in IMAGE_CONVS else None
            step = strides(call) if side is not None else None
            if step is None or max(step) > 1:
                continue
            for consumer, path in ctx.consumers(call, CONV_CHAIN_LINKS):
                later = square_window(consumer) if consumer.layer.class_name == call.layer.class_name else None
                factor = scale(path) if path else (1,) * len(step)
                # a layer Keras cannot build (another rule's error) is not judged by its design
                built = all(c.outputs and c.outputs[0].shape is not None for c in (call, *path, consumer))
                if (consumer in members and consumer.certain and later is not None and factor is not None
                        and built and all(later * f < side for f in factor)):
                    size, before = "x".join([str(later)] * len(step)), "x".join([str(side)] * len(step))
                    covered = "" if max(factor) == 1 else (
                        f" ({'x'.join(str(later * f) for f in factor)} of the earlier layer's positions, after the "
                        f"downsampling between them)")
                    yield ctx.finding(consumer.node, (
                        f"{ctx.call_name(consumer)} has a {size} window{covered}, smaller than the {before} of "
                        f"{ctx.call_name(call)} ({ctx.where(call.node)}) that feeds it: the window of spatial "
                        f"filtering should stay the same or grow through the convolutions. Give it a {before} "
                        f"window (or the earlier one a {size}), or strides to the earlier one if it is meant to "
                        f"downsample."))
