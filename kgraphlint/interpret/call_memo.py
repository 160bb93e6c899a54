"""Library calls replayed from earlier runs instead of run again.

A program that calls ``keras.applications.ResNet50(weights=None)`` makes the machine run
the library's builder: hundreds of layers, half of a cold run over the user-style
benchmark. The builder's code does not change between runs and, given the same arguments,
it builds the same thing every time. So the first run
keeps what the call did, pickled: the value it returned, and what it added to the
machine's and the overlays' records (the layers, calls and models it made, where it lost
track, the modules it read, the steps it took). Later runs that make the same call in the
same state add those records again and return that value, without running the builder.

A call is replayed only where its outcome cannot differ from running it:
- it is the analysed file's own call of a top-level function of library code, in code that
  surely runs (not speculatively, not with guessed defaults), given constants, containers
  of them, and the file's own tensors and layers (``input_tensor=x``);
- the key holds everything the outcome reads: the function, its arguments by value (a
  tensor's shape, dtype and every layer call upstream of it), the digests of every library
  file loaded so far, how many modules are loaded and how deep the call is, the library
  calls made before it in the file (their order and keys), what each overlay says its own
  state is (``Overlay.replay_key``: Keras's automatic names so far, the image data format),
  kgraphlint's own code (the store's folder is per code fingerprint) and the Python version;
- what it did can be kept whole: the effect holds plain values, new values of the types the
  overlays name (``Overlay.replayable_types``), new objects of classes a library module
  defines (ConvNeXt's LayerScale layers: each class, and its ClassDef, is named by module and
  name and found in the module as the replaying run loaded it), and what the call was given
  (kept by identity: the layers it calls on ``x`` take the file's own ``x``); no other
  syntax node than the call's; it set nothing but constants on what it was given (a tensor
  handed to code not followed is ``escaped``: set again when replayed); and no overlay's
  state changed in a way it cannot replay. Otherwise nothing is kept.
Anything else runs as before. Replaying is faster, not different, with one assumption: a
library function does not change its own module's globals in a way code read later would
see (no builder kgraphlint has met keeps a registry it fills when called); such a change is
not replayed.

Entries live beside the parse store, in a folder per version of kgraphlint's code (another
version never reads what this one kept), and are used when it is: ``--no-cache`` uses
neither (``kgraphlint.source.parse_store.use_parse_store``; the analysis hands the
machine a ``CallStore``).
"""

from __future__ import annotations

import io
import os
import pickle
import sys
import types
from contextlib import suppress
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import libcst as cst

from kgraphlint.digest import new_digest
from kgraphlint.interpret.values import UNKNOWN, BlindSpot, ClassValue, ModuleRef, ObjectValue
from kgraphlint.source.files import file_digest

if TYPE_CHECKING:
    from kgraphlint.interpret.machine import Interpreter
    from kgraphlint.interpret.values import FunctionValue

#: what a lookup that found nothing returns (a call may return None or UNKNOWN)
MISS = object()

#: the plain values a call may be given, and what it made may hold, by value
VALUES = frozenset((type(None), bool, int, float, complex, str, bytes, range, slice, type(Ellipsis),
                    tuple, list, dict, set, frozenset))
#: the constants a call may set on what it was given, to be set again when it is replayed
FLAGS = frozenset((type(None), bool, int, float, str))
#: what pickle writes as a reference to its name (a class, a builtin): the same object loads
REFERENCES = (type, types.FunctionType, types.BuiltinFunctionType)


@dataclass(frozen=True)
class CallStore:
    """Where kept calls are (a folder per version of kgraphlint's code), and how a blind spot
    in library code is placed: the line of a node of a module's tree (kgraphlint.source's
    positions, which the machine does not import)."""

    folder: Path
    line_of: Callable[[cst.Module, cst.CSTNode], int]


@dataclass(frozen=True)
class MachineEffect:
    """What a library call did to the machine's own records."""

    steps: int
    built: int
    #: where it lost track: (reason, file, line), the line read when it was kept
    blind_spots: tuple[tuple[str, str, int], ...]
    #: the modules it loaded, and where it looked for modules and found none
    loaded: tuple[str, ...]
    absent: tuple[str, ...]
    #: (index in Pending.outside, field, value) for each flag it set on what it was given
    #: (a tensor handed on to code kgraphlint cannot follow is ``escaped``)
    flags: tuple[tuple[int, str, object], ...] = ()


