from kgraphlint.keras.layers.activations import final_activation
from kgraphlint.rule import Invalid, Rule, Severity
from kgraphlint.feeding.training import all_compiled_losses

CROSSENTROPY = ("binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
                "binary_focal_crossentropy", "categorical_focal_crossentropy")


class MissingOutputActivation(Rule):
    """A classifier output with no softmax or sigmoid, compiled with a crossentropy that expects probabilities.

    ## What it does
    Reports a model output whose last layer applies no activation (linear) when
    ``compile`` gives it a crossentropy loss without ``from_logits=True``.

    ## Why is this bad?
    Without ``from_logits=True`` the loss treats the outputs as probabilities; raw scores
    (negative, or above 1) are clipped, so gradients vanish and the model trains badly or
    not at all. Keras says nothing.

    ## How to fix
    Add ``activation="softmax"`` (or ``"sigmoid"`` for binary/multi-label outputs) to the
    output layer, or keep it linear and pass ``from_logits=True`` to the loss.
    """

    code = "KGL706"
    name = "missing-output-activation"
    severity = Severity.WARNING
    category = "design"
    summary = "a classifier output compiled with a crossentropy (no from_logits) that has no softmax/sigmoid"
    bad = (Invalid("""
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(32, activation="relu"), layers.Dense(10)])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
""", spans=((4, 90, 4, 106),)), Invalid("""
import keras
from keras import layers
x = keras.Input(shape=(20,))
h = layers.Dense(32, activation="relu")(x)
kind = layers.Dense(5, name="kind")(h)
price = layers.Dense(1, name="price")(h)
model = keras.Model(x, [kind, price])
model.compile(optimizer="adam", loss={"kind": "categorical_crossentropy", "price": "mse"})
""", spans=((6, 8, 6, 39),)))
    good = ("""
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(32, activation="relu"), layers.Dense(10)])
model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
""",)

    def check(self, ctx):
        for use, output, loss in all_compiled_losses(ctx.analysis.facts.model_uses):
            if loss.name not in CROSSENTROPY or loss.from_logits is not False:
                continue
            if final_activation(output.producer) != "linear":
                continue
            fix = "sigmoid" if loss.name.startswith("binary") else "softmax"
            layer = output.producer.layer
            yield ctx.finding(output.producer.node, (
                f"{ctx.output_label(output)} has no activation, but is compiled with "
                f"{loss.name}, which expects probabilities unless from_logits=True: the raw scores are clipped "
                f"and training stalls. Add activation=\"{fix}\" to '{layer.name}', or pass from_logits=True "
                f"to the loss."), related=[(use.node, "compiled here")])
