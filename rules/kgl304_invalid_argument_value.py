import difflib

from kgraphlint.keras.families import DROPOUTS, RECURRENT
from kgraphlint.keras.overlay import layer_input_shape
from kgraphlint.rule import Invalid, Rule, Severity
from kgraphlint.keras.shapes import dims_conflict, format_shape, is_int
from kgraphlint.keras.signatures import activation_names

POSITIVE_INTS = ("units", "filters")
WINDOWS = ("kernel_size", "strides", "pool_size", "dilation_rate")
SHAPE_KEYWORDS = frozenset({"input_shape", "input_dim", "batch_input_shape"})
#: the arguments whose given values the checks read
CHECKED = frozenset({"shape", "rate", "dropout", "recurrent_dropout", "activation", "padding", "output_dim",
                     *POSITIVE_INTS, *WINDOWS, *SHAPE_KEYWORDS})


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def fraction_hint(value: float) -> str:
    """A likely intended fraction: 20 was probably meant as 0.2."""
    if float(value).is_integer() and 2 <= value < 100:
        return f"{value / 100:g} (not a percentage)"
    return "a fraction such as 0.5"


def allowed_paddings(class_name: str) -> set[str] | None:
    if class_name.startswith(("Conv1D", "SeparableConv1D", "DepthwiseConv1D")):
        return {"valid", "same", "causal"}
    if class_name.startswith(("Conv", "SeparableConv", "DepthwiseConv")):
        return {"valid", "same"}
    if "Pooling" in class_name and not class_name.startswith("Global"):
        return {"valid", "same", "causal"}
    return None


