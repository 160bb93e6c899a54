from kgraphlint.keras.layers.activations import final_activation
from kgraphlint.keras.layers.base import channels_last
from kgraphlint.rule import Invalid, Rule, Severity


class SoftmaxSingleUnit(Rule):
    """A softmax over a single unit, which always outputs 1.0.

    ## What it does
    Reports a softmax (an ``activation="softmax"`` argument, an ``Activation("softmax")`` or
    a ``Softmax`` layer) applied to a tensor whose last axis has size 1.

    ## Why is this bad?
    Softmax normalises across the last axis; over one value the result is always exactly
    1.0, so the model predicts a constant and its gradients vanish. Keras builds and trains
    it without complaint.

    ## How to fix
    For a yes/no output use one unit with ``activation="sigmoid"`` (and binary
    crossentropy), or two units with softmax.
    """

    code = "KGL401"
    name = "softmax-single-unit"
    severity = Severity.WARNING
    summary = "a softmax over a single unit (always 1.0)"
    bad = (Invalid("""
import keras
from keras import layers
features = keras.Input(shape=(20,))
is_spam = layers.Dense(1, activation="softmax")(features)
model = keras.Model(features, is_spam)
""", spans=((5, 27, 5, 47),)),)
    good = ("""
import keras
from keras import layers
features = keras.Input(shape=(20,))
is_spam = layers.Dense(1, activation="sigmoid")(features)
model = keras.Model(features, is_spam)
""",)

    def check(self, ctx):
        for call in ctx.certain_calls():
            if self.single_unit_softmax(call):
                message = (f"{ctx.call_name(call)} applies softmax over a single unit: softmax normalises across "
                           f"the last axis, so the output is always 1.0 and nothing is learned. Use "
                           f"activation=\"sigmoid\" for a yes/no output, or 2 units with softmax.")
                yield ctx.finding(call.layer.keyword_args.get("activation", call.node), message)

    @staticmethod
    def single_unit_softmax(call) -> bool:
        layer = call.layer
        if layer.class_name in ("Dense", "Conv1D", "Conv2D", "Conv3D"):
            width = layer.config.get("units" if layer.class_name == "Dense" else "filters")
            return width == 1 and final_activation(call) == "softmax" and channels_last(layer.config) is not False
        shape = call.outputs[0].shape if call.outputs else None
        if not shape or shape[-1] != 1:
            return False
        if layer.class_name == "Softmax":
            return layer.config.get("axis", -1) in (-1, len(shape) - 1)
        return layer.class_name == "Activation" and final_activation(call) == "softmax"
