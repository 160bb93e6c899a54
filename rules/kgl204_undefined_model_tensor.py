from kgraphlint.rule import Invalid, Rule, Severity


class UndefinedModelTensor(Rule):
    """``Model(...)`` given a name that is not defined, or that is not a tensor.

    ## What it does
    Checks each name passed as a model's inputs or outputs: it must be defined in the file
    and hold a Keras tensor (the result of ``Input(...)`` or of calling a layer).

    ## Why is this bad?
    An undefined name raises NameError; a layer object or another value makes Keras raise a
    type error. The classic case is a name spelt in another order than where it was defined
    (``input_posts`` for ``posts_input``).

    ## How to fix
    Use the name the tensor was defined with; call a layer on a tensor before passing it.
    """

    code = "KGL204"
    name = "undefined-model-tensor"
    severity = Severity.ERROR
    summary = "Model(...) given a name that is not defined or is not a tensor"
    bad = (Invalid("""
import keras
from keras import layers
posts_input = keras.Input(shape=(100,))
age = layers.Dense(1)(posts_input)
model = keras.Model(input_posts, age)
""", spans=((6, 21, 6, 32),)), Invalid("""
import keras
from keras import layers
inputs = keras.Input(shape=(100,))
head = layers.Dense(1)
model = keras.Model(inputs, head)
""", spans=((6, 29, 6, 33),)))
    good = ("""
import keras
from keras import layers
posts_input = keras.Input(shape=(100,))
age = layers.Dense(1)(posts_input)
model = keras.Model(posts_input, age)
""",)

    def check(self, ctx):
        for problem in ctx.analysis.facts.model_problems:
            if problem.reason == "undefined":
                message = (f"Model(...) is given '{problem.name}' as its {problem.role}, but no name "
                           f"'{problem.name}' is defined in this file: Python raises NameError.")
            else:
                message = (f"Model(...) is given '{problem.name}' as its {problem.role}, but it holds "
                           f"{problem.kind}, not a tensor. Call the layer on a tensor and pass the result.")
            related = [(node, f"'{name}' is defined here") for name, node in problem.candidates]
            if problem.candidates:
                message += " Did you mean " + " or ".join(f"'{name}'" for name, _ in problem.candidates) + "?"
            yield ctx.finding(problem.node, message, related=related)
