from kgraphlint.rule import Invalid, Rule, Severity


class GraphDisconnected(Rule):
    """Model outputs that depend on an Input not passed as a model input.

    ## What it does
    Walks back from each functional model's outputs; every ``Input`` reached must be among
    the ``inputs`` given to ``Model(...)``.

    ## Why is this bad?
    Keras cannot compute the outputs from the inputs it was given and raises "Output ... is
    not connected to `inputs`" (Keras 2: "Graph disconnected") when the model is built.

    ## How to fix
    Add the missing Input to ``inputs=[...]``.
    """

    code = "KGL203"
    name = "graph-disconnected"
    severity = Severity.ERROR
    summary = "model outputs depend on an Input that is not passed as a model input"
    bad = (Invalid("""
import keras
from keras import layers
title = keras.Input(shape=(8,))
body = keras.Input(shape=(8,))
joined = layers.concatenate([title, body])
model = keras.Model(title, layers.Dense(1)(joined))
""", spans=((7, 9, 7, 52),)),)
    good = ("""
import keras
from keras import layers
title = keras.Input(shape=(8,))
body = keras.Input(shape=(8,))
joined = layers.concatenate([title, body])
model = keras.Model([title, body], layers.Dense(1)(joined))
""",)

    def check(self, ctx):
        for model in ctx.models:
            if model.kind != "functional" or not all(t.producer.layer.is_input for t in model.record.inputs):
                continue  # an input kgraphlint could not follow may be any of the Inputs
            given = set(model.record.inputs)
            for call in model.calls:
                if not call.layer.is_input or not call.outputs or call.outputs[0] in given:
                    continue
                names = ", ".join(f"'{t.producer.layer.name}'" for t in model.record.inputs)
                message = (f"Model '{model.name}' has outputs that depend on Input '{call.layer.name}' "
                           f"({ctx.where(call.node)}), which is not among its inputs ({names}). Keras "
                           f"raises \"Output ... is not connected to `inputs`\" (Keras 2: \"Graph disconnected\"). "
                           f"Add it to the model's inputs.")
                yield ctx.finding(model.record.node, message, related=[(call.node, f"Input '{call.layer.name}' is created here")])
