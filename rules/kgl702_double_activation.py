from kgraphlint.keras.families import ACTIVATION_LAYERS
from kgraphlint.keras.layers.activations import SHAPE_ONLY, final_activation
from kgraphlint.rule import Invalid, Rule, Severity



def activation_of_layer(call) -> object:
    name = call.layer.class_name
    if name == "Activation":
        return final_activation(call)
    return ACTIVATION_LAYERS.get(name)


class DoubleActivation(Rule):
    """An activation applied twice in a row.

    ## What it does
    Reports a layer that already applies a non-linear activation (``Dense(...,
    activation="relu")``) followed directly by an activation layer (``Activation``,
    ``ReLU``, ``Softmax``...).

    ## Why is this bad?
    The second activation is redundant (relu after relu) or distorts the first (softmax
    after softmax flattens the probabilities towards uniform; relu before softmax removes
    every negative logit).

    ## How to fix
    Keep one: drop the ``activation=`` argument or the separate activation layer.
    """

    code = "KGL702"
    name = "double-activation"
    severity = Severity.INFO
    category = "design"
    summary = "an activation applied twice in a row (Dense(activation='relu') then Activation('relu'))"
    bad = (Invalid("""
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(10, activation="softmax"), layers.Softmax()])
""", spans=((4, 93, 4, 109),)), Invalid("""
import keras
from keras import layers
x = keras.Input(shape=(20,))
a = layers.Dense(16, activation="relu")(x)
a = layers.Activation("relu")(a)
b = layers.Dense(16, activation="tanh")(x)
model = keras.Model(x, layers.concatenate([a, b]))
""", spans=((6, 5, 6, 33),)))
    good = ("""
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(10), layers.Softmax()])
""",)

    def check(self, ctx):
        for call in ctx.model_calls():
            first = final_activation(call) if call.layer.class_name not in ACTIVATION_LAYERS else activation_of_layer(call)
            if not isinstance(first, str) or first == "linear":
                continue
            for consumer, _ in ctx.consumers(call, SHAPE_ONLY):
                second = activation_of_layer(consumer) if consumer.layer.class_name in ACTIVATION_LAYERS else None
                if isinstance(second, str) and second != "linear" and consumer.certain:
                    effect = ("is redundant" if first == second and first != "softmax" else
                              "squashes the probabilities towards uniform" if first == second == "softmax" else
                              f"changes what {first} produced")
                    yield ctx.finding(consumer.node, (
                        f"{ctx.call_name(consumer)} applies {second} to the output of {ctx.call_name(call)} "
                        f"({ctx.where(call.node)}), which already applies {first}: the second activation "
                        f"{effect}. Keep only one of them."))
