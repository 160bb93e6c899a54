from kgraphlint.build.compare import shapes_agree
from kgraphlint.rule import Rule, Severity
from kgraphlint.graph.summary import layer_row


class CrosscheckMismatch(Rule):
    """kgraphlint's static shape or parameter count differs from what Keras built (``--build`` only).

    ## What it does
    With ``--build``, compares every layer's output shape and parameter count as kgraphlint
    inferred them with the ones Keras reports for the model it built.

    ## Why is this bad?
    It is a gap in kgraphlint, not in your code: a shape rule that differs from Keras. It is
    an info finding showing both values; please report it.

    ## How to fix
    Nothing to change in your code. Report the finding to kgraphlint.
    """

    code = "KGL902"
    name = "crosscheck-mismatch"
    severity = Severity.INFO
    category = "build"
    summary = "with --build: kgraphlint's static shape or parameter count differs from Keras's"
    bad = ()
    good = ("""
import keras
from keras import layers
x = keras.Input(shape=(28, 28, 1))
y = layers.Conv2D(8, 3, strides=2, padding="same")(x)
model = keras.Model(x, layers.Flatten()(y))
""",)

    def check(self, ctx):
        for build in ctx.analysis.builds or ():
            if build.error is not None or build.note is not None:
                continue
            for layer in build.model.layers:
                keras = build.layers.get(layer.name)
                if keras is None:
                    continue
                static = layer_row(build.model, layer)
                differences = []
                if not shapes_agree(static["output_shape"], keras["output_shape"]):
                    differences.append(f"output shape {static['output_shape']} statically, "
                                       f"{keras['output_shape']} in Keras")
                if static["params"] is not None and static["params"] != keras["params"]:
                    differences.append(f"{static['params']:,} parameters statically, {keras['params']:,} in Keras")
                if differences:
                    yield ctx.finding(layer.construct, (
                        f"kgraphlint and Keras disagree on {layer.class_name} '{layer.name}': "
                        f"{'; '.join(differences)}. This is a gap in kgraphlint, not in your code."))
