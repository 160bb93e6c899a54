from kgraphlint.feeding.arrays import INT
from kgraphlint.rule import Invalid, Rule, Severity
from kgraphlint.keras.shapes import format_shape
from kgraphlint.feeding.training import (
    CATEGORICAL_LOSSES,
    REGRESSION_LOSSES,
    SPARSE_LOSSES,
    canonical_loss,
    data_related,
    target_verdict,
    trained_targets,
)


class TargetShapeMismatch(Rule):
    """Targets (y) whose shape does not fit the output they train and its loss.

    ## What it does
    Compares each array given as y to fit, evaluate, train_on_batch or test_on_batch (and
    validation_data's y) with the output it trains and the loss compile gave that output,
    as Keras 3's losses do: categorical and binary cross-entropy want y shaped like the
    output, sparse categorical cross-entropy wants one integer label per prediction, and
    regression losses compare y with the output element by element.

    ## Why is this bad?
    Integer labels with ``categorical_crossentropy``, one-hot rows with
    ``sparse_categorical_crossentropy``, a Dense on an unflattened feature map or a sequence
    output against one label per sample all fail inside fit ("Arguments `target` and
    `output` must have the same rank"). A regression output with several units trained on
    one target is worse: the loss broadcasts, fit runs, and every unit learns the same number.

    ## How to fix
    Match the labels to the loss (``sparse_categorical_crossentropy`` for integer labels, or
    ``keras.utils.to_categorical(y, 10)``), give the output as many units as y has columns,
    and flatten or pool feature maps before the classifier.
    """

    code = "KGL406"
    name = "target-shape-mismatch"
    severity = Severity.ERROR
    summary = "y that does not fit the output it trains and that output's loss"
    bad = (Invalid("""
import numpy as np
import keras
from keras import layers
x_train = np.random.rand(200, 32)
y_train = np.random.randint(0, 10, size=(200,))
model = keras.Sequential([keras.Input(shape=(32,)), layers.Dense(64, activation="relu"),
                          layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=5)
""", spans=((10, 20, 10, 27),)), Invalid("""
import numpy as np
import keras
from keras import layers
houses = np.random.rand(300, 13)
prices = np.random.rand(300)
model = keras.Sequential([keras.Input(shape=(13,)), layers.Dense(32, activation="relu"), layers.Dense(4)])
model.compile(optimizer="adam", loss="mse")
model.fit(houses, prices, epochs=5)
""", spans=((9, 19, 9, 25),)))
    good = ("""
import numpy as np
import keras
from keras import layers
x_train = np.random.rand(200, 32)
y_train = np.random.randint(0, 10, size=(200,))
model = keras.Sequential([keras.Input(shape=(32,)), layers.Dense(64, activation="relu"),
                          layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, keras.utils.to_categorical(y_train, 10), epochs=5)
""", """
import numpy as np
import keras
from keras import layers
houses = np.random.rand(300, 13)
prices = np.random.rand(300)
model = keras.Sequential([keras.Input(shape=(13,)), layers.Dense(32, activation="relu"), layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
model.fit(houses, prices, epochs=5)
""")

    def check(self, ctx):
        for use, compile_use, fed, loss in trained_targets(ctx.analysis.facts.model_uses):
            verdict = target_verdict(loss.name, fed.array.shape, fed.tensor.shape)
            if verdict is not None:
                related = [*data_related(fed, ctx.short_code(fed.node), ctx.analysis.array_bindings),
                           (compile_use.node, f"the loss {canonical_loss(loss.name)} is given here")]
                yield ctx.finding(fed.node, self.message(use.method, fed, canonical_loss(loss.name), verdict),
                                  related=related)

    @staticmethod
    def message(method: str, fed, loss: str, verdict) -> str:
        target, output = fed.array.shape, fed.tensor.shape
        layer = fed.tensor.producer.layer.name
        what = f"{method}(y)" if fed.argument != "validation_data" else f"{method}(validation_data=...)'s y"
        head = f"{what} has shape {format_shape(target)} but output '{layer}' is {format_shape(output)} with loss {loss}"
        when = "at the end of the first epoch, when validation runs" if fed.argument == "validation_data" else \
            f"when {method} starts"
        if verdict.outcome == "broadcasts":
            units = output[-1]
            return (f"{head}: the loss broadcasts y against the output instead of raising, so all {units} units learn "
                    f"the same target (or {method} fails when a batch's size differs). Give the output layer as many "
                    f"units as y has columns (Dense(1) for one target).")
        fix = advice(loss, target, output, fed.array.kind)
        return f"{head}: Keras raises {when}. {fix}"


def advice(loss: str, target: tuple, output: tuple, kind: object) -> str:
    classes = output[-1]
    labels = len(target) == 1 or (len(target) == 2 and target[-1] == 1)
    if len(output) > 3 and len(target) <= 2:
        return (f"The output still has {len(output) - 1} axes per sample: Flatten or pool the feature map before "
                f"the last Dense.")
    if len(output) == 3 and len(target) <= 2:
        return ("The output is a sequence (one prediction per step): drop return_sequences=True from the last "
                "recurrent layer, or Flatten or pool before the last Dense.")
    if loss in CATEGORICAL_LOSSES and labels:
        described = "integer class labels" if kind == INT or len(target) == 1 else "one label per sample"
        return (f"y holds {described}: use loss='sparse_categorical_crossentropy', or one-hot encode them with "
                f"keras.utils.to_categorical(y, {classes}).")
    if loss in SPARSE_LOSSES and len(target) == len(output):
        return ("y is one-hot (one column per class): use loss='categorical_crossentropy', or give the integer "
                "labels (y.argmax(axis=-1)).")
    if loss in REGRESSION_LOSSES:
        return f"Give the output layer {target[-1] if len(target) > 1 else 1} units, one per target column."
    return f"Give the output layer {target[-1] if len(target) > 1 else 1} units, or reshape y to {format_shape(output)}."
