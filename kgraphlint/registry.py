"""Find the rules: the built-in ``kgraphlint.rules`` package and third-party entry points.

A third-party package registers a Rule subclass (or a module holding some) in its
pyproject.toml:

    [project.entry-points."kgraphlint.rules"]
    my_rule = "my_package.my_rules:MyRule"
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import lru_cache
from importlib.metadata import entry_points
from types import ModuleType

from kgraphlint.rule import Rule

ENTRY_POINT_GROUP = "kgraphlint.rules"


def rules_in(module: ModuleType) -> list[type[Rule]]:
    return [
        obj for obj in vars(module).values()
        if inspect.isclass(obj) and issubclass(obj, Rule) and obj is not Rule and obj.__module__ == module.__name__
    ]


def _builtin_rules() -> list[type[Rule]]:
    package = importlib.import_module("kgraphlint.rules")
    found: list[type[Rule]] = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        found.extend(rules_in(importlib.import_module(f"{package.__name__}.{info.name}")))
    return found


def _plugin_rules() -> list[type[Rule]]:
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
    return tuple(rules)


def find_rule(code_or_name: str) -> type[Rule] | None:
    wanted = code_or_name.strip()
    for rule in all_rules():
        if wanted.upper() == rule.code or wanted.lower() == rule.name:
            return rule
    return None
