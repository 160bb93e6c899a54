from kgraphlint.rule import Invalid, Rule, Severity
from kgraphlint.keras.shapes import is_int
from kgraphlint.feeding.training import data_related, fed_arrays


class SampleCountMismatch(Rule):
    """x and y (or several inputs, or validation_data's x and y) with different numbers of samples.

    ## What it does
    Compares the first axis of every array given together to fit, evaluate,
    train_on_batch or test_on_batch: the inputs and the targets must all hold the same
    number of samples. validation_data's arrays are compared among themselves.

    ## Why is this bad?
    Keras pairs sample i of x with sample i of y. With different counts it raises "Data
    cardinality is ambiguous" when the call starts; for validation_data, only after the
    whole first epoch has trained.

    ## How to fix
    Split x and y the same way (the same slice, or one ``train_test_split`` call over both),
    and pass the matching test arrays as validation_data.
    """

    code = "KGL407"
    name = "sample-count-mismatch"
    severity = Severity.ERROR
    summary = "x and y (or several inputs, or validation_data) with different numbers of samples"
    bad = (Invalid("""
import numpy as np
import keras
from keras import layers
x = np.random.rand(1000, 8)
y = np.random.randint(0, 2, size=(1000,))
x_train, y_train = x[:800], y[800:]
model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(x_train, y_train, epochs=3)
""", spans=((10, 20, 10, 27),)),)
    good = ("""
import numpy as np
import keras
from keras import layers
x = np.random.rand(1000, 8)
y = np.random.randint(0, 2, size=(1000,))
x_train, y_train = x[:800], y[:800]
model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(x_train, y_train, epochs=3, validation_data=(x[800:], y[800:]))
""",)

    def check(self, ctx):
        for use in ctx.analysis.facts.model_uses:
            if not use.certain:
                continue
            groups: dict[str, list] = {}
            for fed in fed_arrays(use):
                if fed.batching == "batched" and is_int(fed.array.samples):
                    groups.setdefault("validation_data" if fed.argument == "validation_data" else "data", []).append(fed)
            for group, members in groups.items():
                counts = {fed.array.samples for fed in members}
                if len(counts) < 2:
                    continue
                first = members[0]
                other = next(fed for fed in members if fed.array.samples != first.array.samples)
                listing = ", ".join(f"{self.label(fed)} {fed.array.samples}" for fed in members)
                when = ("at the end of the first epoch, when validation runs" if group == "validation_data"
                        else f"when {use.method} starts")
                yield ctx.finding(
                    other.node,
                    f"{use.method}() is given different numbers of samples ({listing}): Keras raises \"Data "
                    f"cardinality is ambiguous\" {when}. Slice or split x and y together.",
                    related=[(first.node, f"{self.label(first)} has {first.array.samples} samples"),
                             *(site for fed in (other, first)
                               for site in data_related(fed, ctx.short_code(fed.node), ctx.analysis.array_bindings)
                               if site[0] is not fed.tensor.producer.node)],
                )

    @staticmethod
    def label(fed) -> str:
        name = fed.tensor.producer.layer.name
        role = "x" if fed.role == "x" else "y"
        return f"{role} for '{name}'"
