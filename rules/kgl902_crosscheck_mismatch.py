from kgraphlint.build.compare import row_differences, total_differences
from kgraphlint.rule import Rule, Severity
from kgraphlint.graph.summary import layer_row


class CrosscheckMismatch(Rule):
    """kgraphlint's static shape or parameter count differs from what Keras built (``--build`` only).

    ## What it does
    With ``--build``, compares what kgraphlint inferred with what Keras reports for the model
    it built: each layer's name, output shape, parameter count and trainable/non-trainable
    split, and the model's totals. What kgraphlint does not know (``?``) is not compared.

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
    summary = "with --build: kgraphlint's static name, shape or parameter count differs from Keras's"
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
            if build.misnamed is not None:
                yield self.misnamed(ctx, build)
            if build.error is not None or build.note is not None or build.misnamed is not None:
                continue
            for layer in build.model.layers:
                keras = build.layers.get(layer.name)
                if keras is None:
                    listed = not layer.is_input or build.model.kind == "functional"  # as model.summary() lists
                    if listed and layer.name_certain and build.model.layer_calls.get(layer):
                        yield ctx.finding(layer.construct, (
                            f"kgraphlint and Keras disagree on {layer.class_name} '{layer.name}': Keras's model "
                            f"'{build.model.name}' has no layer of that name. This is a gap in kgraphlint, not in "
                            "your code."))
                    continue
                differences = row_differences(layer_row(build.model, layer), keras)
                if differences:
                    yield ctx.finding(layer.construct, (
                        f"kgraphlint and Keras disagree on {layer.class_name} '{layer.name}': "
                        f"{'; '.join(differences)}. This is a gap in kgraphlint, not in your code."))
            differences = total_differences(build.model.params(), build.totals) if build.totals else []
            if differences:
                yield ctx.finding(build.model.record.node, (
                    f"kgraphlint and Keras disagree on model '{build.model.name}': {'; '.join(differences)}. "
                    "This is a gap in kgraphlint, not in your code."))

    @staticmethod
    def misnamed(ctx, build):
        misnamed = build.misnamed
        layer = next((l for l in build.model.layers if l.name == misnamed["name"]), None)
        seen = f" (it made {', '.join(repr(n) for n in misnamed['names'])}, ...)" if misnamed["names"] else ""
        return ctx.finding(layer.construct if layer is not None else build.model.record.node, (
            f"kgraphlint and Keras disagree on the name '{misnamed['name']}' in model '{build.model.name}': the "
            f"library call that makes it made no layer of that name in Keras{seen}. This is a gap in kgraphlint, "
            "not in your code."))
