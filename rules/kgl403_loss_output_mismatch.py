from kgraphlint.rule import Invalid, Rule, Severity, plural
from kgraphlint.feeding.training import output_names


class LossOutputMismatch(Rule):
    """compile's loss, loss_weights or metrics that do not match the model's outputs.

    ## What it does
    Compares the structure of ``compile(loss=..., loss_weights=..., metrics=...)`` with the
    model's outputs: a list must have one entry per output, a dict's keys must be output
    layer names (each output once).

    ## Why is this bad?
    ``compile`` checks none of it; the first ``fit`` or ``evaluate`` fails ("The path: (2,)
    in the `loss` argument, can't be found", "Expected keys ['age', 'income'] in loss
    dict", "`loss_weights` must match the number of losses"). A loss list that is too short
    is accepted silently: the outputs after it get no loss and are never trained.

    ## How to fix
    Give one entry per output, in output order, or a dict keyed by the output layers'
    ``name=``.
    """

    code = "KGL403"
    name = "loss-output-mismatch"
    severity = Severity.ERROR
    summary = "compile's loss/loss_weights/metrics list or dict that does not match the outputs"
    bad = (Invalid("""
import keras
from keras import layers
x = keras.Input(shape=(16,))
age = layers.Dense(1, name="age")(x)
income = layers.Dense(10, activation="softmax", name="income")(x)
model = keras.Model(x, [age, income])
model.compile(optimizer="rmsprop", loss={"age": "mse", "incomes": "categorical_crossentropy"})
""", spans=((8, 41, 8, 94),)), Invalid("""
import keras
from keras import layers
x = keras.Input(shape=(16,))
age = layers.Dense(1, name="age")(x)
income = layers.Dense(10, activation="softmax", name="income")(x)
model = keras.Model(x, [age, income])
model.compile(optimizer="rmsprop", loss=["mse", "categorical_crossentropy"], loss_weights=[0.25, 1.0, 10.0])
""", spans=((8, 91, 8, 108),)))
    good = ("""
import keras
from keras import layers
x = keras.Input(shape=(16,))
age = layers.Dense(1, name="age")(x)
income = layers.Dense(10, activation="softmax", name="income")(x)
model = keras.Model(x, [age, income])
model.compile(optimizer="rmsprop", loss={"age": "mse", "income": "categorical_crossentropy"},
              loss_weights={"age": 0.25, "income": 1.0}, metrics={"income": ["accuracy"]})
""",)

    def check(self, ctx):
        for use in ctx.analysis.facts.model_uses:
            if use.method != "compile" or not use.model.built:
                continue
            names = output_names(use.model)
            if names is None:
                continue  # an output's name is not known
            losses = use.argument(1, "loss")
            for argument, position in (("loss", 1), ("loss_weights", 3), ("metrics", 2)):
                value = use.argument(position, argument)
                problem = self.problem(argument, value, names, losses, use.model.output_keys is not None)
                if problem is not None:
                    message, severity = problem
                    yield ctx.finding(use.argument_node(position, argument), message, severity=severity)

    @staticmethod
    def problem(argument: str, value: object, names: list[str], losses: object, dict_outputs: bool):
        n = len(names)
        listing = ", ".join(f"'{name}'" for name in names)
        if isinstance(value, dict):
            unknown = [k for k in value if k not in names]
            missing = [k for k in names if k not in value] if argument == "loss" else []
            if not unknown and not missing:
                return None
            if not unknown and dict_outputs:
                # A model whose outputs are a dict accepts a loss dict without some keys.
                untrained = (f"output '{missing[0]}' gets no loss and is never trained" if len(missing) == 1 else
                             f"outputs {', '.join(repr(m) for m in missing)} get no loss and are never trained")
                return (f"compile(loss={{...}}) has no entry for {', '.join(repr(m) for m in missing)}: Keras accepts "
                        f"this silently and {untrained}. Give every output a loss.", Severity.WARNING)
            parts = []
            if unknown:
                parts.append(f"{', '.join(repr(k) for k in unknown)} {'name' if len(unknown) > 1 else 'names'} no output")
            if missing:
                parts.append(f"output{'s' if len(missing) > 1 else ''} {', '.join(repr(k) for k in missing)} "
                             f"{'have' if len(missing) > 1 else 'has'} no entry")
            return (f"compile({argument}={{...}}): {' and '.join(parts)}. The model's outputs are {listing}; "
                    f"Keras fails at the first fit or evaluate. Key the dict by the output layers' names.",
                    None)
        if not isinstance(value, (list, tuple)):
            return None
        if argument == "loss_weights" and isinstance(losses, (list, tuple)):
            expected, what = len(losses), "losses"
        else:
            expected, what = n, "outputs"
        if argument == "metrics" and n == 1:
            return None
        if len(value) == expected:
            return None
        if argument == "loss" and len(value) < n:
            rest = names[len(value):]
            untrained = (f"output '{rest[0]}' gets no loss and is never trained" if len(rest) == 1 else
                         f"outputs {', '.join(repr(r) for r in rest)} get no loss and are never trained")
            return (f"compile(loss=[...]) has {plural(len(value), 'loss')} for {n} outputs ({listing}): Keras "
                    f"accepts this silently and {untrained}. Give one loss per output.", Severity.WARNING)
        return (f"compile({argument}=[...]) has {plural(len(value), 'entry')} for {expected} {what} ({listing}): "
                f"Keras fails by the first fit or evaluate. Give one entry per output, in order, or a dict keyed "
                f"by output name.", None)
