from kgraphlint.rule import Invalid, Rule, Severity
from kgraphlint.keras.shapes import dim_product, format_shape, is_int


class ReshapeSizeMismatch(Rule):
    """A Reshape whose target cannot hold exactly the input's elements.

    ## What it does
    Compares the number of elements per sample before and after each Reshape (the batch
    axis excluded), resolving a single -1. It also reports a target with more than one -1.

    ## Why is this bad?
    Keras raises "The total size of the tensor must be unchanged" (or "There must be at
    most one unknown dimension") when the model is built.

    ## How to fix
    Choose a target whose sizes multiply to the input's size, or use one -1 to let Keras
    work out one axis.
    """

    code = "KGL105"
    name = "reshape-size-mismatch"
    severity = Severity.ERROR
    summary = "a Reshape target whose size cannot equal the input's (or with more than one -1)"
    bad = (Invalid("""
import keras
from keras import layers
pixels = keras.Input(shape=(784,))
image = layers.Reshape((28, 28, 3))(pixels)
model = keras.Model(pixels, image)
""", spans=((5, 9, 5, 44),)), Invalid("""
import keras
from keras import layers
x = keras.Input(shape=(12, 4))
y = layers.Reshape((-1, -1))(x)
model = keras.Model(x, y)
""", spans=((5, 5, 5, 32),)))
    good = ("""
import keras
from keras import layers
pixels = keras.Input(shape=(784,))
image = layers.Reshape((28, 28, 1))(pixels)
model = keras.Model(pixels, image)
""",)

    def check(self, ctx):
        for call in ctx.certain_calls("Reshape"):
            target = call.layer.config.get("target_shape")
            tensor = call.inputs[0]
            if not isinstance(target, (tuple, list)) or not all(is_int(d) for d in target):
                continue
            where = f"Reshape '{call.layer.name}' to {tuple(target)}"
            if list(target).count(-1) > 1:
                yield ctx.finding(call.node, (
                    f"{where} has more than one -1: Keras raises \"There must be at most one unknown dimension "
                    f"(-1) in `target_shape`\". Give all axes but one explicitly."))
                continue
            if not tensor.shape:
                continue
            size = dim_product(tensor.shape[1:])
            known = dim_product(d for d in target if d != -1)
            if not is_int(size) or not is_int(known) or known <= 0:
                continue
            fits = size % known == 0 if -1 in target else size == known
            if fits:
                continue
            wanted = f"a multiple of {known}" if -1 in target else f"{known}"
            message = (f"{where} cannot hold {ctx.describe(tensor)}: the input has {size:,} values per sample, "
                       f"the target {wanted}. Keras raises \"The total size of the tensor must be unchanged\" "
                       f"when the model is built. Choose sizes whose product is {size:,}.")
            related = [(tensor.producer.node, f"'{tensor.producer.layer.name}' produces {format_shape(tensor.shape)}")]
            yield ctx.finding(call.node, message, related=related)
