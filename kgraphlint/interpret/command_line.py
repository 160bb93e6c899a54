"""``argparse`` as a plain run of the script uses it: with no command-line arguments, each
option is its default (what ``python train.py`` builds), a required or positional one is
unknown, and so is anything the parser is asked that is not followed here.

``parser = argparse.ArgumentParser(); parser.add_argument("--units", type=int, default=64);
args = parser.parse_args()`` makes ``args.units`` 64. The namespace is a plain object of
the machine (``ObjectValue``), so code that sets ``args.units = 128`` afterwards is followed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from kgraphlint.interpret.values import UNKNOWN, ClassValue, ObjectValue, is_known, is_plain

PARSER_CLASS = "argparse.ArgumentParser"
#: methods that return the parser itself, or a group whose arguments are the parser's
SAME_PARSER = frozenset({"add_argument_group", "add_mutually_exclusive_group"})
#: argparse's ``type=`` converters kgraphlint applies to a string default, as argparse does
#: (the machine's ``int`` is Python's)
CONVERTERS = (int, float, str)
NAMESPACE_CLASS = ClassValue(cst.parse_statement("class Namespace:\n    pass\n"), {}, {})


@dataclass(eq=False)
class ArgumentParserValue:
    """An ``argparse.ArgumentParser``: each destination's value in a plain run."""

    defaults: dict = field(default_factory=dict)
    #: False once it was handed to code not followed or asked what is not modelled
    #: (subparsers, parents, a flag computed at run time): parse_args is then unknown
    exact: bool = True


def new_parser(kwargs: dict, partial: bool) -> ArgumentParserValue:
    return ArgumentParserValue(exact=not partial and not kwargs.get("parents"))


def call_parser(parser: ArgumentParserValue, method: str, args: list, kwargs: dict, partial: bool,
                certain: bool) -> object:
    """``parser.method(...)``; ``certain``: the code surely runs (else what it adds is unknown)."""
    if method == "add_argument":
        add_argument(parser, args, kwargs, partial, certain)
        return None
    if method in SAME_PARSER:
        return parser
    if method == "set_defaults" and not args:
        for key, value in kwargs.items():
            parser.defaults[key] = value if certain else UNKNOWN
        parser.exact = parser.exact and not partial
        return None
    if method in ("parse_args", "parse_known_args"):
        given = args[0] if args else kwargs.get("args")
        if not parser.exact or partial or (given is not None and given != []):
            return UNKNOWN  # arguments given on purpose, or a parser not fully followed
        namespace = ObjectValue(NAMESPACE_CLASS, dict(parser.defaults))
        return namespace if method == "parse_args" else (namespace, [])
    if method in ("print_help", "print_usage", "error", "exit"):
        return UNKNOWN
    parser.exact = False  # add_subparsers and the rest: not modelled
    return UNKNOWN


def add_argument(parser: ArgumentParserValue, args: list, kwargs: dict, partial: bool, certain: bool) -> None:
    flags = [a for a in args if isinstance(a, str)]
    if partial or not flags or len(flags) != len(args) or not all(is_known(v) for v in kwargs.values()):
        parser.exact = False
        return
    dest = kwargs.get("dest")
    long_flags = [f for f in flags if f.startswith("--")]
    optional = flags[0].startswith("-")
    if not isinstance(dest, str):
        dest = (long_flags[0][2:] if long_flags else flags[0].lstrip("-")).replace("-", "_")
    action = kwargs.get("action", "store")
    if action == "store_true":
        value = kwargs.get("default", False)
    elif action == "store_false":
        value = kwargs.get("default", True)
    elif action in ("store", "append", "extend", "count", "store_const", "append_const"):
        value = kwargs.get("default")
        convert = next((f for f in CONVERTERS if kwargs.get("type") is f), None)
        if isinstance(value, str) and "type" in kwargs:
            # argparse converts a string default with type=; a converter not known leaves it unknown
            value = convert(value) if convert is not None and _converts(convert, value) else UNKNOWN
    else:
        value = UNKNOWN  # a custom Action class
    if not optional and kwargs.get("nargs") not in ("?", "*"):
        value = UNKNOWN  # a plain run without it exits: it must be given
    if kwargs.get("required") is True:
        value = UNKNOWN
    if not is_plain(value):
        value = UNKNOWN
    parser.defaults[dest] = value if certain else UNKNOWN


def _converts(convert, value: str) -> bool:
    try:
        convert(value)
    except ValueError:
        return False
    return True

