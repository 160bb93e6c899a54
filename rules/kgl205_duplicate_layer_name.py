from kgraphlint.rule import Invalid, Rule, Severity


class DuplicateLayerName(Rule):
    """Two layers of one model with the same name.

    ## What it does
    Collects the names of the layers in each model (given with ``name=`` or Keras's
    automatic ones) and reports a name used twice, including a ``name=`` repeated by a loop
    or a helper function called more than once.

    ## Why is this bad?
    Keras raises "The name "block" is used 2 times in the model. All operation names should
    be unique." when the model is assembled (``Model(...)`` or ``Sequential.add``).

    ## How to fix
    Make the names unique, for example with an f-string over the loop index, or leave
    ``name=`` out and let Keras number them.
    """

    code = "KGL205"
    name = "duplicate-layer-name"
    severity = Severity.ERROR
    summary = "two layers in one model with the same name (often a name= inside a loop)"
    bad = (Invalid("""
import keras
from keras import layers
x = inputs = keras.Input(shape=(16,))
for width in (64, 32):
    x = layers.Dense(width, activation="relu", name="hidden")(x)
model = keras.Model(inputs, x)
""", spans=((6, 48, 6, 61),)),)
    good = ("""
import keras
from keras import layers
x = inputs = keras.Input(shape=(16,))
for i, width in enumerate((64, 32)):
    x = layers.Dense(width, activation="relu", name=f"hidden_{i}")(x)
model = keras.Model(inputs, x)
""",)

    def check(self, ctx):
        for model in ctx.models:
            first_by_name = {}
            for layer in model.layers:
                if not (layer.certain and layer.name_certain) or layer.opaque is not None:
                    continue  # it may not exist, or Keras may name it otherwise
                first = first_by_name.setdefault(layer.name, layer)
                if first is layer:
                    continue
                same_place = first.construct is layer.construct
                origin = ("the same line, run more than once (a loop or a helper function)" if same_place
                          else ctx.where(first.construct))
                message = (f"Model '{model.name}' has two layers named '{layer.name}' ({first.class_name} from "
                           f"{origin}, and this {layer.class_name}): Keras raises \"The name \"{layer.name}\" is "
                           f"used 2 times in the model\" when the model is assembled. Make the names unique "
                           f"(e.g. name=f\"{layer.name}_{{i}}\"), or leave name= out.")
                yield ctx.finding(layer.keyword_args.get("name", layer.construct), message,
                                  related=[(first.construct, f"first layer named '{layer.name}'")])