class InvalidArgumentValue(Rule):
    """An argument value of the wrong type, or one that is impossible.

    ## What it does
    Checks literal argument values: ``input_shape=784`` (a shape must be a tuple),
    ``input_dim=(784,)`` (an int), a dropout rate outside [0, 1], an unknown activation
    name, a padding other than 'valid'/'same' (or 'causal' for Conv1D), non-positive
    units, filters, kernel sizes or strides, and a ``stateful=True`` recurrent layer whose
    batch size is not fixed. Two are warnings because Keras accepts them silently: a
    recurrent layer's dropout above 1 (clamped to 1.0, dropping every input), and
    ``input_shape``/``input_dim`` on a layer that is not the first of a Sequential model
    when it disagrees with the input the layer really gets (ignored).

    ## Why is this bad?
    Keras raises when the layer is created or the model is built ("Cannot convert '784' to
    a shape", "Could not interpret activation function identifier: rellu").

    ## How to fix
    Use a value of the documented type and range; the message names it.
    """

    code = "KGL304"
    name = "invalid-argument-value"
    severity = Severity.ERROR
    summary = "a value of the wrong type or an impossible value (input_shape=784, Dropout(1.5), 'rellu')"
    bad = (Invalid("""
import keras
from keras import layers
model = keras.Sequential([layers.Dense(64, input_dim=(784,), activation="relu"), layers.Dense(10)])
""", spans=((4, 44, 4, 60),)), Invalid("""
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(64, activation="rellu"), layers.Dropout(1.5)])
""", spans=((4, 71, 4, 89), (4, 107, 4, 110))), Invalid("""
import keras
from keras import layers
model = keras.Sequential([layers.Dense(64, input_shape=784), layers.Conv1D(8, 3, padding="similar")])
""", spans=((4, 44, 4, 59), (4, 82, 4, 99))), Invalid("""
import keras
from keras import layers
model = keras.Sequential([layers.Dense(64, input_dim=784, activation="relu"), layers.Dense(32, input_dim=100)])
""", spans=((4, 96, 4, 109),)), Invalid("""
import keras
from keras import layers
steps = keras.Input(shape=(10, 4))
model = keras.Model(steps, layers.LSTM(8, stateful=True)(steps))
""", spans=((5, 43, 5, 56),)))
    good = ("""
import keras
from keras import layers
model = keras.Sequential([layers.Dense(64, input_dim=784, activation="relu"), layers.Dropout(0.5), layers.Dense(10)])
""",)

    def check(self, ctx):
        in_sequential = {id(layer) for record in ctx.analysis.facts.records if record.kind == "sequential"
                         for layer in record.layers}
        for layer in ctx.layers:
            if not layer.arg_nodes:
                continue  # nothing given, nothing wrong (most layers give some arguments)
            problems = [*self.problems(layer), *self.ignored_input_shape(layer, id(layer) in in_sequential),
                        *self.stateful(layer)]
            for argument, message, severity in problems:
                node = layer.keyword_args.get(argument) or layer.arg_nodes.get(argument) or layer.construct
                yield ctx.finding(node, f"{layer.class_name} '{layer.name}': {message}", severity=severity)

    @staticmethod
    def ignored_input_shape(layer, in_sequential: bool):
        """input_shape/input_dim on a layer whose input comes from elsewhere: Keras ignores it."""
        keywords = layer.input_shape_keywords() if SHAPE_KEYWORDS & layer.arg_nodes.keys() else {}
        declared = layer_input_shape(keywords) if keywords else None
        if not isinstance(declared, tuple) or not layer.calls or not layer.calls[0].inputs:
            return
        call = layer.calls[0]
        actual = call.inputs[0].shape
        if call.inputs[0].producer.node is layer.construct or not actual:
            return  # the first layer of a Sequential: its input_shape made the model's Input
        differs = len(actual) != len(declared) or any(dims_conflict(a, d) for a, d in zip(actual, declared))
        if differs:
            keyword = "input_dim" if "input_dim" in keywords else "input_shape"
            where = ("the layer is not the first of a Sequential model" if in_sequential else
                     "the layer is called on a tensor (the functional API: the model's Input decides the shape)")
            yield keyword, (f"{keyword} declares input {format_shape(declared)}, but {where} and really receives "
                            f"{format_shape(actual)}: Keras ignores {keyword} here. Remove it, or fix the layers "
                            f"before it."), Severity.WARNING

    @staticmethod
    def stateful(layer):
        if layer.class_name not in RECURRENT or layer.config.get("stateful") is not True:
            return
        for call in layer.calls[:1]:
            shape = call.inputs[0].shape if call.inputs else None
            if shape and shape[0] is None:
                yield "stateful", ("stateful=True needs a fixed batch size, but the input's batch size is not "
                                   "set: Keras raises \"When using `stateful=True` in a RNN, the batch size must "
                                   "be static\". Give the Input batch_size=... (or batch_shape=...)."), None

    def problems(self, layer):
        # Only the arguments some check below reads (a layer is given many others).
        given = {k: layer.config[k] for k in layer.arg_nodes if k in CHECKED and k in layer.config}
        shape_keywords = layer.input_shape_keywords() if SHAPE_KEYWORDS & given.keys() else {}
        if layer.is_input:
            shape = given.get("shape")
            if is_int(shape):
                yield "shape", (f"shape={shape} is not a shape: Keras raises \"Cannot convert '{shape}' to a "
                                f"shape\". Write shape=({shape},)."), None
            return
        if is_int(shape_keywords.get("input_shape")):
            value = shape_keywords["input_shape"]
            yield "input_shape", (f"input_shape={value} is not a shape: Keras raises \"Cannot convert '{value}' "
                                  f"to a shape\". Write input_shape=({value},)."), None
        if isinstance(shape_keywords.get("input_dim"), (tuple, list)):
            value = tuple(shape_keywords["input_dim"])
            fix = f"input_dim={value[0]} or input_shape={value}" if len(value) == 1 else f"input_shape={value}"
            yield "input_dim", (f"input_dim={value} must be an int (the number of input features): Keras raises "
                                f"\"Cannot convert ... to a shape\". Write {fix}."), None
        rate = given.get("rate")
        if layer.class_name in DROPOUTS and is_number(rate) and not 0 <= rate <= 1:
            yield "rate", (f"rate={rate} is not a fraction: Keras raises \"Expected a float value between 0 "
                           f"and 1\". Write {fraction_hint(rate)}."), None
        if layer.class_name in RECURRENT:
            for key in ("dropout", "recurrent_dropout"):
                value = given.get(key)
                if is_number(value) and value > 1:
                    yield key, (f"{key}={value} is above 1: Keras silently clamps it to 1.0, which drops "
                                f"every input. Write {fraction_hint(value)}."), Severity.WARNING
        activation = given.get("activation")
        if isinstance(activation, str) and activation not in activation_names():
            close = difflib.get_close_matches(activation.lower(), sorted(activation_names()), n=1, cutoff=0.6)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            yield "activation", (f"activation='{activation}' is not a Keras activation: Keras raises \"Could not "
                                 f"interpret activation function identifier\".{hint}"), None
        padding, allowed = given.get("padding"), allowed_paddings(layer.class_name)
        if isinstance(padding, str) and allowed is not None and padding.lower() not in allowed:
            options = " or ".join(f"'{p}'" for p in sorted(allowed))
            yield "padding", f"padding='{padding}' is not a padding mode: use {options}.", None
        for key in POSITIVE_INTS:
            value = given.get(key)
            if is_number(value) and (not is_int(value) or value <= 0):
                yield key, (f"{key}={value} must be a positive integer: Keras raises \"Received an invalid "
                            f"value for `{key}`\"."), None
        for key in WINDOWS:
            if key not in given:
                continue
            value = given[key]
            values = value if isinstance(value, (tuple, list)) else (value,)
            if any(is_int(v) and v <= 0 for v in values):
                yield key, f"{key}={value} must be positive: Keras raises when the layer is created.", None
        if layer.class_name in ("Conv1D", "Conv2D", "Conv3D"):
            strides = layer.config.get("strides", 1)
            dilation = layer.config.get("dilation_rate", 1)
            as_tuple = lambda v: v if isinstance(v, (tuple, list)) else (v,)  # noqa: E731
            if any(is_int(s) and s > 1 for s in as_tuple(strides)) and any(
                    is_int(d) and d > 1 for d in as_tuple(dilation)):
                yield "dilation_rate", (f"strides={strides} with dilation_rate={dilation}: Keras raises \"`strides > 1` "
                                        f"not supported in conjunction with `dilation_rate > 1`\". Use one or the "
                                        f"other."), None
        if layer.class_name == "Embedding":
            for key in ("input_dim", "output_dim"):
                value = given.get(key)
                if is_int(value) and value <= 0:
                    yield key, f"{key}={value} must be a positive integer.", None
