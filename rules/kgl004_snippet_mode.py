from kgraphlint.rule import Invalid, Rule, Severity


class SnippetMode(Rule):
    """Keras names used without an import: the file is read as a snippet of Keras 1/2 code.

    ## What it does
    Code pasted from a question, an answer or a chat often leaves its imports out
    (``model = Sequential()``, ``model.add(Dense(10))``). When a file uses such names and is
    plainly Keras (it calls ``Sequential(...)`` or ``Model(...)``, adds a Keras layer with
    ``.add``, or compiles with a loss or an optimizer), kgraphlint reads each name that the
    file binds nowhere as the Keras of the snippet's day imported it: from the first of
    ``keras.layers``, ``keras.models``, ``keras.optimizers`` and ``keras.utils`` that has it,
    and checks the model it builds. This note says so once, at the first such name, and
    lists them.

    ## Why is this bad?
    As written, Python raises NameError at that name. The findings on the file are those of
    the program with the imports listed here.

    ## How to fix
    Add the imports the note lists (or ignore the note for snippets kept as they are).
    """

    code = "KGL004"
    name = "snippet-mode"
    severity = Severity.INFO
    summary = "Keras names used without an import: the file is read as a snippet with its imports left out"
    bad = (Invalid("""
model = Sequential()
model.add(Dense(10, activation="softmax", input_shape=(784,)))
model.compile(loss="categorical_crossentropy", optimizer=Adam())
""", spans=((2, 9, 2, 19),)),)
    good = ("""
from keras.models import Sequential
from keras.layers import Dense
model = Sequential()
model.add(Dense(10, activation="softmax", input_shape=(784,)))
""", """
from mylib import *  # any name may come from here
model = Sequential()
model.add(Dense(10))
""")

    def check(self, ctx):
        names = ctx.analysis.facts.snippet_names
        if not names:
            return
        ordered = sorted(names.values(), key=lambda n: (ctx.analysis.span(n.node).line, ctx.analysis.span(n.node).column))
        modules: dict[str, list[str]] = {}
        for name in ordered:
            modules.setdefault(name.dotted.rpartition(".")[0], []).append(name.name)
        listing = "; ".join(f"from {module} import {', '.join(found)}" for module, found in modules.items())
        first = ordered[0]
        yield ctx.finding(first.node, (
            f"'{first.name}' is used without an import: kgraphlint reads this file as a Keras snippet whose "
            f"imports were left out ({listing}) and checks it so. As written, Python raises NameError here: "
            "add those imports."))
