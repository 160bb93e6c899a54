"""The pure Python the machine computes with known values: builtins, a few standard-library
functions, and str methods. Each is run on plain, fully known values only."""

from __future__ import annotations

import copy
import itertools
import keyword
import math

from kgraphlint.interpret.values import UNKNOWN, NamedTupleClass, is_known, is_plain

PURE_BUILTINS = {
    "len": len, "range": range, "int": int, "float": float, "str": str, "tuple": tuple,
    "list": list, "min": min, "max": max, "abs": abs, "sum": sum, "bool": bool,
    "round": round, "sorted": sorted, "reversed": reversed, "enumerate": enumerate, "zip": zip,
    "chr": chr, "ord": ord, "divmod": divmod, "isinstance": isinstance, "any": any, "all": all,
    "dict": dict, "callable": callable, "getattr": getattr, "hasattr": hasattr,
}
#: standard-library functions of plain values, by the dotted name code reaches them through
PURE_MODULE_FUNCTIONS = {
    "math.ceil": math.ceil, "math.floor": math.floor, "math.sqrt": math.sqrt, "math.log": math.log,
    "math.log2": math.log2, "math.prod": math.prod, "math.gcd": math.gcd,
    "copy.deepcopy": copy.deepcopy, "copy.copy": copy.copy,
}
STRING_METHODS = frozenset({"format", "join", "lower", "upper", "replace", "split", "rsplit", "strip",
                            "lstrip", "rstrip", "startswith", "endswith", "title", "capitalize", "zfill"})
PLAIN_TYPES = (int, float, str, tuple, list, dict, bool)


def named_tuple_class(args: list, kwargs: dict, partial: bool) -> object:
    """``collections.namedtuple("ModelParams", ["name", "repetitions"])`` of known field
    names: the class (made here, not by running Python's namedtuple); UNKNOWN otherwise."""
    if partial or len(args) != 2 or set(kwargs) - {"defaults"} or not all(
            is_known(v) and is_plain(v) for v in [*args, *kwargs.values()]):
        return UNKNOWN
    name, fields = args
    if isinstance(fields, str):
        fields = fields.replace(",", " ").split()
    defaults = tuple(kwargs.get("defaults") or ())
    if not isinstance(name, str) or not isinstance(fields, (list, tuple)) or len(defaults) > len(fields) or \
            len(set(fields)) != len(fields) or not all(
            isinstance(f, str) and f.isidentifier() and not keyword.iskeyword(f) and not f.startswith("_")
            for f in fields):
        return UNKNOWN  # Python raises, or renames (rename=True)
    return NamedTupleClass(name, tuple(fields), defaults)


#: the containers whose items builtins may count, pair or copy whatever the items are
CONTAINERS = (list, tuple, dict, str, range)
#: the iterators those builtins make (reversed() of a list or a range is an iterator of
#: its own type), which loops, list() and tuple() may read out
ITERATORS = (zip, enumerate, reversed, type(reversed([])), type(reversed(range(0))))
#: the most items list() reads out of an iterator (zip(range(10**9), names) is long)
MAX_ITEMS = 100_000


def read_out(iterator) -> list | None:
    """The items of a zip, enumerate or reversed object, or None when there are too many."""
    items = list(itertools.islice(iterator, MAX_ITEMS + 1))
    return items if len(items) <= MAX_ITEMS else None


def structural_call(function, args: list, kwargs: dict, partial: bool) -> object:
    """The builtins that count, pair, reverse or copy a container's items without looking at
    them: ``len(tensors)``, ``enumerate(blocks)``, ``zip(filters, skips)``, ``list(x)``,
    ``dict(pairs)`` and ``copy.copy(x)`` of a container, whatever it holds (a list of layers
    as a list of numbers); NotImplemented for anything else."""
    if kwargs or partial or not args or type(args[0]) not in (*CONTAINERS, *ITERATORS):
        return NotImplemented
    args = [read_out(a) if type(a) in ITERATORS else a for a in args]  # enumerate(zip(...))
    if any(a is None for a in args):
        return NotImplemented
    value = args[0]
    if len(args) == 1:
        if function is len:
            return len(value)
        if function in (list, tuple, reversed, enumerate) and type(value) is not dict:
            return function(value)
        if function in (dict, copy.copy) and type(value) is dict:
            return dict(value)
        if function is dict and type(value) in (list, tuple) and all(
                type(pair) in (list, tuple) and len(pair) == 2 and is_known(pair[0]) and is_plain(pair[0])
                and not isinstance(pair[0], (list, dict)) for pair in value):
            return dict(value)  # dict(list(a.items()) + list(b.items()))
        if function is copy.copy and type(value) in (list, tuple):
            return type(value)(value)
    if function is zip and all(type(a) in CONTAINERS for a in args):
        return zip(*args)
    if function is enumerate and len(args) == 2 and type(args[1]) is int:
        return enumerate(value, args[1])
    return NotImplemented


def pure_call(function, args: list, kwargs: dict, partial: bool) -> object:
    """A pure function of plain, known values, computed; UNKNOWN for anything else."""
    if function is isinstance and len(args) == 2:
        classes = args[1] if isinstance(args[1], tuple) else (args[1],)
        if not all(c in PLAIN_TYPES for c in classes) or not (is_known(args[0]) and is_plain(args[0])):
            return UNKNOWN
    elif not all(is_known(a) and is_plain(a) for a in args):
        return UNKNOWN
    if kwargs or partial:
        return UNKNOWN
    try:
        return function(*args)
    except Exception:
        return UNKNOWN


def string_method(text: str, method: str, args: list, kwargs: dict, partial: bool) -> object:
    """``"mixed{0}".format(5)``, ``"_".join(parts)`` and the other pure str methods."""
    if method not in STRING_METHODS or partial or not all(is_known(v) and is_plain(v) for v in [*args, *kwargs.values()]):
        return UNKNOWN
    try:
        return getattr(text, method)(*args, **kwargs)
    except Exception:
        return UNKNOWN
