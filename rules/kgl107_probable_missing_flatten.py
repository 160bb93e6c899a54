from kgraphlint.keras.families import UPSAMPLING
from kgraphlint.rule import Invalid, Rule, Severity
from kgraphlint.keras.shapes import format_shape

#: layers a classifier head commonly stacks after the first Dense
#: layers that change a feature map's size, so its head may be meant to keep the spatial axes
RESIZING = UPSAMPLING + ("Resizing",)
HEAD = ("Dense", "Dropout", "Activation", "BatchNormalization", "LayerNormalization")


class ProbableMissingFlatten(Rule):
    """Dense applied to a conv/pool feature map, so the model's output keeps spatial axes.

    ## What it does
    Follows each model output back through its Dense head. If the first Dense of the head
    reads a 4-D (or 5-D) feature map, the output still has the spatial axes, e.g.
    (None, 4, 4, 10) where a classifier meant (None, 10). Outputs as large as the input
    image (segmentation) and models that upsample are not reported.

    ## Why is this bad?
    Dense acts on the last axis only, so the model predicts one class distribution per
    feature-map cell. Keras builds it without complaint; training then fails on the label
    shape, or, worse, broadcasts and trains the wrong thing.

    ## How to fix
    Add ``layers.Flatten()`` or ``layers.GlobalAveragePooling2D()`` before the first Dense.
    """

    code = "KGL107"
    name = "probable-missing-flatten"
    severity = Severity.WARNING
    summary = "Dense on an unflattened conv/pool feature map, so the output keeps spatial axes"
    bad = (Invalid("""
import keras
from keras import layers
image = keras.Input(shape=(28, 28, 1))
x = layers.Conv2D(32, 3, activation="relu")(image)
x = layers.MaxPooling2D(2)(x)
x = layers.Dense(64, activation="relu")(x)
digit = layers.Dense(10, activation="softmax")(x)
model = keras.Model(image, digit)
""", spans=((7, 5, 7, 43),)),)
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
""",)

    def check(self, ctx):
        for model in ctx.models:
            if any(c.layer.class_name in RESIZING for c in model.calls):
                continue
            input_spatial = {tuple(t.shape[1:-1]) for t in model.record.inputs if t.shape}
            for output in model.record.outputs:
                first_dense = self.first_dense_of_head(output)
                if first_dense is None or not output.shape or len(output.shape) < 4:
                    continue
                fed = first_dense.inputs[0]
                if not fed.shape or len(fed.shape) < 4 or tuple(output.shape[1:-1]) in input_spatial:
                    continue
                layer = first_dense.layer
                out_layer = output.producer.layer
                message = (
                    f"Dense '{layer.name}' is applied to the {len(fed.shape)}-D feature map {ctx.describe(fed)}, "
                    f"so the model output '{out_layer.name}' keeps its spatial axes: {format_shape(output.shape)} "
                    f"instead of (None, {output.shape[-1]}). Dense only acts on the last axis. Add "
                    f"layers.Flatten() (or layers.GlobalAveragePooling{len(fed.shape) - 2}D()) before '{layer.name}'.")
                related = [(output.producer.node, f"model output '{out_layer.name}' is {format_shape(output.shape)}")]
                yield ctx.finding(first_dense.node, message, related=related)

    @staticmethod
    def first_dense_of_head(output):
        call, first = output.producer, None
        while call.layer.class_name in HEAD and len(call.inputs) == 1:
            if call.layer.class_name == "Dense":
                first = call
            call = call.inputs[0].producer
        return first
