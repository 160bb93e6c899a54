from kgraphlint.resolve.symbols import REMOVED_ADVICE, REMOVED_MODULES, canonical_module, removed_module
from kgraphlint.rule import Fix, Invalid, Rule, Severity

#: lower-case optimizer aliases Keras 2 exported and Keras 3 does not
OPTIMIZER_CASE = {"adam": "Adam", "sgd": "SGD", "rmsprop": "RMSprop", "adagrad": "Adagrad",
                  "adadelta": "Adadelta", "adamax": "Adamax", "nadam": "Nadam"}


def keras3_spelling(module: str) -> str | None:
    """The Keras 3 module for a removed Keras 2 one, keeping the user's tensorflow. prefix."""
    old = removed_module(module)
    if old is None or not REMOVED_MODULES[old]:
        return None
    prefix = "tensorflow." if module.startswith("tensorflow.") else ""
    return prefix + REMOVED_MODULES[old]


class RemovedImportPath(Rule):
    """Keras 2 module paths that Keras 3 removed.

    ## What it does
    Reports imports from ``keras.layers.convolutional``, ``.pooling``, ``.recurrent``,
    ``.merge``, ``.wrappers``, ``.core``, ``.embeddings``, ``.normalization``,
    ``keras.engine``, ``keras.utils.np_utils`` and the like (also under
    ``tensorflow.keras``), removed modules imported as names (``from keras.utils import
    np_utils``), and lower-case optimizer names such as ``from keras.optimizers import adam``.
    Not reported with ``keras-version = "2"``.

    ## Why is this bad?
    With Keras 3 (the default since TensorFlow 2.16) the import fails with
    ModuleNotFoundError or ImportError before any model is built.

    ## How to fix
    Import from ``keras.layers`` / ``keras`` directly; the fix rewrites the module path.
    """

    code = "KGL501"
    name = "removed-import-path"
    severity = Severity.ERROR
    summary = "Keras 2 import paths that Keras 3 removed (keras.layers.convolutional, ...)"
    fixable = True
    bad = (Invalid("""
from keras.layers.convolutional import Conv2D
from keras.layers.pooling import MaxPool2D
""", spans=((2, 6, 2, 32), (3, 6, 3, 26)), fixed="""
from keras.layers import Conv2D
from keras.layers import MaxPool2D
"""), Invalid("""
from keras.optimizers import adam
""", spans=((2, 1, 2, 34),), fixed="""
from keras.optimizers import adam
"""), Invalid("""
from keras.utils import np_utils
""", spans=((2, 1, 2, 33),), fixed="""
from keras.utils import np_utils
"""))
    good = ("""
from keras.layers import Conv2D, MaxPool2D
from keras.optimizers import Adam
""",)

    def check(self, ctx):
        if ctx.keras_version == "2":
            return
        for fact in ctx.analysis.facts.imports:
            if not fact.module.startswith(("keras.", "tensorflow.keras.")):
                continue
            old = removed_module(fact.module)
            if old is not None:
                yield self.removed_module(ctx, fact, old)
                continue
            for name in fact.names:
                submodule = removed_module(f"{fact.module}.{name}") if name else None
                if submodule is not None:
                    yield self.removed_submodule(ctx, fact, name, submodule)
            if canonical_module(fact.module) == "keras.optimizers":
                for name in fact.names:
                    if name in OPTIMIZER_CASE:
                        yield ctx.finding(fact.node, (
                            f"keras.optimizers has no '{name}' in Keras 3 (ImportError): the optimizer classes "
                            f"are capitalised. Import {OPTIMIZER_CASE[name]} instead."))

    @staticmethod
    def removed_submodule(ctx, fact, name, old):
        """``from keras.utils import np_utils``: a removed module imported as a name."""
        new = REMOVED_MODULES[old]
        advice = f"use what it held from {new} directly" if new else REMOVED_ADVICE.get(
            old, "it has no Keras 3 equivalent")
        return ctx.finding(fact.node, f"from {fact.module} import {name}: {old} was removed in Keras 3 (ImportError: "
                                      f"cannot import name '{name}' from '{fact.module}'); {advice}.")

    def removed_module(self, ctx, fact, old):
        new = keras3_spelling(fact.module)
        names = ", ".join(n for n in fact.names if n)
        if new is None:
            advice = REMOVED_ADVICE.get(old, "it has no Keras 3 equivalent")
            return ctx.finding(fact.module_node, f"{fact.module} was removed in Keras 3 "
                                                 f"(ModuleNotFoundError): {advice}.")
        what = f"import {names} from {new}" if names else f"use {new}"
        message = f"{fact.module} was removed in Keras 3 (ModuleNotFoundError): {what} instead."
        fix = Fix(f"import from {new}", (ctx.edit(fact.module_node, new),)) if names else None
        return ctx.finding(fact.module_node, message, fix=fix)
