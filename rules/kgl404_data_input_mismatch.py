from kgraphlint.rule import Invalid, Rule, Severity
from kgraphlint.feeding.training import DATA_METHODS, input_names, output_names


def looks_like_arrays(items: list) -> bool:
    """A list of arrays (or of values not known), not a list of plain numbers."""
    return not any(isinstance(item, (int, float, bool, list, tuple)) for item in items)


class DataInputMismatch(Rule):
    """fit/evaluate/predict given data whose structure does not match the model's inputs or outputs.

    ## What it does
    Checks the ``x`` (and ``y``) given to fit, evaluate, predict, train_on_batch,
    test_on_batch and predict_on_batch: a dict's keys must be the model's input (output)
    layer names, a list must hold one array per input (output).

    ## Why is this bad?
    Keras raises once the call starts: "Missing data for input "feat". You passed a data
    dictionary with keys ['feet']", "expects 1 named input(s) ... but it received 2 input
    tensors", "y_true and y_pred have different structures".

    ## How to fix
    Key dicts by the ``name=`` given to each Input (or output layer); give one array per
    input, in the order of ``Model(inputs=[...])``.
    """

    code = "KGL404"
    name = "data-input-mismatch"
    severity = Severity.ERROR
    summary = "fit/evaluate/predict given a dict or list that does not match the inputs or outputs"
    bad = (Invalid("""
import keras
import numpy as np
from keras import layers
text = keras.Input(shape=(100,), name="text")
question = keras.Input(shape=(20,), name="question")
answer = layers.Dense(5, activation="softmax")(layers.concatenate([text, question]))
model = keras.Model([text, question], answer)
model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
model.fit({"text": np.zeros((8, 100)), "questions": np.zeros((8, 20))}, np.zeros((8, 5)))
""", spans=((10, 11, 10, 71),)),)
    good = ("""
import keras
import numpy as np
from keras import layers
text = keras.Input(shape=(100,), name="text")
question = keras.Input(shape=(20,), name="question")
answer = layers.Dense(5, activation="softmax")(layers.concatenate([text, question]))
model = keras.Model([text, question], answer)
model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
model.fit({"text": np.zeros((8, 100)), "question": np.zeros((8, 20))}, np.zeros((8, 5)))
""",)

    def check(self, ctx):
        for use in ctx.analysis.facts.model_uses:
            if use.method not in DATA_METHODS or not use.model.built:
                continue
            roles = [("x", 0, input_names(use.model), "input")]
            if use.method not in ("predict", "predict_on_batch"):
                roles.append(("y", 1, output_names(use.model), "output"))
            for argument, position, names, kind in roles:
                if names is None:
                    continue  # a name is not known
                value = use.argument(position, argument)
                message = self.problem(use.method, argument, value, names, kind)
                if message is not None:
                    yield ctx.finding(use.argument_node(position, argument), message)

    @staticmethod
    def problem(method: str, argument: str, value: object, names: list[str], kind: str) -> str | None:
        listing = ", ".join(f"'{name}'" for name in names)
        if isinstance(value, dict):
            missing = [n for n in names if n not in value]
            unknown = [k for k in value if k not in names]
            if not missing:
                return None
            extra = f" (it has {', '.join(repr(k) for k in unknown)} instead)" if unknown else ""
            return (f"{method}({argument}={{...}}) has no entry for {kind}{'s' if len(missing) > 1 else ''} "
                    f"{', '.join(repr(m) for m in missing)}{extra}: the model's {kind}s are {listing}. Keras raises "
                    f"when {method} starts. Key the dict by the {kind} layers' names.")
        if isinstance(value, (list, tuple)) and value and looks_like_arrays(list(value)) and len(value) != len(names):
            return (f"{method}({argument}=[...]) gives {len(value)} arrays, but the model has {len(names)} "
                    f"{kind}{'s' if len(names) != 1 else ''} ({listing}): Keras raises when {method} starts. "
                    f"Give one array per {kind}, in order.")
        return None