@dataclass(frozen=True)
class Pending:
    """A call being keyed: its key, its arguments pickled, and the objects they hold that
    are the file's own (tensors, layers, the syntax nodes those point at), in the order
    pickling met them: what the call made refers to them, not to copies."""

    key: str
    arguments: bytes
    outside: tuple


class CallMemo:
    """One analysis's replayable calls: the history that each key holds."""

    def __init__(self, store: CallStore) -> None:
        self.store = store
        #: the keys of the library calls the analysed file made so far, in order
        self.history: list[str] = []
        #: a library call that could not be keyed ran: later calls may see what it changed
        self.tainted = False
        #: the modules replayed calls loaded when they were kept (the analysis depends on them)
        self.loaded: dict[str, None] = {}

    # ------------------------------------------------------------------ keys

    def key(self, machine: "Interpreter", function: "FunctionValue", top_level: bool, args: list, kwargs: dict,
            partial: bool) -> Pending | None:
        """The call's key, or None (and later calls in the file are not replayed) when it
        cannot have one."""
        pending = None if self.tainted else self._key(machine, function, top_level, args, kwargs, partial)
        if pending is None:
            self.tainted = True
            return None
        self.history.append(pending.key)
        return pending

    def _key(self, machine: "Interpreter", function: "FunctionValue", top_level: bool, args: list, kwargs: dict,
             partial: bool) -> Pending | None:
        if (not top_level or partial or not machine.certain or machine.guessed or machine.mutated is not None
                or function.path is None):
            return None
        overlay_keys = [overlay.replay_key() for overlay in machine.overlays]
        if any(k is NotImplemented for k in overlay_keys):
            return None
        pickled = pickled_arguments(machine, args, kwargs)
        if pickled is None:
            return None
        libraries = []
        for path in sorted({*machine.library_files, function.path}):
            digest = file_digest(path)
            if digest is None:
                return None
            libraries.append((path, digest))
        state = repr((sys.version_info[:2], function.path, function.node.name.value, libraries,
                      machine.modules_followed(), machine.depth, self.history, overlay_keys))
        digest = new_digest(state.encode("utf-8", "surrogatepass"))
        digest.update(pickled[0])
        return Pending(digest.hexdigest(), *pickled)

    # ------------------------------------------------------------------ replaying

    def replay(self, machine: "Interpreter", pending: Pending, node: cst.CSTNode) -> object:
        """What the call kept under its key returned, its effect applied; MISS when none is
        kept or it cannot be applied here."""
        entry = self.store.folder / f"{pending.key[:40]}.pickle"
        if not entry.is_file():
            return MISS
        try:
            overlay_effects, effect, result = _Unpickler(
                io.BytesIO(entry.read_bytes()), machine, node, pending.outside).load()
        except Exception:  # truncated, or written by a run that crashed: run again
            return MISS
        if not isinstance(effect, MachineEffect) or type(overlay_effects) is not list \
                or len(overlay_effects) != len(machine.overlays):
            return MISS
        # A replay must not carry the file past a bound that running the call would have
        # stopped at: there, it runs, to stop where it stops.
        if not machine.replay_fits(effect.steps, effect.built):
            return MISS
        machine.steps += effect.steps
        machine.budget.built += effect.built
        machine.blind_spots.extend(BlindSpot(reason, None, path, line) for reason, path, line in effect.blind_spots)
        machine.absent_files.update(effect.absent)
        for index, name, value in effect.flags:
            setattr(pending.outside[index], name, value)
        self.loaded.update(dict.fromkeys(p for p in effect.loaded if p not in machine.loaded))
        for overlay, overlay_effect in zip(machine.overlays, overlay_effects):
            overlay.replay(overlay_effect)
        return result

    # ------------------------------------------------------------------ keeping

    def mark(self, machine: "Interpreter", pending: Pending) -> tuple:
        """The state a kept call's effect is measured from."""
        return (machine.steps, machine.budget.built, machine.budget.first, len(machine.blind_spots),
                set(machine.loaded), set(machine.absent_files), [o.replay_mark() for o in machine.overlays],
                [fields_of(value) for value in pending.outside])

    def keep(self, machine: "Interpreter", pending: Pending, mark: tuple, args: list, kwargs: dict, result: object,
             node: cst.CSTNode) -> None:
        """Keep what the call did since ``mark``, if all of it can be kept."""
        entry = self.store.folder / f"{pending.key[:40]}.pickle"
        steps, built, first, spots, loaded, absent, overlay_marks, given = mark
        if machine.budget.first is not first:
            return
        flags = set_flags(pending, given)
        if flags is None or not unchanged_but_flags(machine, pending, given, flags, args, kwargs):
            return
        overlay_effects = [o.replay_effect(m) for o, m in zip(machine.overlays, overlay_marks)]
        if any(e is NotImplemented for e in overlay_effects):
            return
        try:
            new_spots = tuple(self.spot_line(machine, spot) for spot in machine.blind_spots[spots:])
        except _NotKept:
            return
        effect = MachineEffect(machine.steps - steps, machine.budget.built - built, new_spots,
                               tuple(p for p in machine.loaded if p not in loaded),
                               tuple(sorted(machine.absent_files - absent)), flags)
        existing = {id(value) for overlay, m in zip(machine.overlays, overlay_marks)
                    for value in overlay.replay_existing(m)}
        buffer = io.BytesIO()
        try:
            # the overlays' records first: they hold what the result is made of, in order
            _Pickler(buffer, machine, node, pending.outside, existing).dump((overlay_effects, effect, result))
        except (_NotKept, pickle.PicklingError, RecursionError, TypeError, AttributeError):
            return
        scratch = entry.with_suffix(f".{os.getpid()}.tmp")
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            scratch.write_bytes(buffer.getvalue())
            scratch.replace(entry)  # whole or not at all: a concurrent run may be reading it
        except OSError:  # a read-only cache folder only costs speed
            with suppress(OSError):
                scratch.unlink()

    def spot_line(self, machine: "Interpreter", spot: BlindSpot) -> tuple[str, str, int]:
        tree = machine.module_trees.get(spot.path) if spot.path is not None else None
        if tree is None or spot.node is None:
            raise _NotKept()
        return spot.reason, spot.path, self.store.line_of(tree, spot.node)


