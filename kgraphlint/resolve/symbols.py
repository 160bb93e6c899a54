"""Resolve the dotted names user code reaches Keras through.

``tf.keras.layers.Dense``, ``tensorflow.keras.layers.Dense``, ``keras.layers.core.Dense``,
``tf_keras.layers.Dense`` and ``from keras.layers import Dense as D`` all denote one layer
class. The interpreter binds imported names to dotted paths; this module says what a
dotted path means to Keras, without importing anything.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache

from kgraphlint.keras.naming import to_snake_case
from kgraphlint.keras.signatures import KERAS2, KERAS3, canonical_class, known_layer_names

KERAS_ROOTS = ("keras", "tensorflow", "tf_keras")

#: TensorFlow's versioned API that is TensorFlow 2's own (``import tensorflow.compat.v2 as tf``,
#: how tf_keras's applications reach TensorFlow)
TF2_COMPAT = "tensorflow.compat.v2"
#: prefixes that mean the same module tree as ``keras``
PREFIX_ALIASES = (
    ("tensorflow.python.keras", "keras"),
    ("tensorflow.keras", "keras"),
    ("tf_keras", "keras"),
    ("keras.api", "keras"),
)

#: Keras 2 module paths and what Keras 3 calls them. Importing the old ones fails in Keras 3.
REMOVED_MODULES = {
    "keras.layers.convolutional": "keras.layers",
    "keras.layers.pooling": "keras.layers",
    "keras.layers.recurrent": "keras.layers",
    "keras.layers.merge": "keras.layers",
    "keras.layers.wrappers": "keras.layers",
    "keras.layers.core": "keras.layers",
    "keras.layers.embeddings": "keras.layers",
    "keras.layers.normalization": "keras.layers",
    "keras.layers.advanced_activations": "keras.layers",
    "keras.layers.noise": "keras.layers",
    "keras.layers.convolutional_recurrent": "keras.layers",
    "keras.layers.cudnn_recurrent": "keras.layers",
    "keras.layers.local": "keras.layers",
    "keras.engine": "keras",
    "keras.engine.topology": "keras",
    "keras.engine.training": "keras",
    "keras.engine.input_layer": "keras",
    "keras.engine.sequential": "keras",
    "keras.engine.functional": "keras",
    "keras.engine.base_layer": "keras.layers",
    "keras.utils.np_utils": "keras.utils",
    "keras.layers.experimental": "keras.layers",
    "keras.layers.experimental.preprocessing": "keras.layers",
    "keras.preprocessing.text": "",
    "keras.wrappers.scikit_learn": "",
}

#: what a removed module without a direct Keras 3 equivalent should become
REMOVED_ADVICE = {
    "keras.preprocessing.text": "use keras.layers.TextVectorization",
    "keras.wrappers.scikit_learn": "use the scikeras package (scikeras.wrappers.KerasClassifier)",
}

MERGE_FUNCTIONS = {
    "concatenate": "Concatenate",
    "add": "Add",
    "subtract": "Subtract",
    "multiply": "Multiply",
    "average": "Average",
    "maximum": "Maximum",
    "minimum": "Minimum",
    "dot": "Dot",
}

MODEL_CLASSES = {"Model": "Model", "Functional": "Model", "Sequential": "Sequential"}
LAYER_NAMESPACES = ("keras.layers", "keras")


@dataclass(frozen=True)
class KerasSymbol:
    """What a dotted path denotes in Keras.

    kind is one of "layer" (a layer class), "merge" (a functional merge helper), "input"
    (``Input``), "model" (``Model``/``Sequential``), "loss" (anything in keras.losses),
    "image_data_format".
    """

    kind: str
    name: str  # the canonical class name (Dense, MaxPooling2D, Model, ...)
    flavour: str | None = None  # KERAS2 for tf_keras paths, else None (follows configuration)


def canonical_module(dotted: str) -> str:
    """``tensorflow.keras.layers.convolutional`` -> ``keras.layers.convolutional``;
    ``tensorflow.compat.v2.math.multiply`` -> ``tensorflow.math.multiply``."""
    if dotted == TF2_COMPAT or dotted.startswith(TF2_COMPAT + "."):
        dotted = "tensorflow" + dotted[len(TF2_COMPAT):]
    for prefix, replacement in PREFIX_ALIASES:
        if dotted == prefix or dotted.startswith(prefix + "."):
            return replacement + dotted[len(prefix):]
    return dotted


def is_keras_path(dotted: str) -> bool:
    return dotted.split(".", 1)[0] in KERAS_ROOTS


def removed_module(dotted: str) -> str | None:
    """The removed Keras 2 module a path imports from, if any (longest match)."""
    path = canonical_module(dotted)
    if not path.startswith("keras"):
        return None
    parts = path.split(".")
    for end in range(len(parts), 1, -1):
        candidate = ".".join(parts[:end])
        if candidate in REMOVED_MODULES:
            return candidate
    return None


def namespace(module: str) -> str:
    """The Keras 3 namespace a (possibly Keras 2) module path belongs to."""
    old = removed_module(module)
    if old is not None:
        return REMOVED_MODULES[old] or module
    if module.startswith("keras.src."):
        # Keras 3's implementation tree: keras.src.layers.core.dense is keras.layers, but
        # keras.src.ops.numpy.Average and keras.src.initializers.Identity are not layers.
        package = module.split(".")[2]
        if package == "layers":
            return "keras.layers"
        return "keras" if package in ("models", "engine") else f"keras.{package}"
    if module in ("keras.models", "keras.engine"):
        return "keras"
    return module


def loss_name(name: str) -> str:
    """``CategoricalCrossentropy`` and ``categorical_crossentropy`` -> ``categorical_crossentropy``."""
    if name.islower():
        return name
    return to_snake_case(name)


@lru_cache(maxsize=4096)
def resolve(dotted: str) -> KerasSymbol | None:
    """What a dotted name means to Keras, or None if it is not a symbol kgraphlint models."""
    if not is_keras_path(dotted):
        return None
    flavour = KERAS2 if dotted.startswith("tf_keras") else None
    path = canonical_module(dotted)
    if "." not in path:
        return None
    module, name = path.rsplit(".", 1)
    space = namespace(module)
    if space == "keras.losses":
        return KerasSymbol("loss", loss_name(name))
    if space not in LAYER_NAMESPACES:
        if name == "image_data_format" and space in ("keras.backend", "keras.config"):
            return KerasSymbol("image_data_format", "image_data_format")
        return None
    if name == "Input":
        return KerasSymbol("input", "Input", flavour)
    if name in MODEL_CLASSES:
        return KerasSymbol("model", MODEL_CLASSES[name], flavour)
    if space == "keras.layers" and name in MERGE_FUNCTIONS:
        return KerasSymbol("merge", MERGE_FUNCTIONS[name], flavour)
    if name in known_layer_names(KERAS3) or name in known_layer_names(KERAS2):
        class_name = canonical_class(name, KERAS3) or canonical_class(name, KERAS2)
        return KerasSymbol("layer", class_name, flavour)
    return None


#: packages that make no Keras layers, whatever of them is called
NO_LAYERS = frozenset({"numpy", "sklearn", "scipy", "pandas", "matplotlib", "seaborn", "PIL", "cv2", "tqdm",
                       "torch", "jax", "typing", "absl", "wandb", "mlflow"})
#: parts of Keras and TensorFlow that make no layers (utilities, data, training)
NO_LAYERS_KERAS = ("keras.utils", "keras.callbacks", "keras.optimizers", "keras.losses", "keras.metrics",
                   "keras.datasets", "keras.preprocessing", "keras.config", "keras.random", "keras.mixed_precision",
                   "keras.regularizers", "keras.initializers", "keras.constraints", "keras.backend",
                   "keras.saving", "keras.activations", "tensorflow.random",
                   "tensorflow.config", "tensorflow.data", "tensorflow.io", "tensorflow.debugging")


def may_make_layers(dotted: str) -> bool:
    """Whether calling ``dotted`` (not modelled by kgraphlint) might make Keras layers, and
    so use up automatic layer names."""
    top = dotted.split(".", 1)[0]
    if top in NO_LAYERS or top in sys.stdlib_module_names:
        return False
    path = canonical_module(dotted).replace("keras.src.", "keras.", 1)
    return not any(path == root or path.startswith(root + ".") for root in NO_LAYERS_KERAS)
