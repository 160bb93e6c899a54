"""The public names of the Keras modules code imports from without naming the names.

``from keras.layers import *`` binds every public name of keras.layers, and so does the
Keras 2 spelling ``from keras.layers.core import *``; a snippet that uses ``Dense`` or
``Sequential`` and imports neither means the Keras of its day, where ``Dense`` came from
keras.layers. The names are read from ``data/keras_names.json``, which
``scripts/generate_keras_names.py`` writes from the installed Keras 3.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from kgraphlint.resolve.symbols import REMOVED_MODULES, canonical_module, removed_module

#: where a snippet's unimported names come from, in the order a name is looked for
SNIPPET_MODULES = ("keras.layers", "keras.models", "keras.optimizers", "keras.utils")


@lru_cache(maxsize=None)
def _data() -> dict:
    return json.loads(resources.files("kgraphlint").joinpath("data/keras_names.json").read_text())


@lru_cache(maxsize=None)
def _table() -> dict[str, frozenset[str]]:
    return {module: frozenset(names) for module, names in _data()["modules"].items()}


def layer_bases(class_name: str) -> frozenset[str] | None:
    """The keras.layers classes (by their own names) a Keras 3 layer of this class is an
    instance of, ``Layer`` included; None for a class keras.layers does not export."""
    bases = _data()["layer_bases"].get(class_name)
    return frozenset(bases) if bases is not None else None


def star_names(module: str) -> frozenset[str] | None:
    """What ``from module import *`` binds for a Keras module (``tensorflow.keras.layers``,
    ``keras.layers.core``: the Keras 3 module a Keras 2 one became), or None when kgraphlint
    does not know the module's names."""
    path = canonical_module(module)
    old = removed_module(path)
    if old is not None:
        # keras.layers.core and the like held a part of what keras.layers holds now; binding
        # all of keras.layers can only turn a NameError into a known layer, never the reverse
        path = REMOVED_MODULES[old] + path[len(old):] if REMOVED_MODULES[old] else ""
    return _table().get(path)


@lru_cache(maxsize=1024)
def snippet_origin(name: str) -> str | None:
    """The dotted path a snippet's unimported ``name`` means (``Dense`` ->
    ``keras.layers.Dense``), or None if no snippet module has it."""
    table = _table()
    return next((f"{module}.{name}" for module in SNIPPET_MODULES if name in table[module]), None)
