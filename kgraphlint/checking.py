"""`kgraphlint check`: analyse files, run the enabled rules, drop what is suppressed.

``check_paths`` and ``check_source`` are the public API behind the command line.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from kgraphlint.analysis import analyze_source
from kgraphlint.config import ConfigError, Overrides, Settings, discover_settings
from kgraphlint.rule import Finding, RuleContext
from kgraphlint.sources import SourceFile, discover, read_source
from kgraphlint.suppression import find_suppressions


@dataclass
class CheckResult:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    #: "path: internal error in rule CODE ..." for each rule that crashed
    internal_errors: list[str] = field(default_factory=list)
    #: file text by path, for code frames
    texts: dict[str, str] = field(default_factory=dict)

    def merge(self, other: "CheckResult") -> None:
        self.findings.extend(other.findings)
        self.files += other.files
        self.internal_errors.extend(other.internal_errors)
        self.texts.update(other.texts)


def check_source_file(source: SourceFile, settings: Settings, path: Path | None = None) -> CheckResult:
    """Every enabled rule on one file; a crashing rule is reported and the others still run."""
    result = CheckResult(files=1, texts={source.path: source.text})
    analysis = analyze_source(source, settings.keras_version)
    for rule_class in settings.enabled_rules():
        if path is not None and settings.ignored_in_file(rule_class, path):
            continue
        rule = rule_class()
        severity = settings.severity_of(rule_class)
        overridden = severity is not rule_class.severity
        try:
            for finding in rule.check(RuleContext(analysis, rule)):
                result.findings.append(replace(finding, severity=severity) if overridden else finding)
        except Exception as error:  # a bug in one rule must not hide the others' findings
            result.internal_errors.append(
                f"{source.path}: internal error in rule {rule.code} ({rule.name}): {type(error).__name__}: {error}")
    if result.findings:
        suppressions = find_suppressions(source.text)
        result.findings = [f for f in result.findings if not suppressions.silences(f)]
    result.findings.sort(key=lambda f: f.sort_key)
    return result


def check_source(text: str, path: str = "<string>", settings: Settings | None = None) -> list[Finding]:
    """Check a program given as text (the API tests and editors use)."""
    return check_source_file(SourceFile(path, text), (settings or Settings()).validate()).findings


def check_paths(paths: list[str], overrides: Overrides = Overrides(), explicit: Settings | None = None) -> CheckResult:
    result = CheckResult()
    for raw in paths:
        root = Path(raw)
        for path in discover([raw]):
            settings = overrides.apply(explicit or discover_settings(path))
            # Files named on the command line are checked even if excluded, like ruff
            # without --force-exclude; excludes prune what directory walks find.
            if path != root and settings.excluded(path):
                continue
            result.merge(check_source_file(read_source(path), settings, path))
    return result


def split_list(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(v.strip() for v in value.split(",") if v.strip())


def run_check(args: argparse.Namespace) -> int:
    from kgraphlint.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, UsageError, console_for, missing_paths
    from kgraphlint.config import load_pyproject
    from kgraphlint.report import render

    if missing := missing_paths(args.paths):
        raise UsageError(f"no such file or directory: {', '.join(missing)}")
    overrides = Overrides(split_list(args.select), split_list(args.extend_select), split_list(args.ignore),
                          args.fail_on, args.keras_version)
    try:
        explicit = None
        if args.config:
            explicit = load_pyproject(Path(args.config)) or Settings(root=Path(args.config).parent)
        result = check_paths(args.paths, overrides, explicit)
        fail_settings = overrides.apply(explicit or discover_settings(Path(args.paths[0])))
    except ConfigError as error:
        raise UsageError(str(error)) from error
    render(result, args.format, console_for(args.no_color))
    for message in result.internal_errors:
        print(f"kgraphlint: {message}", file=sys.stderr)
    if result.internal_errors:
        return EXIT_ERROR
    failing = any(fail_settings.fails(f.severity) for f in result.findings)
    return EXIT_FINDINGS if failing and not args.exit_zero else EXIT_OK


def run_rules(console) -> int:
    from rich.table import Table

    from kgraphlint.registry import all_rules

    table = Table(title="kgraphlint rules", title_justify="left")
    for column in ("code", "name", "severity", "fixable", "finds"):
        table.add_column(column)
    for rule in all_rules():
        table.add_row(rule.code, rule.name, rule.severity.value, "yes" if rule.fixable else "", rule.summary)
    console.print(table)
    return 0


def run_rule(code_or_name: str, console) -> int:
    from rich.markdown import Markdown

    from kgraphlint.cli import UsageError
    from kgraphlint.registry import find_rule

    rule = find_rule(code_or_name)
    if rule is None:
        raise UsageError(f"no rule {code_or_name!r}; `kgraphlint rules` lists them")
    parts = [f"# {rule.name} ({rule.code})", f"Severity: **{rule.severity.value}**. {rule.summary}", rule.rationale()]
    parts += ["## Bad", *(f"```python\n{example.strip()}\n```" for example in rule.bad)]
    parts += ["## Good", *(f"```python\n{example.strip()}\n```" for example in rule.good)]
    console.print(Markdown("\n\n".join(parts)))
    return 0
