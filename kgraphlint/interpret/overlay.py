"""How a library's meaning is composed into the Python machine.

The machine (``kgraphlint.interpret.machine``) knows Python: constants, containers,
functions, classes, modules, branches and loops. What a library's values mean (a Keras
tensor, a layer, a NumPy array) it asks of an ``Overlay``, in the manner of pytype's
overlays: each overlay names the value types it owns, and the machine hands it every
operation on them. An overlay sees the machine only through ``Machine``, the few things it
may ask: whether code surely runs, where a fact is reported, losing track, running a
Python function.

Every hook has a default that says "not mine" (``NotImplemented``) or does nothing, so an
overlay implements only what its library needs.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import ContextManager, Iterable, Protocol

import libcst as cst


class Raises(Exception):
    """The code running now raises: a ``raise`` statement, or a call an overlay knows its
    library refuses. What follows it in the function does not run; the call of that
    function gives no value the machine knows. Undecided code that raises is left out of
    what its branches agree on."""


class Machine(Protocol):
    """What an overlay may ask of the machine that runs it."""

    #: False while the code running may not run at all (an undecided branch, a loop body)
    certain: bool
    #: names the analysed file binds anywhere (to tell an undefined name)
    bound_names: set[str]
    #: the analysed file has a star import (any name may be defined)
    star_import: bool
    #: where the analysis lost track so far (it only grows)
    blind_spots: list
    #: the analysed file's code
    module: cst.Module

    @property
    def in_other_module(self) -> bool: ...

    @property
    def in_library(self) -> bool: ...

    def site(self, node: cst.CSTNode) -> cst.CSTNode: ...

    def lose_track(self, reason: str, node: cst.CSTNode) -> None: ...

    def iterate(self, value: object) -> list | None: ...

    def call_function(self, function: object, args: list, kwargs: dict, node: cst.CSTNode,
                      partial: bool = False, defaults_only: bool = False) -> object: ...


class Overlay:
    """A library's meaning. Subclasses set ``value_types`` and override the hooks they need."""

    #: the types of the values this overlay makes; the machine hands it every use of them
    value_types: tuple[type, ...] = ()

    def __init__(self, machine: Machine) -> None:
        self.machine = machine

    # -- names and modules

    def models_name(self, dotted: str) -> bool:
        """True when the overlay models ``dotted`` itself: its module's source is not read."""
        return False

    def library_module(self, module: str) -> bool:
        """True for a module whose source is followed but is the library's own code."""
        return False

    def imported(self, dotted: str, names: tuple[str, ...], node: cst.CSTNode, name_node: cst.CSTNode) -> None:
        """The analysed file imports ``names`` from ``dotted`` (``("",)``: the module itself,
        ``("*",)``: a star import)."""

    def module_names(self, dotted: str) -> frozenset[str] | None:
        """The public names of a module the overlay models (what ``from dotted import *``
        binds), or None when it does not know them."""
        return None

    def free_name(self, name: str, node: cst.Name) -> object:
        """The analysed file reads ``name``, which nothing binds and no star import may
        bind (Python would raise NameError): its value if the library supplies it (code
        pasted without its imports), else NotImplemented."""
        return NotImplemented

    def library_called(self, function: object, top_level: bool, args: list, kwargs: dict, partial: bool,
                       node: cst.CSTNode) -> None:
        """The analysed file calls ``function`` (a FunctionValue of a library file);
        ``top_level``: it is defined at the top of its module, so importable by its name."""

    # -- values

    def named(self, name: str, value: object) -> None:
        """A value of this overlay is bound to ``name`` (an assignment or a parameter)."""

    def assigned(self, target: cst.Name, value: object) -> None:
        """A value of this overlay is assigned to a name in the analysed file."""

    def escape(self, value: object) -> None:
        """``value`` (of any type) goes where the machine cannot follow it."""

    def truth(self, value: object) -> bool | None:
        return None

    def iterate(self, value: object) -> list | None:
        return None

    def unpack(self, value: object, count: int, node: cst.CSTNode) -> list | None:
        """``a, b = value``, where iterating ``value`` is not followed: its ``count`` items
        if the overlay can tell them apart, else None."""
        return None

    def join(self, values: list, node: cst.CSTNode | None, loop: bool) -> object:
        """What several of this overlay's values have in common, when undecided code leaves
        a name holding one of them (``loop``: after a loop that ran an unknown number of
        times, so the last of them may be from a later iteration than any followed)."""
        return NotImplemented

    def attribute(self, base: object, attr: str, node: cst.CSTNode) -> object:
        return NotImplemented

    def unknown_attribute(self, attr: str, origin: tuple, node: cst.Attribute, called: bool) -> object:
        """``x.attr`` where the machine does not know ``x``: its value if the attribute
        tells the library's object it must be (``backbone.input``), else NotImplemented.
        ``origin`` names ``x``: equal origins are the same unknown value (one name, or
        attribute chain, read in one run of one scope); ``called``: ``x.attr(...)``."""
        return NotImplemented

    def set_attribute(self, owner: object, attr: str, value: object) -> bool:
        """``owner.attr = value``; False when not followed (the value escapes)."""
        return False

    def binary(self, operator: type | None, left: object, right: object, node: cst.CSTNode) -> object:
        return NotImplemented

    def unary(self, operator: type, value: object, node: cst.CSTNode) -> object:
        return NotImplemented

    def subscript(self, container: object, keys: list | None, node: cst.Subscript) -> object:
        """``container[keys]``; ``keys`` are ints, slices, Ellipsis and other evaluated
        values (None when a slice bound is not an int)."""
        return NotImplemented

    # -- calls

    def handles_method(self, receiver: object, method: str) -> bool:
        """True when ``receiver.method(...)`` is this overlay's call, not an attribute
        read followed by a call."""
        return False

    def call_method(self, receiver: object, method: str, args: list, kwargs: dict, partial: bool,
                    node: cst.Call, arg_nodes: dict) -> object:
        return NotImplemented

    def call(self, callee: object, args: list, kwargs: dict, partial: bool, node: cst.Call,
             arg_nodes: dict) -> object:
        """Calling a value of this overlay's types."""
        return NotImplemented

    def call_name(self, dotted: str, args: list, kwargs: dict, partial: bool, node: cst.Call,
                  arg_nodes: dict) -> object:
        """Calling a module-level name (``keras.layers.Dense``, ``numpy.zeros``)."""
        return NotImplemented

    def call_builtin(self, function: object, args: list) -> object:
        """A Python builtin (``len``) given one of this overlay's values."""
        return NotImplemented

    def opaque_call(self, callee: object, args: list, kwargs: dict, node: cst.Call) -> object:
        """Nothing knew what this call does: its value if the overlay makes one (an opaque
        node), else NotImplemented (and the arguments escape)."""
        return NotImplemented

    def lost_result(self, function: object, args: list, kwargs: dict, node: cst.Call, since: int) -> object:
        """A Python function the machine ran returned a value it could not determine (it
        lost track inside): its value if the overlay makes one from the arguments (an
        opaque node fed by the tensors given), else NotImplemented. ``since``: what
        ``recorded()`` said before the call (what the function made may be in the result)."""
        return NotImplemented

    # -- classes

    def class_base(self, bases: list, node: cst.ClassDef) -> bool:
        """True when this overlay models a class with these bases (a custom Keras layer)."""
        return False

    def instantiate(self, cls: object, args: list, kwargs: dict, partial: bool, node: cst.Call) -> object:
        return NotImplemented

    def uncalled_class(self, cls: object) -> None:
        """A class built on the library's base that the analysed file never instantiates:
        make what it would make with its defaults, if that is worth knowing."""

    def object_attribute(self, instance: object, attr: str) -> object:
        """An attribute the library base class gives an instance (``self.add_weight``)."""
        return NotImplemented

    def call_super(self, receiver: object, method: str, args: list, kwargs: dict, partial: bool, node: cst.Call,
                   arg_nodes: dict) -> object:
        """``super().method(...)`` in a method of a class built on the library's base."""
        return NotImplemented

    # -- the run

    def uncalled(self, arguments: bool) -> ContextManager:
        """Code run with its defaults, for what it would build, not as the program runs it;
        ``arguments``: it takes arguments, so a caller may make it build something else."""
        return nullcontext()

    def skipped_branch(self) -> None:
        """The machine knew an ``if``'s test and skipped the branch it does not take (with
        other values, code run with its defaults might have taken it)."""

    def undecided(self) -> None:
        """Code that may or may not have run (an undecided branch, a loop of unknown
        length) made something this overlay recorded."""

    def recorded(self) -> int:
        """How many things the overlay has recorded so far (it grows as code makes them)."""
        return 0

    def finish(self) -> None:
        """The whole file has run."""

    # -- replaying library calls (kgraphlint.interpret.call_memo)

    #: the overlay's value types that what a replayed call made may hold
    replayable_types: tuple[type, ...] = ()

    def replay_key(self) -> object:
        """What library code run now may read of the overlay's own state (its repr is part
        of a replayed call's key); NotImplemented: no call is replayed now, which is what an
        overlay that does not say how its state is replayed answers."""
        return NotImplemented

    def replay_mark(self) -> object:
        """The overlay's state before a library call whose effect may be kept."""
        return None

    def replay_effect(self, mark: object) -> object:
        """What the library call run since ``mark`` added to the overlay's records, for
        ``replay`` to add again; NotImplemented when it changed what cannot be replayed."""
        return None

    def replay_existing(self, mark: object) -> Iterable[object]:
        """The overlay's values that existed at ``mark``: what a call's kept effect may hold
        only as what the call was given."""
        return ()

    def replay(self, effect: object) -> None:
        """Add what ``replay_effect`` gave, as the call that made it did."""

    def persistent_id(self, value: object) -> object:
        """A name for a value of the overlay's that is shared rather than copied when a
        call's effect is kept (a table entry the overlay compares by identity), or None."""
        return None

    def persistent_value(self, name: object) -> object:
        """The value ``persistent_id`` named."""
        raise KeyError(name)
