"""Keras's automatic layer and model names (``dense``, ``dense_1``, ...).

Keras 3 names an unnamed object after its class in snake_case and counts per name across
the whole process, so the second Dense in a file is ``dense_1`` even in another model.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

# Keras 3 names an Input's layer "input_layer" and a functional model "functional".
PREFIXES = {"InputLayer": "input_layer", "Functional": "functional"}


@lru_cache(maxsize=1024)
def to_snake_case(name: str) -> str:
    """keras.src.utils.naming.to_snake_case."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
    return name


class NameCounter:
    def __init__(self, counts: Counter | None = None, exact: bool = True) -> None:
        self.counts: Counter = counts if counts is not None else Counter()
        #: False once code ran that may have made layers kgraphlint did not see
        self.exact = exact

    def auto_name(self, class_name: str) -> str:
        prefix = PREFIXES.get(class_name) or to_snake_case(class_name)
        count = self.counts[prefix]
        self.counts[prefix] += 1
        return prefix if count == 0 else f"{prefix}_{count}"

    def unique(self, name: str) -> str:
        """tf_keras's names for TensorFlow functions: the API name, then name_1, ..."""
        count = self.counts[name]
        self.counts[name] += 1
        return name if count == 0 else f"{name}_{count}"

    def copy(self) -> "NameCounter":
        return NameCounter(Counter(self.counts), self.exact)
