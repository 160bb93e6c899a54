from kgraphlint.keras.families import ACTIVATION_LAYERS, POOLING, ZEROING_DROPOUTS
from kgraphlint.rule import Invalid, Rule, Severity

#: layers that may sit between the dropout and the pooling without changing the smell: an
#: element-wise activation keeps a dropped zero a zero (relu, elu, leaky_relu and the like)
#: or at least keeps the pooling choosing among what survived
THROUGH = frozenset(ACTIVATION_LAYERS)


class DropoutBeforePooling(Rule):
    """Dropout directly before a pooling layer, or with only an activation between them.

    ## What it does
    Reports a Dropout whose output goes straight into a pooling layer, or through an
    activation layer (``Activation``, ``ReLU``, ``LeakyReLU``, ``ELU``, ``Softmax``) into one.
    NeuraLint (Nikanjam et al., "Automatic Fault Detection for Deep Learning Programs Using
    Graph Transformations", TOSEM 2021) states it as "Dropout layer must be placed after the
    maximum pooling layer to be more effective", and looks through the activation that
    usually follows a convolution.

    ## Why is this bad?
    Max pooling mostly picks a surviving value from each window, so dropout before it
    barely regularises and mostly adds noise to which value wins; dropping after the
    pooling acts on fewer, more meaningful values.

    ## How to fix
    Move the Dropout after the pooling layer.
    """

    code = "KGL705"
    name = "dropout-before-pooling"
    severity = Severity.INFO
    category = "design"
    summary = "Dropout directly before a pooling layer (or with only an activation between)"
    bad = (Invalid("""
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(28, 28, 1)), layers.Conv2D(16, 3, activation="relu"),
                          layers.Dropout(0.25), layers.MaxPooling2D(2)])
""", spans=((5, 27, 5, 47),)), Invalid("""
import keras
from keras import layers
x = keras.Input(shape=(28, 28, 1))
a = layers.Conv2D(16, 3, activation="relu")(x)
a = layers.GlobalMaxPooling2D()(layers.Dropout(0.25)(a))
b = layers.GlobalAveragePooling2D()(layers.Conv2D(8, 5, activation="relu")(x))
model = keras.Model(x, layers.concatenate([a, b]))
""", spans=((6, 33, 6, 56),)), Invalid("""
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(28, 28, 1)), layers.Conv2D(16, 3), layers.Dropout(0.25),
                          layers.Activation("relu"), layers.MaxPooling2D(2)])
""", spans=((4, 81, 4, 101),)))
    good = ("""
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(28, 28, 1)), layers.Conv2D(16, 3, activation="relu"),
                          layers.MaxPooling2D(2), layers.Dropout(0.25)])
""",)

    def check(self, ctx):
        for call in ctx.model_calls():
            if call.layer.class_name not in ZEROING_DROPOUTS:
                continue
            for consumer, path in ctx.consumers(call, THROUGH):
                if consumer.layer.class_name in POOLING and consumer.certain:
                    how = "directly" if not path else "through " + ", ".join(ctx.call_name(c) for c in path)
                    yield ctx.finding(call.node, (
                        f"{ctx.call_name(call)} feeds {ctx.call_name(consumer)} ({ctx.where(consumer.node)}) "
                        f"{how}: pooling mostly picks surviving values, so the dropout barely regularises. "
                        f"Move the Dropout after the pooling."))
