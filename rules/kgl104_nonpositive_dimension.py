from kgraphlint.keras.layers.base import channels_last, int_tuple
from kgraphlint.rule import Invalid, Rule, Severity
from kgraphlint.keras.shapes import conv_output_length, format_shape, is_int

WINDOWED = {}
for _rank in (1, 2, 3):
    WINDOWED[f"Conv{_rank}D"] = (_rank, "kernel_size")
    WINDOWED[f"MaxPooling{_rank}D"] = (_rank, "pool_size")
    WINDOWED[f"AveragePooling{_rank}D"] = (_rank, "pool_size")


class NonpositiveDimension(Rule):
    """A convolution or pooling whose output would have a size of zero or less.

    ## What it does
    Computes each spatial axis of a convolution or pooling output the way Keras does
    (kernel, strides, dilation, padding) and reports one that is not positive.

    ## Why is this bad?
    Keras raises "Computed output size would be zero or negative" when the model is built.
    It happens when a stack of stages shrinks the feature map below the next window.

    ## How to fix
    Use fewer downsampling stages, padding='same', a smaller window, or larger inputs.
    """

    code = "KGL104"
    name = "nonpositive-dimension"
    severity = Severity.ERROR
    summary = "a convolution or pooling whose output size becomes zero or negative"
    bad = (Invalid("""
import keras
from keras import layers
x = keras.Input(shape=(8, 8, 3))
y = layers.MaxPooling2D(2)(x)
y = layers.MaxPooling2D(2)(y)
y = layers.Conv2D(16, 3)(y)
model = keras.Model(x, y)
""", spans=((7, 5, 7, 28),)),)
    good = ("""
import keras
from keras import layers
x = keras.Input(shape=(8, 8, 3))
y = layers.MaxPooling2D(2)(x)
y = layers.MaxPooling2D(2)(y)
y = layers.Conv2D(16, 2)(y)
model = keras.Model(x, y)
""",)

    def check(self, ctx):
        for call in ctx.certain_calls(*WINDOWED):
            rank, window_arg = WINDOWED[call.layer.class_name]
            config = call.layer.config
            tensor = call.inputs[0]
            last = channels_last(config)
            if not tensor.shape or len(tensor.shape) != rank + 2 or last not in (True, False):
                continue
            window = int_tuple(config.get(window_arg), rank)
            raw_strides = config.get("strides", 1)
            strides = window if raw_strides is None else int_tuple(raw_strides, rank)
            dilation = int_tuple(config.get("dilation_rate", 1), rank)
            if not all(isinstance(v, tuple) for v in (window, strides, dilation)):
                continue
            spatial = tensor.shape[1:-1] if last else tensor.shape[2:]
            sizes = [conv_output_length(n, k, s, config.get("padding", "valid"), d)
                     for n, k, s, d in zip(spatial, window, strides, dilation)]
            if not any(is_int(size) and size <= 0 for size in sizes):
                continue
            layer = call.layer
            shown = "x".join(str(s) if is_int(s) else "?" for s in sizes)
            message = (f"{layer.class_name} '{layer.name}' with {window_arg} {window} on {ctx.describe(tensor)} "
                       f"would produce a {shown} output. Keras raises \"Computed output size would be zero "
                       f"or negative\" when the model is built. The input is too small at this point: use "
                       f"padding='same', a smaller {window_arg}, fewer downsampling stages, or larger inputs.")
            related = [(tensor.producer.node, f"'{tensor.producer.layer.name}' produces {format_shape(tensor.shape)}")]
            yield ctx.finding(call.node, message, related=related)
