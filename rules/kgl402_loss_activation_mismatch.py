from kgraphlint.feeding.training import BINARY_LOSSES
from kgraphlint.keras.facts import Loss
from kgraphlint.keras.layers.activations import final_activation
from kgraphlint.rule import Invalid, Rule, Severity
from kgraphlint.keras.shapes import is_int
from kgraphlint.feeding.training import all_compiled_losses



def mismatch(loss: Loss, activation: object, units: object) -> str | None:
    """Why this loss does not fit an output with this activation and width, if it does not."""
    if loss.from_logits is True and activation in ("softmax", "sigmoid"):
        return (f"{loss.name} with from_logits=True expects raw scores, but the output already applies "
                f"{activation}: the {activation} is applied twice. Drop from_logits=True, or the output activation")
    # On 2 softmax units binary cross-entropy equals categorical cross-entropy of one-hot
    # targets (each unit's yes/no loss is the same): nothing is wrong.
    if not is_int(units):
        return None  # every check below depends on the output's width
    if loss.name in BINARY_LOSSES and activation == "softmax" and units not in (1, 2):
        return (f"{loss.name} scores each of the {units} units as an independent yes/no, but softmax makes them "
                f"compete. For one label out of {units} use categorical_crossentropy (one-hot labels) or "
                f"sparse_categorical_crossentropy (integer labels); for a yes/no output use 1 sigmoid unit")
    if loss.name == "categorical_crossentropy" and activation == "sigmoid" and units != 1:
        return (f"categorical_crossentropy expects a probability distribution over the {units} classes, but "
                f"sigmoid scores each unit independently. Use softmax for one class per sample, or "
                f"binary_crossentropy for several labels per sample")
    if loss.name in ("sparse_categorical_crossentropy", "categorical_crossentropy") and units == 1:
        return (f"{loss.name} over a single unit has only one class, so the loss is constant and nothing is "
                f"learned. For a yes/no output use binary_crossentropy with a sigmoid unit")
    return None


class LossActivationMismatch(Rule):
    """A loss that does not fit the output's activation.

    ## What it does
    For each model output and the loss ``compile`` gives it, checks the pairs that train
    silently wrong: softmax with binary crossentropy, multi-unit sigmoid with categorical
    crossentropy, a ``from_logits=True`` loss on an output that already applies softmax or
    sigmoid, and a categorical loss on a one-unit output.

    ## Why is this bad?
    Keras accepts all of these (``from_logits=True`` on a softmax warns only once a loss is
    computed), and the model trains to the wrong objective or not at all.

    ## How to fix
    Match them: softmax with (sparse_)categorical_crossentropy, sigmoid with
    binary_crossentropy, linear outputs with ``from_logits=True``.
    """

    code = "KGL402"
    name = "loss-activation-mismatch"
    severity = Severity.WARNING
    summary = "a loss that does not fit the output activation (softmax + binary_crossentropy, ...)"
    bad = (Invalid("""
import keras
from keras import layers
x = keras.Input(shape=(20,))
y = layers.Dense(3, activation="softmax")(x)
model = keras.Model(x, y)
model.compile(optimizer="adam", loss="binary_crossentropy")
""", spans=((7, 38, 7, 59),)), Invalid("""
import keras
from keras import layers
x = keras.Input(shape=(20,))
y = layers.Dense(10, activation="softmax")(x)
model = keras.Model(x, y)
model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
""", spans=((7, 38, 7, 98),)))
    good = ("""
import keras
from keras import layers
x = keras.Input(shape=(20,))
y = layers.Dense(10)(x)
model = keras.Model(x, y)
model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
""",)

    def check(self, ctx):
        for use, output, loss in all_compiled_losses(ctx.analysis.facts.model_uses):
            units = output.shape[-1] if output.shape else None
            why = mismatch(loss, final_activation(output.producer), units)
            if why is not None:
                layer = output.producer.layer
                yield ctx.finding(use.argument_node(1, "loss"), (
                    f"{ctx.output_label(output)} is compiled with "
                    f"{loss.name}: {why}."), related=[(output.producer.node, f"output '{layer.name}'")])
