from kgraphlint.feeding.training import (
    BINARY_LOSSES,
    CATEGORICAL_LOSSES,
    SPARSE_LOSSES,
    canonical_loss,
    squeeze_or_expand,
    trained_targets,
)
from kgraphlint.keras.families import RECURRENT, UPSAMPLING
from kgraphlint.rule import Invalid, Rule, Severity
from kgraphlint.keras.shapes import format_shape, is_int

#: layers that change a feature map's size, so its head may be meant to keep the spatial axes
RESIZING = UPSAMPLING + ("Resizing",)
#: layers a classifier head commonly stacks after the first Dense
HEAD = ("Dense", "Dropout", "Activation", "BatchNormalization", "LayerNormalization")


class ProbableMissingFlatten(Rule):
    """Dense applied to a conv/pool feature map or a sequence, so the model's output keeps spatial or time axes.

    ## What it does
    Follows each model output back through its Dense head. If the first Dense of the head
    reads a 4-D (or 5-D) feature map, the output still has the spatial axes, e.g.
    (None, 4, 4, 10) where a classifier meant (None, 10). Outputs as large as the input
    image (segmentation) and models that upsample are not reported.

    A 3-D input to the head (a Conv1D or MaxPooling1D map, an LSTM or GRU with
    ``return_sequences=True``, an Embedding) is reported only where the output demonstrably
    needed rank 2: fit, evaluate, train_on_batch or test_on_batch trains it with a
    cross-entropy loss on targets of one label (or one one-hot row) per sample. A 3-D output
    is as often meant per timestep (taggers, sequence-to-sequence models, language models),
    so without such targets nothing is said; targets with a time axis, or
    ``sparse_categorical_crossentropy`` on (samples, steps) labels, are per-timestep
    training and stay quiet, as do TimeDistributed heads. (Such targets also make fit raise,
    which target-shape-mismatch, KGL406, reports at the fit line; this finding is at the layer
    where the fix goes.) This is NeuraLint's "missing
    flatten" fault (Nikanjam et al., "Automatic Fault Detection for Deep Learning Programs
    Using Graph Transformations", TOSEM 2021) extended to sequences.

    ## Why is this bad?
    Dense acts on the last axis only, so the model predicts one class distribution per
    feature-map cell. Keras builds it without complaint; training then fails on the label
    shape, or, worse, broadcasts and trains the wrong thing.

    ## How to fix
    Add ``layers.Flatten()`` or ``layers.GlobalAveragePooling2D()`` before the first Dense
    (``GlobalAveragePooling1D`` for a sequence, or drop ``return_sequences=True`` from the
    last recurrent layer).
    """

    code = "KGL107"
    name = "probable-missing-flatten"
    severity = Severity.WARNING
    summary = ("Dense on an unflattened conv/pool feature map (or a sequence trained on one label per sample), "
               "so the output keeps spatial (time) axes")
    bad = (Invalid("""
import keras
from keras import layers
image = keras.Input(shape=(28, 28, 1))
x = layers.Conv2D(32, 3, activation="relu")(image)
x = layers.MaxPooling2D(2)(x)
x = layers.Dense(64, activation="relu")(x)
digit = layers.Dense(10, activation="softmax")(x)
model = keras.Model(image, digit)
""", spans=((7, 5, 7, 43),)), Invalid("""
import numpy as np
import keras
from keras import layers
reviews = np.random.randint(0, 5000, size=(800, 120))
labels = keras.utils.to_categorical(np.random.randint(0, 3, size=(800,)), 3)
model = keras.Sequential([keras.Input(shape=(120,)), layers.Embedding(5000, 32),
                          layers.LSTM(32, return_sequences=True),
                          layers.Dense(3, activation="softmax")])
model.compile(optimizer="adam", loss="categorical_crossentropy")
model.fit(reviews, labels, epochs=3)  # noqa: KGL406 (the error fit raises, reported on its own)
""", spans=((9, 27, 9, 64),)))
    good = ("""
import keras
from keras import layers
image = keras.Input(shape=(28, 28, 1))
x = layers.Conv2D(32, 3, activation="relu")(image)
x = layers.MaxPooling2D(2)(x)
x = layers.Flatten()(x)
x = layers.Dense(64, activation="relu")(x)
digit = layers.Dense(10, activation="softmax")(x)
model = keras.Model(image, digit)
""", """
import numpy as np
import keras
from keras import layers
sentences = np.random.randint(0, 5000, size=(800, 120))
tags = np.random.randint(0, 12, size=(800, 120))
model = keras.Sequential([keras.Input(shape=(120,)), layers.Embedding(5000, 32),
                          layers.LSTM(32, return_sequences=True),
                          layers.Dense(12, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(sentences, tags, epochs=3)
""")

    def check(self, ctx):
        per_sample = self.per_sample_targets(ctx)
        for model in ctx.models:
            if any(c.layer.class_name in RESIZING for c in model.calls):
                continue
            input_spatial = {tuple(t.shape[1:-1]) for t in model.record.inputs if t.shape}
            for output in model.record.outputs:
                first_dense = self.first_dense_of_head(output)
                if first_dense is None or not output.shape or len(output.shape) < 3:
                    continue
                fed = first_dense.inputs[0]
                if not fed.shape or len(fed.shape) != len(output.shape):
                    continue
                layer = first_dense.layer
                out_layer = output.producer.layer
                related = [(output.producer.node, f"model output '{out_layer.name}' is {format_shape(output.shape)}")]
                if len(output.shape) == 3:
                    target = per_sample.get(id(output))
                    if target is None:
                        continue
                    use, array = target
                    related.append((array.node, f"{use.method}'s y is {format_shape(array.array.shape)}"))
                    yield ctx.finding(first_dense.node, self.sequence_message(ctx, first_dense, output, use, array),
                                      related=related)
                    continue
                if tuple(output.shape[1:-1]) in input_spatial:
                    continue
                message = (
                    f"Dense '{layer.name}' is applied to the {len(fed.shape)}-D feature map {ctx.describe(fed)}, "
                    f"so the model output '{out_layer.name}' keeps its spatial axes: {format_shape(output.shape)} "
                    f"instead of (None, {output.shape[-1]}). Dense only acts on the last axis. Add "
                    f"layers.Flatten() (or layers.GlobalAveragePooling{len(fed.shape) - 2}D()) before '{layer.name}'.")
                yield ctx.finding(first_dense.node, message, related=related)

    @staticmethod
    def per_sample_targets(ctx) -> dict:
        """For each output trained with a cross-entropy on one label (or one one-hot row) per
        sample, the first certain data call that does so and the targets it gives."""
        found: dict = {}
        for use, _, fed, loss in trained_targets(ctx.analysis.facts.model_uses):
            if id(fed.tensor) not in found and one_per_sample(canonical_loss(loss.name), fed.array.shape,
                                                               fed.tensor.shape):
                found[id(fed.tensor)] = (use, fed)
        return found

    @staticmethod
    def sequence_message(ctx, first_dense, output, use, array) -> str:
        fed = first_dense.inputs[0]
        layer, out_layer = first_dense.layer, output.producer.layer
        source = fed.producer.layer
        recurrent = source.wrapped if source.class_name == "Bidirectional" and source.wrapped else source
        fix = "layers.Flatten() or layers.GlobalAveragePooling1D()"
        if recurrent.class_name in RECURRENT and recurrent.config.get("return_sequences") is True:
            fix = f"{fix}, or drop return_sequences=True from '{source.name}',"
        return (
            f"Dense '{layer.name}' is applied to the 3-D sequence {ctx.describe(fed)}, so the model output "
            f"'{out_layer.name}' keeps its time axis: {format_shape(output.shape)}, but {use.method} "
            f"({ctx.where(use.node)}) trains it on y of shape {format_shape(array.array.shape)}, one target per "
            f"sample, which needs (None, {output.shape[-1]}). Dense only acts on the last axis. Add {fix} "
            f"before '{layer.name}'.")

    @staticmethod
    def first_dense_of_head(output):
        call, first = output.producer, None
        while call.layer.class_name in HEAD and len(call.inputs) == 1:
            if call.layer.class_name == "Dense":
                first = call
            call = call.inputs[0].producer
        return first


def one_per_sample(loss: str, target: tuple, output: tuple) -> bool:
    """Whether cross-entropy targets of this shape hold one label (or one row of class
    scores) per sample for a 3-D output: a 2-D output is what they need. Targets with a time
    axis (per-timestep training) are not."""
    if len(output) != 3 or not is_int(output[-1]):
        return False
    labels = len(target) == 1 or (len(target) == 2 and target[-1] == 1)
    if loss in SPARSE_LOSSES or (loss in BINARY_LOSSES and output[-1] == 1):
        return labels
    if loss in CATEGORICAL_LOSSES or loss in BINARY_LOSSES:
        target, _ = squeeze_or_expand(target, output)
        return len(target) == 2 and target[-1] == output[-1]
    return False
