"""Settings from ``[tool.kgraphlint]`` in pyproject.toml, overridden by command-line flags.

    [tool.kgraphlint]
    select = ["ALL"]                  # codes, names or code prefixes ("KGL1")
    extend-select = []
    ignore = ["probable-missing-flatten"]
    per-file-ignores = { "tests/*" = ["KGL201"] }
    exclude = ["legacy/*"]
    fail-on = "warning"               # error | warning | info | never
    keras-version = "3"               # "2" for tf_keras / Keras 2 code
    time-budget = 60                  # seconds per file; past it the file is not analysed (KGL003)

    [tool.kgraphlint.severity]
    KGL107 = "error"

The nearest pyproject.toml with a ``[tool.kgraphlint]`` table above a checked file applies
to it (like ruff, the closest one wins; there is no merging).
"""

from __future__ import annotations

import fnmatch
import os
import sys
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from kgraphlint.registry import all_rules, is_selector
from kgraphlint.rule import Rule, Severity

FAIL_ON = ("error", "warning", "info", "never")
KEYS = {"select", "extend-select", "ignore", "per-file-ignores", "exclude", "fail-on", "keras-version", "severity",
        "time-budget"}
#: seconds of analysis per file unless configured
TIME_BUDGET = 60.0


class ConfigError(Exception):
    """A configuration value kgraphlint cannot use (exit code 2)."""


def absolute(path: Path) -> Path:
    """An absolute path without resolving symlinks (Path.resolve raises on a symlink loop)."""
    return Path(os.path.abspath(path))


def check_selector(selector: str) -> None:
    if not is_selector(selector.strip()):
        raise ConfigError(f"unknown rule selector {selector!r} (use a code like KGL101, a prefix like KGL1, "
                          f"or a name like merge-shape-mismatch)")


def rules_matching(selector: str) -> list[type[Rule]]:
    """Rules a selector names: ALL, a code or code prefix, or a rule name."""
    check_selector(selector)
    token = selector.strip()
    if token.upper() == "ALL":
        return list(all_rules())
    return [r for r in all_rules() if r.code.startswith(token.upper()) or r.name == token.lower()]


