from kgraphlint.keras.layers.base import channels_last, int_tuple
from kgraphlint.rule import Invalid, Rule, Severity
from kgraphlint.keras.shapes import is_int

WINDOW_ARGUMENT = {f"Conv{r}D": (r, "kernel_size") for r in (1, 2, 3)}
WINDOW_ARGUMENT.update({f"{kind}Pooling{r}D": (r, "pool_size") for kind in ("Max", "Average") for r in (1, 2, 3)})


class ShrinkingFeatureMaps(Rule):
    """A feature map already smaller than the next kernel or pooling window.

    ## What it does
    Reports a convolution or pooling whose input is smaller, on some spatial axis, than
    its window, where ``padding="same"`` keeps Keras from raising (with "valid" it would be
    the nonpositive-dimension error).

    ## Why is this bad?
    The window mostly covers padding: a 3x3 kernel on a 2x2 map, or a 2x2 pool on a 1x1
    map, adds computation and parameters but sees almost nothing. The stack of pooling or
    strided layers before it shrank the map too far.

    ## How to fix
    Remove a downsampling stage, or use larger inputs.
    """

    code = "KGL707"
    name = "shrinking-feature-maps"
    severity = Severity.INFO
    category = "design"
    summary = "a pooling/strided stack that leaves a feature map smaller than the next kernel or pool window"
    bad = (Invalid("""
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(8, 8, 3)), layers.MaxPooling2D(2), layers.MaxPooling2D(2),
                          layers.Conv2D(16, 3, padding="same")])
""", spans=((5, 27, 5, 63),)), Invalid("""
import keras
from keras import layers
x = keras.Input(shape=(8, 8, 3))
a = layers.Conv2D(8, 3, strides=4, padding="same", activation="relu")(x)
a = layers.Conv2D(8, 3, padding="same")(a)
b = layers.Conv2D(8, 1, strides=4)(x)
model = keras.Model(x, layers.add([a, b]))
""", spans=((6, 5, 6, 43),)))
    good = ("""
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(8, 8, 3)), layers.MaxPooling2D(2),
                          layers.Conv2D(16, 3, padding="same")])
""",)

    def check(self, ctx):
        for call in ctx.model_calls():
            if call.layer.class_name not in WINDOW_ARGUMENT or not call.inputs:
                continue
            rank, argument = WINDOW_ARGUMENT[call.layer.class_name]
            config, shape = call.layer.config, call.inputs[0].shape
            last = channels_last(config)
            window = int_tuple(config.get(argument), rank)
            if not shape or len(shape) != rank + 2 or last not in (True, False) or not isinstance(window, tuple):
                continue
            if str(config.get("padding", "valid")).lower() != "same":
                continue
            spatial = shape[1:-1] if last else shape[2:]
            if any(is_int(n) and n < k for n, k in zip(spatial, window)):
                sizes = "x".join(str(n) for n in spatial)
                yield ctx.finding(call.node, (
                    f"{ctx.call_name(call)} slides a {'x'.join(map(str, window))} window over a {sizes} feature "
                    f"map: with padding=\"same\" it mostly sees padding. The layers before it shrank the map too "
                    f"far; remove a downsampling stage or use larger inputs."))
