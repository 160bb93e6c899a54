from kgraphlint.keras.layers.merge import dot_axes
from kgraphlint.rule import Invalid, Rule, Severity
from kgraphlint.keras.shapes import is_int


class DotAxesMismatch(Rule):
    """Dot (or ``dot([...])``) over axes whose sizes differ.

    ## What it does
    Compares the sizes of the two axes a Dot layer multiplies together.

    ## Why is this bad?
    A dot product needs equal lengths: Keras raises "Incompatible input shapes: axis values
    8 (at axis 1) != 5 (at axis 1)" when the model is built.

    ## How to fix
    Pick the axes that hold equal sizes, or project one input to the other's width.
    """

    code = "KGL108"
    name = "dot-axes-mismatch"
    severity = Severity.ERROR
    summary = "Dot/dot over axes whose sizes differ"
    bad = (Invalid("""
import keras
from keras import layers
user = keras.Input(shape=(32,))
item = keras.Input(shape=(16,))
score = layers.dot([user, item], axes=1)
model = keras.Model([user, item], score)
""", spans=((6, 9, 6, 41),)),)
    good = ("""
import keras
from keras import layers
user = keras.Input(shape=(32,))
item = keras.Input(shape=(16,))
score = layers.dot([user, layers.Dense(32)(item)], axes=1)
model = keras.Model([user, item], score)
""",)

    def check(self, ctx):
        for call in ctx.certain_calls("Dot"):
            shapes = [t.shape for t in call.inputs]
            axes = dot_axes(call.layer.config, shapes)
            if axes is None:
                continue
            a, b = shapes[0][axes[0]], shapes[1][axes[1]]
            if not (is_int(a) and is_int(b)) or a == b:
                continue
            left, right = call.inputs
            message = (f"Dot '{call.layer.name}' multiplies axis {axes[0]} of {ctx.describe(left)} ({a}) with axis "
                       f"{axes[1]} of {ctx.describe(right)} ({b}): a dot product needs equal sizes. Keras raises "
                       f"\"Incompatible input shapes\" when the model is built. Choose axes of equal size, or "
                       f"project one input to {max(a, b)} with a Dense layer.")
            yield ctx.finding(call.node, message)
