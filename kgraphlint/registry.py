"""Find the rules: the built-in ``kgraphlint.rules`` package and third-party entry points.

A third-party package registers a Rule subclass (or a module holding some) in its
pyproject.toml:

    [project.entry-points."kgraphlint.rules"]
    my_rule = "my_package.my_rules:MyRule"
"""

from __future__ import annotations

import importlib
import inspect
import json
from functools import lru_cache
from pathlib import Path
from types import ModuleType

from kgraphlint.rule import Rule

ENTRY_POINT_GROUP = "kgraphlint.rules"

#: The codes and names an earlier run of the same code found, and the file they are kept
#: in (the result cache's, see ``remember_names_in``). Importing the rules imports most of
#: the engine; a run whose results are all cached validates its selectors against these.
_remembered_in: Path | None = None
_remembered: frozenset[str] = frozenset()


def rules_in(module: ModuleType) -> list[type[Rule]]:
    return [
        obj for obj in vars(module).values()
        if inspect.isclass(obj) and issubclass(obj, Rule) and obj is not Rule and obj.__module__ == module.__name__
    ]


def _builtin_rules() -> list[type[Rule]]:
    import pkgutil  # here: a run whose results are all cached loads no rule

    package = importlib.import_module("kgraphlint.rules")
    found: list[type[Rule]] = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        found.extend(rules_in(importlib.import_module(f"{package.__name__}.{info.name}")))
    return found


def _plugin_rules() -> list[type[Rule]]:
    from importlib.metadata import entry_points

    found: list[type[Rule]] = []
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        loaded = entry.load()
        if inspect.isclass(loaded) and issubclass(loaded, Rule):
            found.append(loaded)
        elif inspect.ismodule(loaded):
            found.extend(rules_in(loaded))
    return found


@lru_cache(maxsize=1)
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule, sorted by code. Codes and names must be unique."""
    rules = sorted({*_builtin_rules(), *_plugin_rules()}, key=lambda r: r.code)
    seen: dict[str, type[Rule]] = {}
    for rule in rules:
        for key in (rule.code, rule.name):
            if key in seen and seen[key] is not rule:
                raise RuntimeError(f"rules {seen[key].__name__} and {rule.__name__} both use {key!r}")
            seen[key] = rule
    if _remembered_in is not None and set(seen) != _remembered:
        try:
            _remembered_in.parent.mkdir(parents=True, exist_ok=True)
            _remembered_in.write_text(json.dumps(sorted(seen)))
        except OSError:
            pass  # not remembered only costs speed
    return tuple(rules)


def remember_names_in(path: Path) -> None:
    """Keep the rules' codes and names in ``path`` (written the first time the rules load)
    and use what an earlier run wrote there."""
    global _remembered_in, _remembered
    _remembered_in = path
    try:
        names = json.loads(path.read_text())
        _remembered = frozenset(n for n in names if isinstance(n, str))
    except (OSError, ValueError, TypeError):
        _remembered = frozenset()


def is_selector(token: str) -> bool:
    """Whether ``token`` names rules: ALL, a code, a code prefix (KGL1) or a rule name. Known
    from the remembered names when it is among them; otherwise the rules are loaded."""
    if token.upper() == "ALL":
        return True
    prefix, name = token.upper(), token.lower()
    if any(known == name or (known.isupper() and known.startswith(prefix)) for known in _remembered):
        return True
    return any(rule.code.startswith(prefix) or rule.name == name for rule in all_rules())


def find_rule(code_or_name: str) -> type[Rule] | None:
    wanted = code_or_name.strip()
    for rule in all_rules():
        if wanted.upper() == rule.code or wanted.lower() == rule.name:
            return rule
    return None
