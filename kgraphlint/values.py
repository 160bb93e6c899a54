"""The abstract values the interpreter computes with, besides Python constants and the
facts in ``kgraphlint.facts``: modules, functions, scopes, and helpers over values."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from kgraphlint.facts import Tensor


@dataclass(frozen=True)
class ModuleRef:
    """A module or a name imported from one, as a dotted path (``keras.layers.Dense``,
    ``.blocks.conv_block`` for a relative import), and the file that imported it."""

    dotted: str
    origin: str | None = None


@dataclass(eq=False)
class FunctionValue:
    node: cst.FunctionDef
    scope: "Scope"
    called: bool = False
    #: the file that defines it (None: the file being analysed, when it has no path)
    path: str | None = None


@dataclass(eq=False)
class ClassValue:
    """A plain class (no base classes kgraphlint cannot see) whose methods may build
    models and keep them, and their data, on ``self``."""

    node: cst.ClassDef
    methods: dict  # name -> FunctionValue
    attributes: dict  # class-level names
    instantiated: bool = False
    #: a subclass of keras.layers.Layer (kgraphlint.custom_layers)
    layer: bool = False


@dataclass(eq=False)
class ObjectValue:
    """An instance of a ``ClassValue``: its attributes as assigned so far."""

    cls: ClassValue
    attributes: dict
    #: a custom layer's weights so far: (size, trainable) for each add_weight
    weights: list = field(default_factory=list)
    #: the keywords a custom layer's __init__ passes to Layer.__init__ (name=...)
    layer_kwargs: dict = field(default_factory=dict)


@dataclass(eq=False)
class BoundMethod:
    function: FunctionValue
    receiver: ObjectValue


@dataclass(eq=False)
class Scope:
    names: dict = field(default_factory=dict)
    parent: "Scope | None" = None

    def lookup(self, name: str) -> object:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return _MISSING

    def copy(self) -> "Scope":
        return Scope(dict(self.names), self.parent)


_MISSING = object()


@dataclass
class Frame:
    """Per-function state while interpreting a body."""

    scope: Scope
    maybe_returned: bool = False


def dotted_name(node: cst.CSTNode) -> str | None:
    if type(node) is cst.Name:
        return node.value
    if type(node) is cst.Attribute:
        base = dotted_name(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def is_plain(value: object) -> bool:
    """A Python value the interpreter may compute with."""
    if value is None or isinstance(value, (bool, int, float, str, range)):
        return True
    if isinstance(value, (tuple, list)):
        return all(is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(is_plain(v) for v in value.values())
    return False


def iter_tensors(value: object):
    if isinstance(value, Tensor):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from iter_tensors(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from iter_tensors(item)
