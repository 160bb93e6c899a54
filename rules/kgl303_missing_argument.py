from kgraphlint.rule import Invalid, Rule, Severity


class MissingArgument(Rule):
    """A required constructor argument is missing: ``Conv2D(1, strides=2)`` has no kernel_size.

    ## What it does
    Checks that every required argument of a layer's real signature is given.

    ## Why is this bad?
    Python raises TypeError ("missing 1 required positional argument: 'kernel_size'") as
    soon as the layer is created.

    ## How to fix
    Pass the argument; for a 1x1 projection, ``Conv2D(filters, 1, strides=2)``.
    """

    code = "KGL303"
    name = "missing-argument"
    severity = Severity.ERROR
    summary = "a required argument is absent, e.g. Conv2D(1, strides=2) with no kernel_size"
    bad = (Invalid("""
import keras
from keras import layers
x = keras.Input(shape=(32, 32, 3))
y = layers.Conv2D(1, strides=2)(x)
model = keras.Model(x, y)
""", spans=((5, 5, 5, 32),)),)
    good = ("""
import keras
from keras import layers
x = keras.Input(shape=(32, 32, 3))
y = layers.Conv2D(1, kernel_size=1, strides=2)(x)
model = keras.Model(x, y)
""",)

    def check(self, ctx):
        for layer in ctx.layers:
            if layer.binding is None or not layer.binding.missing:
                continue
            missing = ", ".join(layer.binding.missing)
            example = ""
            if layer.class_name.startswith("Conv") and layer.binding.missing == ["kernel_size"]:
                example = f" For a 1x1 convolution write {layer.class_name}(filters, kernel_size=1, ...)."
            plural = "s" if len(layer.binding.missing) > 1 else ""
            message = (f"{layer.class_name} is missing the required argument{plural} {missing}: Python raises "
                       f"TypeError when the layer is created. Pass {missing}.{example}")
            yield ctx.finding(layer.construct, message)