def pickled_arguments(machine: "Interpreter", args: list, kwargs: dict) -> tuple[bytes, tuple] | None:
    """The arguments pickled (what the key holds of them) and the file's own objects in them,
    in the order met; None when they hold what cannot be pickled."""
    buffer = io.BytesIO()
    pickler = _ArgumentPickler(buffer, machine)
    try:
        pickler.dump((args, sorted(kwargs.items())))
    except (_NotKept, pickle.PicklingError, RecursionError, TypeError, AttributeError):
        return None
    return buffer.getvalue(), tuple(pickler.outside.values())


def fields_of(value: object) -> dict | None:
    """A dataclass's fields as they are now (None for anything else, and for syntax nodes,
    which nothing changes)."""
    if not is_dataclass(value) or isinstance(value, (type, cst.CSTNode)):
        return None
    return {f.name: getattr(value, f.name) for f in fields(value)}


def set_flags(pending: Pending, given: list) -> tuple[tuple[int, str, object], ...] | None:
    """The plain fields the call set on what it was given, or None when it changed one that
    holds more than a constant."""
    flags = []
    for index, (value, before) in enumerate(zip(pending.outside, given)):
        if before is None:
            continue
        for name, old in before.items():
            new = getattr(value, name)
            if new is not old:
                if type(new) not in FLAGS or type(old) not in FLAGS:
                    return None
                flags.append((index, name, new))
    return tuple(flags)


def unchanged_but_flags(machine: "Interpreter", pending: Pending, given: list, flags: tuple, args: list,
                        kwargs: dict) -> bool:
    """What the call was given is as it was but for ``flags``: pickled with them undone, the
    arguments are what they were (so that nothing else the call changed there goes unreplayed)."""
    for index, name, _ in flags:
        setattr(pending.outside[index], name, given[index][name])
    try:
        again = pickled_arguments(machine, args, kwargs)
    finally:
        for index, name, value in flags:
            setattr(pending.outside[index], name, value)
    return again is not None and again[0] == pending.arguments


