from kgraphlint.rule import Invalid, Rule, Severity
from kgraphlint.keras.signatures import KERAS2, KERAS3, intended_keyword, signature


class UnknownArgument(Rule):
    """A keyword argument the layer does not accept.

    ## What it does
    Matches every keyword of a layer constructor against the layer's real signature (read
    from Keras 3, or from tf_keras with ``keras-version = "2"``).

    ## Why is this bad?
    Keras 3 raises "Unrecognized keyword arguments passed to AveragePooling2D:
    {'activation': 'relu'}" when the layer is created. The usual causes are a typo and an
    argument another layer has (pooling layers have no activation).

    ## How to fix
    Correct the spelling, or move the setting where it belongs (an ``Activation`` layer).
    """

    code = "KGL302"
    name = "unknown-argument"
    severity = Severity.ERROR
    summary = "a keyword the layer does not accept, e.g. AveragePooling2D(activation=...)"
    bad = (Invalid("""
import keras
from keras import layers
x = keras.Input(shape=(32, 32, 3))
y = layers.AveragePooling2D(3, strides=2, activation="relu")(x)
model = keras.Model(x, y)
""", spans=((5, 43, 5, 60),)), Invalid("""
import keras
from keras import layers
x = keras.Input(shape=(32, 32, 3))
y = layers.Conv2D(8, 3, activaton="relu")(x)
model = keras.Model(x, y)
""", spans=((5, 25, 5, 41),)))
    good = ("""
import keras
from keras import layers
x = keras.Input(shape=(32, 32, 3))
y = layers.AveragePooling2D(3, strides=2)(x)
y = layers.Activation("relu")(y)
model = keras.Model(x, y)
""",)

    def check(self, ctx):
        flavour = KERAS2 if ctx.keras_version == "2" else KERAS3
        for layer in ctx.layers:
            if layer.binding is None or not layer.binding.unknown_keywords:
                continue
            sig = signature(layer.class_name, flavour)
            for keyword in layer.binding.unknown_keywords:
                intended = intended_keyword(keyword, sig) if sig is not None else None
                if intended:
                    advice = f"Did you mean {intended}=?"
                elif keyword == "activation":
                    advice = (f"{layer.class_name} has no activation: apply layers.Activation(...) after it, "
                              f"or set the activation on the layer before it.")
                else:
                    advice = "Remove it, or move it to the layer it belongs to."
                message = (f"{layer.class_name} does not accept '{keyword}': Keras raises \"Unrecognized keyword "
                           f"arguments passed to {layer.class_name}\" when the layer is created. {advice}")
                yield ctx.finding(layer.keyword_args.get(keyword, layer.construct), message)
