"""Write kgraphlint/data/keras_names.json: the public names of the Keras modules that
snippets import from, and the class hierarchy of keras.layers, read from the installed
Keras 3:

    python scripts/generate_keras_names.py

A star import (``from keras.layers import *``) binds these names, and a snippet that uses
``Dense`` or ``Sequential`` without importing them is read as if it imported them from
the first of these modules that has the name (kgraphlint.resolve.public_names). The static
analysis never imports Keras; it only reads the JSON this writes.
"""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

OUT = Path(__file__).resolve().parent.parent / "kgraphlint" / "data" / "keras_names.json"

#: the modules a snippet of the Keras 1/2 era imports its names from, in the order a free
#: name is looked for in them, then the other modules people star-import
MODULES = ("keras.layers", "keras.models", "keras.optimizers", "keras.utils",
           "keras.losses", "keras.metrics", "keras.callbacks", "keras.activations", "keras.regularizers",
           "keras.initializers", "keras.constraints", "keras.datasets", "keras.preprocessing", "keras.backend")


def public_names(module: str) -> list[str]:
    """What ``from module import *`` binds: ``__all__`` if the module has one, else its
    names that do not start with an underscore (Python's own rule)."""
    loaded = importlib.import_module(module)
    names = getattr(loaded, "__all__", None)
    if names is None:
        names = [name for name in dir(loaded) if not name.startswith("_")]
    return sorted(set(names))


def layer_bases() -> dict[str, list[str]]:
    """For each public layer class of keras.layers (by every name it is exported under), the
    public keras.layers classes it is an instance of, by their own names (its own first,
    ``Layer`` last): what ``isinstance`` answers."""
    import keras

    classes = {name: getattr(keras.layers, name) for name in public_names("keras.layers")}
    exported = {cls for cls in classes.values() if isinstance(cls, type)}
    # each class by its own name (Conv2D, not its alias Convolution2D), under every alias
    return {name: [base.__name__ for base in cls.__mro__ if base in exported]
            for name, cls in classes.items() if isinstance(cls, type) and issubclass(cls, keras.layers.Layer)}


def main() -> None:
    import keras

    table = {"keras_version": keras.__version__, "modules": {module: public_names(module) for module in MODULES},
             "layer_bases": layer_bases()}
    OUT.write_text(json.dumps(table, indent=1) + "\n")
    print(f"wrote {OUT}: {sum(len(v) for v in table['modules'].values())} names in {len(MODULES)} modules, "
          f"{len(table['layer_bases'])} layer classes")


if __name__ == "__main__":
    main()
