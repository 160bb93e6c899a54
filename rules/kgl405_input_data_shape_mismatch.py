from math import prod

from kgraphlint.rule import Invalid, Rule, Severity
from kgraphlint.keras.shapes import format_shape, fully_known, is_int
from kgraphlint.feeding.training import as_model_sees, data_related, fed_arrays, mismatched_axes

WHEN = {"fit": "when fit starts", "evaluate": "when evaluate starts", "predict": "when predict starts",
        "train_on_batch": "at train_on_batch", "test_on_batch": "at test_on_batch",
        "predict_on_batch": "at predict_on_batch"}


class InputDataShapeMismatch(Rule):
    """An array given as x whose rank or size does not fit the model's input.

    ## What it does
    Follows the shapes of the arrays given to fit, evaluate and predict (NumPy constructors
    and reshapes, ``keras.datasets`` loaders, ``tf.data`` pipelines, train/test splits) and
    compares each with the Input it feeds, the way Keras does: a trailing axis of size 1
    may be added or dropped (so (N, 28, 28) feeds (None, 28, 28, 1)); any other rank
    difference, or a known size that differs, is refused.

    ## Why is this bad?
    The model builds, then the call fails after the data is loaded: "Input 0 of layer
    'functional' is incompatible with the layer: expected shape=(None, 28, 28, 1), found
    shape=(None, 784)". Keras treats the first axis as the batch, so predicting on one
    sample without its batch axis fails too, or is read as many samples.

    ## How to fix
    Reshape the data to the input's shape (``x.reshape(-1, 28, 28, 1)``), add the batch axis
    to a single sample (``x[np.newaxis]``), batch a ``tf.data`` dataset (``.batch(32)``), or
    change the Input's shape to the data's.
    """

    code = "KGL405"
    name = "input-data-shape-mismatch"
    severity = Severity.ERROR
    summary = "fit/evaluate/predict given x whose rank or sizes do not fit the model's input"
    bad = (Invalid("""
import numpy as np
import keras
from keras import layers
x_train = np.random.rand(100, 784)
y_train = np.random.randint(0, 10, size=(100,))
image = keras.Input(shape=(28, 28, 1))
x = layers.Conv2D(16, 3, activation="relu")(image)
x = layers.Flatten()(x)
digit = layers.Dense(10, activation="softmax")(x)
model = keras.Model(image, digit)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(x_train, y_train, epochs=2)
""", spans=((13, 11, 13, 18),)), Invalid("""
import numpy as np
import keras
from keras import layers
features = np.random.rand(500, 20)
model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(1, activation="sigmoid")])
model.predict(features[0])
""", spans=((7, 15, 7, 26),)))
    good = ("""
import numpy as np
import keras
from keras import layers
x_train = np.random.rand(100, 784).reshape(-1, 28, 28, 1)
y_train = np.random.randint(0, 10, size=(100,))
image = keras.Input(shape=(28, 28, 1))
x = layers.Conv2D(16, 3, activation="relu")(image)
x = layers.Flatten()(x)
digit = layers.Dense(10, activation="softmax")(x)
model = keras.Model(image, digit)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(x_train, y_train, epochs=2)
""", """
import numpy as np
import keras
from keras import layers
(x_train, y_train), _ = keras.datasets.mnist.load_data()
model = keras.Sequential([keras.Input(shape=(28, 28, 1)), layers.Flatten(), layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(x_train / 255.0, y_train)
model.predict(x_train[:1])
""")

    def check(self, ctx):
        for use in ctx.analysis.facts.model_uses:
            if not use.certain:
                continue
            for fed in fed_arrays(use):
                if fed.role != "x":
                    continue
                message = self.problem(use.method, fed)
                if message is not None:
                    related = data_related(fed, ctx.short_code(fed.node), ctx.analysis.array_bindings)
                    yield ctx.finding(fed.node, message, related=[*related, *self.trained_with(ctx, use, fed)])

    def trained_with(self, ctx, use, fed):
        """For evaluate/predict: where the x that fit gets for the same input, and that fits
        it, was last reshaped or made (the same preparation is usually the fix)."""
        if use.method == "fit":
            return []
        for other in ctx.analysis.facts.model_uses:
            if other.method != "fit" or other.model is not use.model or not other.certain:
                continue
            for trained in fed_arrays(other):
                if trained.role == "x" and trained.tensor is fed.tensor and self.problem("fit", trained) is None:
                    place = trained.array.reshaped or trained.array.made
                    if place is not None:
                        verb = "reshaped" if trained.array.reshaped is not None else "made"
                        return [(place, f"the x fit gets for this input, {format_shape(trained.array.shape)}, "
                                        f"is {verb} here")]
        return []

    @staticmethod
    def problem(method: str, fed) -> str | None:
        shape, expected = fed.array.shape, fed.tensor.shape
        if expected is None or not shape:
            return None
        input_name = fed.tensor.producer.layer.name
        what = f"{method}({fed.argument})" if fed.argument != "validation_data" else f"{method}(validation_data=...)'s x"
        seen = as_model_sees(shape, expected)
        when = WHEN.get(method, f"at {method}") if fed.argument != "validation_data" else \
            "at the end of the first epoch, when validation runs"
        head = (f"{what} is an array of shape {format_shape(shape)} but input '{input_name}' expects "
                f"{format_shape(expected)}")
        if fed.batching == "unbatched":
            if seen is None or mismatched_axes(seen, expected):
                return (f"{what} is a tf.data dataset of single samples of shape {format_shape(shape)}, but input "
                        f"'{input_name}' expects batches of {format_shape(expected)}: Keras reads the first axis "
                        f"as the batch and raises {when}. Call .batch(32) on the dataset.")
            return None
        if seen is None:
            return f"{head}: Keras raises {when}. {advice(shape, expected)}"
        axes = mismatched_axes(seen, expected)
        if not axes:
            return None
        sizes = ", ".join(f"axis {a} is {seen[a]}, not {expected[a]}" for a in axes)
        return f"{head} ({sizes}): Keras raises {when}. {advice(shape, expected)}"


def advice(shape: tuple, expected: tuple) -> str:
    """What to change, from the two shapes."""
    sample = expected[1:]
    if len(shape) == len(sample) and all(is_int(a) and a == b for a, b in zip(shape, sample)):
        return (f"It is one sample without the batch axis: give x[np.newaxis] (shape "
                f"{format_shape((1, *shape))}) or a slice such as x[:1].")
    if fully_known(shape) and all(is_int(d) for d in sample) and all(is_int(d) for d in shape):
        samples = shape[0]
        if prod(shape[1:]) == prod(sample):
            return f"Reshape it: x.reshape({', '.join(str(d) for d in (samples, *sample))})."
    if len(shape) == len(expected) - 1 and is_int(expected[-1]) and expected[-1] > 1:
        return (f"It has no channel axis of {expected[-1]}: give the Input shape "
                f"{format_shape(shape[1:] + (1,))} or convert the data to {expected[-1]} channels.")
    return f"Give the Input shape={format_shape(shape[1:])}, or reshape the data to {format_shape(expected)}."
