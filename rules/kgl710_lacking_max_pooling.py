from kgraphlint.graph.cnn import DEEP, downsampling, plain_cnn
from kgraphlint.rule import Invalid, Rule, Severity, plural


class LackingMaxPooling(Rule):
    """A deep plain CNN that downsamples only by strides or average pooling.

    ## What it does
    Reports a deep plain CNN (one path of at least 5 Conv2D/Conv3D layers with windows
    larger than 1, no branch, merge, depthwise or separable convolution, a vector output;
    see ``kgraphlint.graph.cnn``) that reduces its feature maps, but never with max pooling:
    only with strided convolutions or AveragePooling. The finding is at its first
    downsampling layer. NeuraLint's "lacking or ineffective pooling" smell (Nikanjam et al.,
    "Automatic Fault Detection for Deep Learning Programs Using Graph Transformations",
    TOSEM 2021): "max-pooling is the preferred down-sampling strategy".

    Tightened so that well-known architectures are not reported: networks built from
    depthwise or separable convolutions (MobileNet, EfficientNet, Xception) and residual or
    branching networks (ResNet, DenseNet, Inception, ConvNeXt), which downsample by strides
    on purpose, are not plain CNNs; global pooling before the head is not downsampling.

    ## Why is this bad?
    Max pooling keeps the strongest response in each window, which gives a plain stack of
    convolutions some translation invariance for free; averaging dilutes a detected feature
    with its background, and a strided convolution simply skips positions.

    ## How to fix
    Downsample with ``MaxPooling2D(2)`` after a block of convolutions (and give the strided
    convolutions strides=1), or say in a comment why this network is meant to be all-convolutional.
    """

    code = "KGL710"
    name = "lacking-max-pooling"
    severity = Severity.INFO
    category = "design"
    summary = "a deep plain CNN that downsamples only by strides or average pooling, never max pooling"
    bad = (Invalid("""
import keras
from keras import layers
model = keras.Sequential([
    keras.Input(shape=(64, 64, 3)),
    layers.Conv2D(32, 3, padding="same", activation="relu"),
    layers.Conv2D(32, 3, padding="same", activation="relu"),
    layers.AveragePooling2D(2),
    layers.Conv2D(64, 3, padding="same", activation="relu"),
    layers.Conv2D(64, 3, padding="same", activation="relu"),
    layers.Conv2D(128, 3, strides=2, padding="same", activation="relu"),
    layers.GlobalAveragePooling2D(),
    layers.Dense(10, activation="softmax"),
])
""", spans=((8, 5, 8, 31),)),)
    good = ("""
import keras
from keras import layers
model = keras.Sequential([
    keras.Input(shape=(64, 64, 3)),
    layers.Conv2D(32, 3, padding="same", activation="relu"),
    layers.Conv2D(32, 3, padding="same", activation="relu"),
    layers.MaxPooling2D(2),
    layers.Conv2D(64, 3, padding="same", activation="relu"),
    layers.Conv2D(64, 3, padding="same", activation="relu"),
    layers.MaxPooling2D(2),
    layers.Conv2D(128, 3, padding="same", activation="relu"),
    layers.GlobalAveragePooling2D(),
    layers.Dense(10, activation="softmax"),
])
""",)

    def check(self, ctx):
        for model in ctx.models:
            cnn = plain_cnn(model)
            if cnn is None:
                continue
            stages = [(call, downsampling(call)) for call in cnn.path if downsampling(call) is not None]
            if not stages or any(kind == "max" for _, kind in stages):
                continue
            kinds = sorted({"strided convolutions" if kind == "strided" else "average pooling" for _, kind in stages})
            first = stages[0][0]
            related = [(call.node, f"{ctx.call_name(call)} downsamples") for call, _ in stages[1:]]
            yield ctx.finding(first.node, (
                f"Model '{model.name}' is a deep CNN ({len(cnn.convs)} convolutions on one path, at least {DEEP} "
                f"make one deep here) that downsamples only by {' and '.join(kinds)} ({plural(len(stages), 'time')}), "
                f"starting with {ctx.call_name(first)}: max pooling is the preferred downsampling for such a "
                f"network. Use MaxPooling{first.layer.class_name[-2:]}(2) after a block of convolutions "
                f"instead."), related=related)
