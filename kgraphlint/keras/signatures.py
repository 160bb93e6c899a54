"""Layer constructor signatures, read from the data file scripts/generate_signatures.py writes.

Binding a constructor call to its signature turns ``Conv2D(32, (3, 3), padding="same")`` into
a configuration ``{"filters": 32, "kernel_size": (3, 3), "padding": "same", ...}`` with every
default filled in, and records what did not fit (unknown keywords, missing arguments).
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from kgraphlint.keras.shapes import UNKNOWN

KERAS3 = "keras3"
KERAS2 = "keras2"


@dataclass(frozen=True)
class Parameter:
    name: str
    positional: bool
    required: bool
    default: object = None


@dataclass(frozen=True)
class Signature:
    class_name: str
    parameters: tuple[Parameter, ...]
    extra_keywords: frozenset[str]
    #: derived from the above once, since binding runs for every layer construction
    positional: tuple[Parameter, ...] = ()
    names: frozenset[str] = frozenset()  # the parameters' names
    accepted: frozenset[str] = frozenset()  # those and the base Layer's extra keywords
    defaults: dict = field(default_factory=dict)  # name -> default, copied for each binding
    required: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "defaults", {p.name: p.default for p in self.parameters})
        object.__setattr__(self, "required", tuple(p.name for p in self.parameters if p.required))
        object.__setattr__(self, "positional", tuple(p for p in self.parameters if p.positional))
        object.__setattr__(self, "names", frozenset(p.name for p in self.parameters))
        object.__setattr__(self, "accepted", self.extra_keywords | self.names)


@dataclass(slots=True)
class Binding:
    """A constructor call matched against a signature."""

    signature: Signature
    config: dict[str, object]
    unknown_keywords: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    too_many_positional: bool = False
    #: argument name -> index of the positional argument that supplied it
    positional_sources: dict[str, int] = field(default_factory=dict)


def _from_json(value: object) -> object:
    if isinstance(value, dict):  # {"opaque": repr}: not a plain value
        return UNKNOWN
    if isinstance(value, list):
        return tuple(_from_json(v) for v in value)
    return value


@lru_cache(maxsize=None)
def _table(flavour: str) -> dict:
    text = resources.files("kgraphlint").joinpath("data/signatures.json").read_text()
    return json.loads(text)[flavour]


@lru_cache(maxsize=None)
def signature(class_name: str, flavour: str = KERAS3) -> Signature | None:
    table = _table(flavour)
    spec = table["layers"].get(class_name)
    if spec is None:
        return None
    params = tuple(
        Parameter(p["name"], p["positional"], p["required"], _from_json(p.get("default")))
        for p in spec["params"]
    )
    return Signature(class_name, params, frozenset(spec["extra_keywords"]))


def canonical_class(public_name: str, flavour: str = KERAS3) -> str | None:
    """The class a public keras.layers name denotes (``MaxPool2D`` -> ``MaxPooling2D``)."""
    return _table(flavour)["aliases"].get(public_name)


@lru_cache(maxsize=None)
def activation_names() -> frozenset[str]:
    """The activation identifiers Keras 3 accepts as strings."""
    return frozenset(_table(KERAS3)["activations"])


@lru_cache(maxsize=None)
def known_layer_names(flavour: str = KERAS3) -> frozenset[str]:
    return frozenset(_table(flavour)["aliases"])


def bind(sig: Signature, args: list[object], kwargs: dict[str, object], partial: bool = False) -> Binding:
    """Match call arguments to a signature, filling defaults.

    ``partial`` means the call had ``*args``/``**kwargs`` whose content is unknown: nothing
    can then be said to be missing or unknown.
    """
    config = sig.defaults.copy()
    binding = Binding(sig, config)
    positional, sources = sig.positional, binding.positional_sources
    if len(args) > len(positional):
        binding.too_many_positional = True
    for index, (parameter, value) in enumerate(zip(positional, args)):
        config[parameter.name] = value
        sources[parameter.name] = index
    config.update(kwargs)
    if partial:
        return binding
    binding.unknown_keywords = [key for key in kwargs if key not in sig.accepted]
    binding.missing = [name for name in sig.required if name not in kwargs and name not in sources]
    return binding


def intended_keyword(keyword: str, sig: Signature) -> str | None:
    """The parameter an unknown keyword most likely misspells (``return_sequence`` for
    ``return_sequences``), or None."""
    close = difflib.get_close_matches(keyword, [p.name for p in sig.parameters], n=1, cutoff=0.75)
    return close[0] if close else None
