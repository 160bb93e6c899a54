from kgraphlint.keras.families import LINEAR_MAPS
from kgraphlint.keras.layers.activations import final_activation
from kgraphlint.rule import Invalid, Rule, Severity



class BiasBeforeNormalization(Rule):
    """A Dense/Conv layer with a bias feeding BatchNormalization directly.

    ## What it does
    Reports a Dense or Conv layer with ``use_bias=True`` (the default) and no activation
    whose output goes straight into BatchNormalization.

    ## Why is this bad?
    BatchNormalization subtracts each channel's mean, which removes any per-channel bias
    added just before it: the bias weights are trained for nothing (and
    BatchNormalization's own ``beta`` already provides the offset). LayerNormalization is not
    reported: it normalises across features, so a per-feature bias is not cancelled.

    ## How to fix
    Pass ``use_bias=False`` to the layer before the normalisation.
    """

    code = "KGL703"
    name = "bias-before-normalization"
    severity = Severity.INFO
    category = "design"
    summary = "a Dense/Conv with use_bias=True feeding BatchNormalization directly (the bias is cancelled)"
    bad = (Invalid("""
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(32, 32, 3)), layers.Conv2D(16, 3), layers.BatchNormalization(),
                          layers.Activation("relu")])
""", spans=((4, 59, 4, 79),)), Invalid("""
import keras
from keras import layers
x = keras.Input(shape=(32,))
a = layers.BatchNormalization()(layers.Dense(16)(x))
b = layers.Dense(16, activation="relu")(x)
model = keras.Model(x, layers.concatenate([layers.Activation("relu")(a), b]))
""", spans=((5, 33, 5, 52),)))
    good = ("""
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(32, 32, 3)), layers.Conv2D(16, 3, use_bias=False),
                          layers.BatchNormalization(), layers.Activation("relu")])
""",)

    def check(self, ctx):
        for call in ctx.model_calls():
            layer = call.layer
            if layer.class_name not in LINEAR_MAPS or layer.config.get("use_bias", True) is not True:
                continue
            if final_activation(call) != "linear":
                continue
            for consumer, _ in ctx.consumers(call):
                if consumer.layer.class_name == "BatchNormalization" and consumer.certain:
                    yield ctx.finding(call.node, (
                        f"{ctx.call_name(call)} adds a bias that {ctx.call_name(consumer)} "
                        f"({ctx.where(consumer.node)}) subtracts again with the channel mean: those weights are "
                        f"trained for nothing. Pass use_bias=False to '{layer.name}'."))
                    break
