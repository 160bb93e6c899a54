from kgraphlint.keras.families import DROPOUTS
from kgraphlint.rule import Invalid, Rule, Severity



class DropoutBeforeNormalization(Rule):
    """Dropout feeding BatchNormalization.

    ## What it does
    Reports a Dropout layer whose output goes straight into BatchNormalization.

    ## Why is this bad?
    Dropout changes the variance of its output between training and inference, so the
    statistics BatchNormalization learns during training do not hold at inference (the
    "variance shift"), which costs accuracy.

    ## How to fix
    Put Dropout after the normalisation (and its activation), or drop one of the two.
    """

    code = "KGL704"
    name = "dropout-before-normalization"
    severity = Severity.INFO
    category = "design"
    summary = "Dropout feeding BatchNormalization (variance shift)"
    bad = (Invalid("""
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(32,)), layers.Dense(64, activation="relu"), layers.Dropout(0.5),
                          layers.BatchNormalization(), layers.Dense(10, activation="softmax")])
""", spans=((4, 90, 4, 109),)), Invalid("""
import keras
from keras import layers
x = keras.Input(shape=(32,))
a = layers.Dense(64, activation="relu")(x)
b = layers.BatchNormalization()(layers.Dropout(0.3)(a))
model = keras.Model(x, layers.concatenate([a, b]))
""", spans=((6, 33, 6, 55),)))
    good = ("""
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(32,)), layers.Dense(64, activation="relu"), layers.BatchNormalization(),
                          layers.Dropout(0.5), layers.Dense(10, activation="softmax")])
""",)

    def check(self, ctx):
        for call in ctx.model_calls():
            if call.layer.class_name not in DROPOUTS:
                continue
            for consumer, _ in ctx.consumers(call):
                if consumer.layer.class_name == "BatchNormalization" and consumer.certain:
                    yield ctx.finding(call.node, (
                        f"{ctx.call_name(call)} feeds {ctx.call_name(consumer)} ({ctx.where(consumer.node)}): "
                        f"the normalisation learns statistics of dropped-out activations that do not hold at "
                        f"inference (variance shift). Move the Dropout after the BatchNormalization."))
