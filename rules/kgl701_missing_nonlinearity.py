from kgraphlint.keras.families import LINEAR_MAPS
from kgraphlint.keras.layers.activations import SHAPE_ONLY, final_activation
from kgraphlint.rule import Invalid, Rule, Severity



class MissingNonlinearity(Rule):
    """Two Dense/Conv layers in a row with no activation between them.

    ## What it does
    Reports a Dense or Conv layer without an activation (or with ``"linear"``) whose output
    goes straight into another Dense or Conv layer (only Dropout, Flatten, Reshape and the
    like in between), on every path of the graph.

    ## Why is this bad?
    Two linear maps in a row are one linear map: the extra layer adds parameters and
    training cost but no expressive power. Usually an ``activation=`` was forgotten.

    ## How to fix
    Give the first layer an activation (``activation="relu"``), or merge the two layers.
    """

    code = "KGL701"
    name = "missing-nonlinearity"
    severity = Severity.INFO
    category = "design"
    summary = "two Dense/Conv layers in a row with no activation between them"
    bad = (Invalid("""
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(64), layers.Dense(10, activation="softmax")])
""", spans=((4, 53, 4, 69),)), Invalid("""
import keras
from keras import layers
x = keras.Input(shape=(20,))
shared = layers.Dense(32, activation="relu")(x)
left = layers.Dense(16)(shared)
left = layers.Dense(8, activation="relu")(left)
right = layers.Dense(8, activation="relu")(shared)
model = keras.Model(x, layers.concatenate([left, right]))
""", spans=((6, 8, 6, 32),)))
    good = ("""
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(64, activation="relu"),
                          layers.Dense(10, activation="softmax")])
""",)

    def check(self, ctx):
        outputs = {t.producer for model in ctx.models for t in model.record.outputs}
        for call in ctx.model_calls():
            if call.layer.class_name not in LINEAR_MAPS or final_activation(call) != "linear" or call in outputs:
                continue
            for consumer, _ in ctx.consumers(call, SHAPE_ONLY):
                if consumer.layer.class_name in LINEAR_MAPS and consumer.certain:
                    yield ctx.finding(call.node, (
                        f"{ctx.call_name(call)} has no activation and feeds {ctx.call_name(consumer)} "
                        f"({ctx.where(consumer.node)}) directly: two linear layers in a row collapse into "
                        f"one linear map. Add an activation to '{call.layer.name}' (e.g. activation=\"relu\")."))
                    break