def library_classes(machine: "Interpreter") -> dict[int, tuple[str, str, str]]:
    """The classes library modules define at their top level, and their ClassDef nodes, by
    id: named by module file and name (the objects a custom layer the call made is of)."""
    named = {}
    for path in machine.library_files:
        scope = machine.loaded.get(path)
        for name, value in (scope.names.items() if scope is not None else ()):
            if type(value) is ClassValue:
                named[id(value)] = ("class", path, name)
                named[id(value.node)] = ("class node", path, name)
    return named


def replayable(machine: "Interpreter") -> frozenset:
    """The types a call's arguments and effect may hold."""
    return frozenset((type(UNKNOWN), ModuleRef, MachineEffect, ObjectValue,
                      *(t for o in machine.overlays for t in o.replayable_types)))


class _NotKept(Exception):
    """The call's arguments or effect hold something that cannot be kept."""


class _ArgumentPickler(pickle.Pickler):
    """Pickles a call's arguments by value, noting the file's own objects in them (kept by
    identity in what the call makes); syntax nodes are only named: library code never reads
    the file's syntax."""

    def __init__(self, file: io.BytesIO, machine: "Interpreter") -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.overlays = machine.overlays
        self.allowed = replayable(machine)
        self.outside: dict[int, object] = {}

    def persistent_id(self, obj: object) -> object:
        kind = type(obj)
        if kind in VALUES or kind in REFERENCES:
            return None
        if isinstance(obj, cst.CSTNode):
            self.outside.setdefault(id(obj), obj)
            return ("node",)
        for index, overlay in enumerate(self.overlays):
            found = overlay.persistent_id(obj)
            if found is not None:
                return ("overlay", index, found)
        if kind not in self.allowed:
            raise _NotKept(kind.__name__)
        self.outside.setdefault(id(obj), obj)
        return None


class _Pickler(pickle.Pickler):
    """Pickles a call's effect. It may hold the call's own node and what it was given (both
    named), and new values of the replayable types; anything else raises _NotKept: another
    syntax node, a value made before the call that it was not given, a type not replayable."""

    def __init__(self, file: io.BytesIO, machine: "Interpreter", site: cst.CSTNode, outside: tuple,
                 existing: set[int]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.site = site
        self.overlays = machine.overlays
        self.allowed = replayable(machine)
        self.outside = {id(value): index for index, value in enumerate(outside)}
        self.existing = existing
        self.library_classes = library_classes(machine)

    def persistent_id(self, obj: object) -> object:
        kind = type(obj)
        if kind in VALUES or kind in REFERENCES:
            return None
        if obj is self.site:
            return ("site",)
        index = self.outside.get(id(obj))
        if index is not None:
            return ("outside", index)
        named = self.library_classes.get(id(obj))
        if named is not None:
            return named
        if isinstance(obj, cst.CSTNode) or id(obj) in self.existing:
            raise _NotKept(kind.__name__)
        for number, overlay in enumerate(self.overlays):
            found = overlay.persistent_id(obj)
            if found is not None:
                return ("overlay", number, found)
        if kind in self.allowed:
            return None
        raise _NotKept(kind.__name__)


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, machine: "Interpreter", site: cst.CSTNode, outside: tuple) -> None:
        super().__init__(file)
        self.machine = machine
        self.site = site
        self.overlays = machine.overlays
        self.outside = outside

    def persistent_load(self, pid: tuple) -> object:
        if pid[0] == "site":
            return self.site
        if pid[0] == "outside":
            return self.outside[pid[1]]
        if pid[0] in ("class", "class node"):
            scope = self.machine.loaded.get(pid[1])
            cls = scope.names.get(pid[2]) if scope is not None else None
            if type(cls) is not ClassValue:
                raise _NotKept(pid[2])  # its module is not loaded here: the call runs
            return cls if pid[0] == "class" else cls.node
        return self.overlays[pid[1]].persistent_value(pid[2])