def _matches(pattern: str, relative: str) -> bool:
    if fnmatch.fnmatch(relative, pattern):
        return True
    # A pattern without a slash matches any path component (like "build" or "*_test.py").
    return "/" not in pattern and any(fnmatch.fnmatch(part, pattern) for part in relative.split("/"))


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] = ("ALL",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = ()
    fail_on: str = "warning"
    keras_version: str = "3"
    #: seconds `check` spends on one file before it reports it as not analysed
    time_budget: float = TIME_BUDGET
    severity_overrides: tuple[tuple[str, str], ...] = ()
    #: the folder patterns are relative to (the pyproject's folder)
    root: Path = field(default_factory=Path.cwd)
    source: str = "defaults"

    def validate(self) -> "Settings":
        for selector in (*self.select, *self.extend_select, *self.ignore,
                         *(s for _, codes in self.per_file_ignores for s in codes),
                         *(s for s, _ in self.severity_overrides)):
            check_selector(selector)
        if self.fail_on not in FAIL_ON:
            raise ConfigError(f"fail-on must be one of {', '.join(FAIL_ON)}, not {self.fail_on!r}")
        if self.keras_version not in ("2", "3"):
            raise ConfigError(f"keras-version must be \"2\" or \"3\", not {self.keras_version!r}")
        if isinstance(self.time_budget, bool) or not isinstance(self.time_budget, (int, float)) or not (
                0 < self.time_budget < float("inf")):
            raise ConfigError(f"time-budget must be a positive number of seconds, not {self.time_budget!r}")
        for selector, level in self.severity_overrides:
            if level not in ("error", "warning", "info"):
                raise ConfigError(f"severity for {selector} must be error, warning or info, not {level!r}")
        return self

    def enabled_rules(self) -> list[type[Rule]]:
        enabled = {r for s in (*self.select, *self.extend_select) for r in rules_matching(s)}
        enabled -= {r for s in self.ignore for r in rules_matching(s)}
        return sorted(enabled, key=lambda r: r.code)

    def severity_of(self, rule: type[Rule]) -> Severity:
        for selector, level in self.severity_overrides:
            if rule in rules_matching(selector):
                return Severity(level)
        return rule.severity

    def relative(self, path: Path) -> str:
        try:
            return absolute(path).relative_to(absolute(self.root)).as_posix()
        except ValueError:
            return path.as_posix()

    def ignored_in_file(self, rule: type[Rule], path: Path) -> bool:
        if not self.per_file_ignores:
            return False
        relative = self.relative(path)
        return any(
            _matches(pattern, relative) and any(rule in rules_matching(s) for s in selectors)
            for pattern, selectors in self.per_file_ignores
        )

    def excluded(self, path: Path) -> bool:
        relative = self.relative(path)
        return any(_matches(pattern, relative) for pattern in self.exclude)

    def fails(self, severity: Severity) -> bool:
        return self.fail_on != "never" and severity.rank >= Severity(self.fail_on).rank


def _strings(table: dict, key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a list of strings")
    return tuple(value)


def settings_from_table(table: dict, root: Path, where: str) -> Settings:
    unknown = set(table) - KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(KEYS))}")
    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, dict):
        raise ConfigError(f"{where}: per-file-ignores must be a table of glob = [codes]")
    severity = table.get("severity", {})
    if not isinstance(severity, dict):
        raise ConfigError(f"{where}: severity must be a table of code = \"error\" | \"warning\" | \"info\"")
    return Settings(
        select=_strings(table, "select", where) or ("ALL",),
        extend_select=_strings(table, "extend-select", where),
        ignore=_strings(table, "ignore", where),
        per_file_ignores=tuple((glob, _strings(per_file, glob, where)) for glob in per_file),
        exclude=_strings(table, "exclude", where),
        fail_on=str(table.get("fail-on", "warning")),
        keras_version=str(table.get("keras-version", "3")),
        time_budget=table.get("time-budget", TIME_BUDGET),
        severity_overrides=tuple((k, str(v)) for k, v in severity.items()),
        root=root,
        source=where,
    ).validate()


def load_pyproject(path: Path) -> Settings | None:
    """Settings from one pyproject.toml, or None if it has no [tool.kgraphlint] table.
    A file that never says "kgraphlint" has no such table and is not parsed: the rest of a
    pyproject.toml is other tools' business (TOML's import and parse are several
    milliseconds of a run whose results are all cached)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from error
    if "kgraphlint" not in text:
        return None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from error
    table = data.get("tool", {}).get("kgraphlint")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.kgraphlint] must be a table")
    return settings_from_table(table, path.parent, str(path))


@lru_cache(maxsize=None)
def settings_for_dir(directory: Path) -> Settings:
    for folder in (directory, *directory.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            found = load_pyproject(candidate)
            if found is not None:
                return found
    return Settings(root=directory)


def discover_settings(path: Path) -> Settings:
    """The settings that apply to a file or folder: the nearest [tool.kgraphlint]."""
    start = absolute(path)
    return settings_for_dir(start if start.is_dir() else start.parent)


@dataclass(frozen=True)
class Overrides:
    """Command-line flags; each replaces the configuration value when given."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    fail_on: str | None = None
    keras_version: str | None = None
    time_budget: float | None = None

    def apply(self, settings: Settings) -> Settings:
        changes = {k: v for k, v in vars(self).items() if v is not None}
        if "select" in changes:
            # As in ruff, a command-line selection is a new layer: the file's ignores and
            # extensions no longer apply to it.
            changes.setdefault("ignore", ())
            changes.setdefault("extend_select", ())
        elif "extend_select" in changes:
            changes["extend_select"] = settings.extend_select + changes["extend_select"]
        if "ignore" in changes and "select" not in changes:
            changes["ignore"] = settings.ignore + changes["ignore"]
        return replace(settings, **changes).validate() if changes else settings
