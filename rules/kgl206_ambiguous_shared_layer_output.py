from kgraphlint.rule import Invalid, Rule, Severity


class AmbiguousSharedLayerOutput(Rule):
    """``.output``, ``.input``, ``.output_shape`` or ``.input_shape`` read on a layer called more than once.

    ## What it does
    Reports these attributes read on a layer object that had already been called on more
    than one tensor.

    ## Why is this bad?
    Which call's tensor is meant is ambiguous. Keras 2 raises "Layer has multiple inbound
    nodes, hence the notion of "layer output" is ill-defined". Keras 3 silently returns the
    first call's tensor for ``.output``/``.input`` (a warning here: the code may use the
    wrong branch), and has no ``.output_shape``/``.input_shape`` on layers at all
    (AttributeError, an error).

    ## How to fix
    Keep the tensor each call returns (``a = shared(x)``) and use it, or use
    ``layer.get_output_at(i)`` in Keras 2.
    """

    code = "KGL206"
    name = "ambiguous-shared-layer-output"
    severity = Severity.ERROR
    summary = ".output/.input/.output_shape/.input_shape read on a layer called more than once"
    bad = (Invalid("""
import keras
from keras import layers
reader = layers.LSTM(32)
a = keras.Input(shape=(10, 8))
b = keras.Input(shape=(10, 8))
left, right = reader(a), reader(b)
features = reader.output
model = keras.Model([a, b], layers.concatenate([left, right]))
""", spans=((8, 12, 8, 25),)),)
    good = ("""
import keras
from keras import layers
reader = layers.LSTM(32)
a = keras.Input(shape=(10, 8))
b = keras.Input(shape=(10, 8))
left, right = reader(a), reader(b)
features = left
model = keras.Model([a, b], layers.concatenate([left, right]))
""",)

    def check(self, ctx):
        for read in ctx.analysis.facts.attribute_reads:
            if read.calls_so_far < 2 or not read.certain:
                continue
            layer, attribute = read.layer, read.attribute
            if ctx.keras_version == "2":
                severity = Severity.ERROR
                effect = ("Keras 2 raises \"Layer has multiple inbound nodes, hence the notion of "
                          f"\"layer {attribute.split('_')[0]}\" is ill-defined\"")
            elif attribute.endswith("_shape"):
                severity = Severity.ERROR
                effect = f"Keras 3 layers have no .{attribute} (AttributeError)"
            else:
                severity = Severity.WARNING
                effect = (f"Keras 3 silently returns the first call's {attribute} tensor, which may not be the "
                          f"branch meant")
            message = (f"{layer.class_name} '{layer.name}' is called {read.calls_so_far} times, so "
                       f"'{layer.name}.{attribute}' is ambiguous: {effect}. Use the tensor the intended call "
                       f"returned instead.")
            related = [(call.node, f"call {i + 1} of '{layer.name}'") for i, call in enumerate(layer.calls[:read.calls_so_far])]
            yield ctx.finding(read.node, message, severity=severity, related=related)
