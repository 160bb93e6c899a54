from kgraphlint.rule import Rule, Severity


class KerasBuildError(Rule):
    """Keras itself refused to build the model (``--build`` only).

    ## What it does
    With ``--build``, kgraphlint builds each model it extracted with real Keras, from the
    graph (your file is never run). When Keras raises, this reports its own message at the
    constructor, layer call or ``Model(...)`` that failed.

    ## Why is this bad?
    The code fails the same way when it runs.

    ## How to fix
    Read Keras's message; the static finding on the same line usually says what to change.
    """

    code = "KGL901"
    name = "keras-build-error"
    severity = Severity.ERROR
    category = "build"
    summary = "with --build: Keras raised while building the model (its message, at the failing line)"
    bad = ("""
import keras
from keras import layers
x = keras.Input(shape=(16,))
out = layers.add([layers.Dense(8)(x), layers.Dense(4)(x)])
model = keras.Model(x, out)
""",)
    good = ("""
import keras
from keras import layers
x = keras.Input(shape=(16,))
out = layers.add([layers.Dense(8)(x), layers.Dense(8)(x)])
model = keras.Model(x, out)
""",)

    def check(self, ctx):
        for build in ctx.analysis.builds or ():
            if build.error is None:
                continue
            stage = {"construct": "creating the layer", "call": "calling the layer",
                     "model": "assembling the model",
                     "site": "running the library call"}[build.error["stage"]]
            yield ctx.finding(build.error_node, (
                f"Keras raised while {stage} for model '{build.model.name}': {build.error['message']}"))
