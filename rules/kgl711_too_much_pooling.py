from kgraphlint.graph.cnn import DEEP, MAX_POOLING, AVERAGE_POOLING, plain_cnn
from kgraphlint.rule import Invalid, Rule, Severity


class TooMuchPooling(Rule):
    """A deep plain CNN that pools after every convolution.

    ## What it does
    Reports a deep plain CNN (one path of at least 5 Conv2D/Conv3D layers with windows
    larger than 1, no branch, merge, depthwise or separable convolution, a vector output;
    see ``kgraphlint.graph.cnn``) in which a pooling layer follows every convolution, so no
    two convolutions ever work at the same resolution. The finding is at the model.
    NeuraLint's "too much pooling" smell (Nikanjam et al., "Automatic Fault Detection for
    Deep Learning Programs Using Graph Transformations", TOSEM 2021): "deep CNN should not
    apply pooling after every convolution".

    Conv-pool-conv-pool networks of two or three convolutions (LeNet, the Keras MNIST
    example) are not deep and are not reported; VGG's blocks of 2-3 convolutions per
    pooling are what the rule asks for.

    ## Why is this bad?
    Each pooling halves the map (and throws away three quarters of the positions) before
    the next convolution has combined what the previous one found: the network loses
    spatial detail faster than it builds features, and after five or six poolings little of
    the image is left.

    ## How to fix
    Group the convolutions into blocks of two or three with one pooling per block.
    """

    code = "KGL711"
    name = "too-much-pooling"
    severity = Severity.INFO
    category = "design"
    summary = "a deep plain CNN that applies pooling after every convolution"
    bad = (Invalid("""
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(128, 128, 3))])
for filters in (16, 32, 64, 128, 256):
    model.add(layers.Conv2D(filters, 3, padding="same", activation="relu"))
    model.add(layers.MaxPooling2D(2))
model.add(layers.Flatten())
model.add(layers.Dense(5, activation="softmax"))
""", spans=((4, 9, 4, 61),)),)
    good = ("""
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(128, 128, 3))])
for filters in (16, 32, 64):
    model.add(layers.Conv2D(filters, 3, padding="same", activation="relu"))
    model.add(layers.Conv2D(filters, 3, padding="same", activation="relu"))
    model.add(layers.MaxPooling2D(2))
model.add(layers.Flatten())
model.add(layers.Dense(5, activation="softmax"))
""",)

    def check(self, ctx):
        pooling = MAX_POOLING + AVERAGE_POOLING
        for model in ctx.models:
            cnn = plain_cnn(model)
            if cnn is None:
                continue
            positions = [cnn.path.index(conv) for conv in cnn.convs]
            pooled = [any(call.layer.class_name in pooling for call in cnn.path[start + 1:end])
                      for start, end in zip(positions, positions[1:])]
            if not all(pooled):
                continue
            related = [(conv.node, f"{ctx.call_name(conv)} is followed by a pooling") for conv in cnn.convs[:3]]
            yield ctx.finding(model.record.node, (
                f"Model '{model.name}' is a deep CNN ({len(cnn.convs)} convolutions on one path, at least {DEEP} "
                f"make one deep here) that pools after every convolution: no two convolutions work at the same "
                f"resolution. Group the convolutions into blocks of two or three with one pooling per block."),
                related=related)
