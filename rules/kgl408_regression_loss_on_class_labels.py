from kgraphlint.feeding.training import canonical_loss, target_verdict, trained_targets
from kgraphlint.keras.layers.activations import final_activation
from kgraphlint.keras.shapes import format_shape
from kgraphlint.rule import Invalid, Rule, Severity

#: the cross-entropy that fits each probability output
CROSSENTROPY = {"sigmoid": "binary_crossentropy", "softmax": "categorical_crossentropy"}


class RegressionLossOnClassLabels(Rule):
    """Mean squared error trained on 0/1 class labels through a sigmoid or softmax output.

    ## What it does
    Reports a ``compile(loss="mse")`` (``mean_squared_error``) whose output ends in sigmoid
    or softmax when fit, evaluate, train_on_batch or test_on_batch gives that output targets
    known to be class labels: the one-hot rows of ``keras.utils.to_categorical``, or integers
    known to be 0 or 1 (``np.random.randint(0, 2, ...)``), through reshapes, slices and
    train/test splits. Targets whose values are not known are never reported, nor are
    regression outputs (no sigmoid or softmax). This is NeuraLint's "loss vs activation"
    fault for regression losses (Nikanjam et al., "Automatic Fault Detection for Deep
    Learning Programs Using Graph Transformations", TOSEM 2021), a common Keras 1/2
    tutorial pattern.

    ## Why is this bad?
    Keras trains it without a word, and it learns badly: the squared error's gradient
    through a saturated sigmoid or softmax is multiplied by the activation's near-zero
    slope, so a confidently wrong prediction barely moves, and the loss is not the
    likelihood of the labels, so the probabilities it gives are not calibrated.

    ## How to fix
    Use ``binary_crossentropy`` with a sigmoid output and ``categorical_crossentropy``
    (one-hot labels) or ``sparse_categorical_crossentropy`` (integer labels) with softmax.
    """

    code = "KGL408"
    name = "regression-loss-on-class-labels"
    severity = Severity.WARNING
    summary = "mean squared error on 0/1 class labels through a sigmoid or softmax output"
    bad = (Invalid("""
import numpy as np
import keras
from keras import layers
x = np.random.rand(500, 20)
y = keras.utils.to_categorical(np.random.randint(0, 4, size=(500,)), 4)
model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(32, activation="relu"),
                          layers.Dense(4, activation="softmax")])
model.compile(optimizer="sgd", loss="mse", metrics=["accuracy"])
model.fit(x, y, epochs=3)
""", spans=((9, 37, 9, 42),)), Invalid("""
import numpy as np
import keras
from keras import layers
x = np.random.rand(500, 20)
y = np.random.randint(0, 2, size=(500, 1))
model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="sgd", loss="mean_squared_error")
model.fit(x[:400], y[:400], epochs=3)
""", spans=((8, 37, 8, 57),)))
    good = ("""
import numpy as np
import keras
from keras import layers
x = np.random.rand(500, 20)
y = keras.utils.to_categorical(np.random.randint(0, 4, size=(500,)), 4)
model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(32, activation="relu"),
                          layers.Dense(4, activation="softmax")])
model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=3)
""", """
import numpy as np
import keras
from keras import layers
x = np.random.rand(500, 20)
y = np.random.rand(500, 1)
model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="sgd", loss="mse")
model.fit(x, y, epochs=3)
""")

    def check(self, ctx):
        reported = set()
        for use, compile_use, fed, loss in trained_targets(ctx.analysis.facts.model_uses):
            if (id(compile_use) in reported or canonical_loss(loss.name) != "mean_squared_error"
                    or not fed.array.class_labels):
                continue
            activation = final_activation(fed.tensor.producer)
            if activation not in CROSSENTROPY or target_verdict(loss.name, fed.array.shape, fed.tensor.shape):
                continue
            reported.add(id(compile_use))
            layer = fed.tensor.producer.layer
            better = CROSSENTROPY[activation]
            yield ctx.finding(compile_use.argument_node(1, "loss"), (
                f"Output '{layer.name}' {format_shape(fed.tensor.shape)} applies {activation} and is compiled "
                f"with mean_squared_error, but {use.method} ({ctx.where(use.node)}) trains it on 0/1 class "
                f"labels {format_shape(fed.array.shape)}: squared error through a saturated {activation} "
                f"learns slowly and gives uncalibrated probabilities. Use loss='{better}'."),
                related=[(fed.node, f"y: 0/1 class labels {format_shape(fed.array.shape)}"),
                         (fed.tensor.producer.node, f"output '{layer.name}' applies {activation}")])
