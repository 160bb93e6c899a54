"""The pure Python the machine computes with known values: builtins, a few standard-library
functions, and str methods. Each is run on plain, fully known values only."""

from __future__ import annotations

import copy
import math

from kgraphlint.interpret.values import UNKNOWN, is_known, is_plain

PURE_BUILTINS = {
    "len": len, "range": range, "int": int, "float": float, "str": str, "tuple": tuple,
    "list": list, "min": min, "max": max, "abs": abs, "sum": sum, "bool": bool,
    "round": round, "sorted": sorted, "reversed": reversed, "enumerate": enumerate, "zip": zip,
    "chr": chr, "ord": ord, "divmod": divmod, "isinstance": isinstance, "any": any, "all": all,
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
