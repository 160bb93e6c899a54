from kgraphlint.rule import Invalid, Rule, Severity


class UnusedInput(Rule):
    """An Input passed to ``Model(...)`` that no output depends on.

    ## What it does
    Reports a functional model input from which no path leads to any model output.

    ## Why is this bad?
    Keras builds the model without a word, but the data fed to that input is ignored: the
    model is not using the information the code says it uses, and every fit/predict call
    still has to supply an array for it.

    ## How to fix
    Connect the input to the layers that should read it, or drop it from the model.
    """

    code = "KGL202"
    name = "unused-input"
    severity = Severity.WARNING
    summary = "an Input passed to Model that no output depends on"
    bad = (Invalid("""
import keras
from keras import layers
image = keras.Input(shape=(64,))
metadata = keras.Input(shape=(8,))
score = layers.Dense(1)(image)
model = keras.Model([image, metadata], score)
""", spans=((7, 9, 7, 46),)),)
    good = ("""
import keras
from keras import layers
image = keras.Input(shape=(64,))
metadata = keras.Input(shape=(8,))
score = layers.Dense(1)(layers.concatenate([image, metadata]))
model = keras.Model([image, metadata], score)
""",)

    def check(self, ctx):
        for model in ctx.models:
            if model.kind != "functional" or model.record.with_defaults or not model.record.outputs_known:
                # built with its defaults: an input unused there may be used with other
                # arguments; outputs not followed: what they depend on is not known
                continue
            outputs = {t.producer for t in model.record.outputs}
            for tensor in model.record.inputs:
                call = tensor.producer
                if call in outputs or not call.layer.is_input:
                    continue
                if any(t.escaped for t in descendant_tensors(ctx.analysis.consumers, call)):
                    continue  # it went where the analysis could not follow: it may be used there
                if not model.feeds_an_output(call):
                    message = (f"Input '{call.layer.name}' ({ctx.where(call.node)}) is an input of model "
                               f"'{model.name}', but none of its outputs depends on it: Keras accepts this silently "
                               f"and ignores the data fed to it. Connect it to the layers that should read it, "
                               f"or remove it from the inputs.")
                    yield ctx.finding(model.record.node, message, related=[(call.node, f"Input '{call.layer.name}'")])


def descendant_tensors(consumers: dict, call) -> list:
    """The tensors ``call`` makes and every tensor computed from them."""
    found, stack, seen = [], [call], set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        found.extend(current.outputs)
        stack.extend(consumers.get(current, []))
    return found
