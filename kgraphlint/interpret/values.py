"""The abstract values the Python machine computes with, besides Python constants: the
unknown value, modules, functions, classes and their instances, scopes, and helpers over
values. Library values (tensors, layers, arrays) belong to the overlays."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst


class _Unknown:
    """A value the analysis could not determine. Falsy so that it never passes a check."""

    _instance: "_Unknown | None" = None

    def __new__(cls) -> "_Unknown":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "?"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


def is_known(value: object) -> bool:
    """True for a value the analysis determined (anything but UNKNOWN, recursively)."""
    if value is UNKNOWN:
        return False
    if isinstance(value, (tuple, list)):
        return all(is_known(v) for v in value)
    if isinstance(value, dict):
        return all(is_known(v) for v in value.values())
    return True


def is_int(value: object) -> bool:
    """An int that is not a bool (the interpreter's ints are plain ints)."""
    return type(value) is int


@dataclass(frozen=True)
class BlindSpot:
    """Where the analysis lost track of shapes, and why (``kgraphlint summary --stats``).

    reason reads like "unsupported layer LayerScale", "opaque call keras.ops.reshape" or
    "undecided branch"; node is where, in the file at path (None: the analysed file). A
    spot a replayed library call brings (kgraphlint.interpret.call_memo) has no node, only
    the line its node was on."""

    reason: str
    node: cst.CSTNode | None
    path: str | None = None
    line: int | None = None


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
    #: run at least once, called or with its defaults
    ran: bool = False
    #: the file that defines it (None: the file being analysed, when it has no path)
    path: str | None = None


@dataclass(eq=False)
class ClassValue:
    """A plain class (no base classes kgraphlint cannot see), or one built on a library
    class an overlay models (a custom Keras layer), whose methods may build models and keep
    them, and their data, on ``self``."""

    node: cst.ClassDef
    methods: dict  # name -> FunctionValue
    attributes: dict  # class-level names
    instantiated: bool = False
    #: the overlay that models the library base class (kgraphlint.interpret.overlay)
    owner: object | None = None
    #: ``@property`` getters, by name (a plain class's)
    properties: dict = field(default_factory=dict)
    #: ``@staticmethod`` functions and ``@classmethod`` methods bound to the class, by name
    static: dict = field(default_factory=dict)


@dataclass(eq=False)
class ObjectValue:
    """An instance of a ``ClassValue``: its attributes as assigned so far."""

    cls: ClassValue
    attributes: dict
    #: what the overlay that owns the class keeps for this instance
    state: object = None


@dataclass(frozen=True)
class NoArguments:
    """The ``*args`` or ``**kwargs`` of a function run with its defaults (nobody calls it):
    none in that plain call, so ``"layers" in kwargs`` is False and ``kwargs.get(k, d)`` is
    ``d``; but a real caller may pass some, so spread into a call they hide arguments (no
    "missing argument" from ``Dense(**kwargs)``), and anything else about them is unknown."""

    star: str  # "*" or "**"


@dataclass(frozen=True)
class NamedTupleClass:
    """A class ``collections.namedtuple(name, fields)`` made; calling it makes a NamedTuple."""

    name: str
    fields: tuple[str, ...]
    defaults: tuple = ()

    def make(self, args: list, kwargs: dict) -> "NamedTuple | None":
        """The instance of these arguments, as the class binds them; None where Python raises."""
        values = dict(zip(self.fields, args))
        if len(args) > len(self.fields) or set(kwargs) - set(self.fields) or set(kwargs) & set(values):
            return None
        values.update(kwargs)
        values.update({f: d for f, d in zip(self.fields[len(self.fields) - len(self.defaults):], self.defaults)
                       if f not in values})
        if len(values) != len(self.fields):
            return None
        return NamedTuple(self, tuple(values[f] for f in self.fields))


class NamedTuple(tuple):
    """An instance of a NamedTupleClass: a tuple whose fields are also attributes."""

    def __new__(cls, kind: NamedTupleClass, values: tuple) -> "NamedTuple":
        made = super().__new__(cls, values)
        made.kind = kind
        return made

    def __getnewargs__(self) -> tuple:  # copies keep the class
        return (self.kind, tuple(self))

    def field(self, name: str) -> object:
        return self[self.kind.fields.index(name)]


@dataclass(eq=False)
class BoundMethod:
    function: FunctionValue
    receiver: "ObjectValue | ClassValue"  # a class for a ``@classmethod``


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
    #: names the function declares ``global`` or ``nonlocal`` -> which
    declared: dict = field(default_factory=dict)


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
