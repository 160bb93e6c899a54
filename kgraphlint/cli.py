"""The ``kgraphlint`` command line.

    kgraphlint PATH...            same as ``kgraphlint check PATH...``
    kgraphlint check PATH...      report what will break or silently misbehave
    kgraphlint summary PATH...    each model's layers, shapes and parameters
    kgraphlint rules              the rule catalogue
    kgraphlint rule CODE|NAME     one rule's rationale and examples

Exit codes: 0 nothing reached --fail-on, 1 something did, 2 usage, configuration or
internal error.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from kgraphlint import __version__
from kgraphlint.analysis import AnalysisError, analyze_source
from kgraphlint.cache import ResultCache, cache_root
from kgraphlint.checking import CheckResult, check_paths, check_source_file, files_to_check
from kgraphlint.config import ConfigError, Overrides, Settings, discover_settings, load_pyproject
from kgraphlint.registry import all_rules, find_rule
from kgraphlint.fixes.apply import fixed_text, parses, unified_diff, with_noqa, write_atomically
from kgraphlint.report.findings import render as render_findings
from kgraphlint.report.findings import render_statistics
from kgraphlint.source.files import discover, read_source, source_from_text
from kgraphlint.source.source_file import SourceFile
from kgraphlint.report.stats import Coverage
from kgraphlint.graph.summary import model_summary
from kgraphlint.report.tables import render

COMMANDS = ("check", "summary", "rules", "rule", "graph", "lsp")
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """A bad flag, path or configuration value: exit 2 with the message."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kgraphlint", description="A static checker for Keras model code.")
    parser.add_argument("--version", action="version", version=f"kgraphlint {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="check files for Keras model bugs (the default command)")
    check.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    check.add_argument("--format", choices=("full", "concise", "json", "sarif", "github"), default="full")
    check.add_argument("--select", help="comma-separated codes, names or prefixes to enable (replaces the default)")
    check.add_argument("--extend-select", help="codes, names or prefixes to enable in addition")
    check.add_argument("--ignore", help="codes, names or prefixes to disable")
    check.add_argument("--fail-on", choices=("error", "warning", "info", "never"),
                       help="lowest severity that makes the exit code 1 (default: warning)")
    check.add_argument("--keras-version", choices=("2", "3"), help="the Keras the code targets (default: 3)")
    check.add_argument("--config", metavar="PYPROJECT", help="use this pyproject.toml instead of searching for one")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings reach --fail-on")
    check.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, metavar="N",
                       help="check files in N processes (default: the number of cores)")
    check.add_argument("--no-cache", action="store_true", help="neither read nor write the result cache")
    check.add_argument("--statistics", action="store_true", help="count the findings of each rule instead of listing them")
    add_build_arguments(check)
    check.add_argument("--stdin-filename", metavar="NAME",
                       help="check the text on standard input as if it were the file NAME")
    changes = check.add_mutually_exclusive_group()
    changes.add_argument("--fix", action="store_true", help="apply the safe fixes in place")
    changes.add_argument("--diff", action="store_true", help="show the fixes as a diff, write nothing (exit 1 if any)")
    changes.add_argument("--add-noqa", action="store_true", help="add # noqa comments for today's findings")
    check.add_argument("--no-color", action="store_true", help="plain text output")

    summary = commands.add_parser("summary", help="show each model's layers, shapes and parameters")
    summary.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    summary.add_argument("--format", choices=("table", "json"), default="table")
    summary.add_argument("--keras-version", choices=("2", "3"), default="3")
    summary.add_argument("--no-color", action="store_true")
    summary.add_argument("--stats", action="store_true",
                         help="instead of the tables: files, models, layer calls, the share with fully known "
                              "shapes, and where shapes were lost")
    add_build_arguments(summary)

    graph = commands.add_parser("graph", help="draw each model (Mermaid, Graphviz dot, or SVG/PNG through dot)")
    graph.add_argument("paths", nargs="+", metavar="PATH")
    graph.add_argument("--format", choices=("mermaid", "dot", "svg", "png"), default="mermaid")
    graph.add_argument("--output", metavar="DIR", help="folder for svg/png files (default: the current one)")
    graph.add_argument("--keras-version", choices=("2", "3"), default="3")

    commands.add_parser("lsp", help="run the language server on standard input and output")

    commands.add_parser("rules", help="list every rule with its code, name and severity")
    rule = commands.add_parser("rule", help="explain one rule")
    rule.add_argument("rule", metavar="CODE|NAME")
    return parser


def add_build_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--build", action="store_true",
                        help="also build each model with real Keras (TensorFlow) and compare; needs kgraphlint[build]")
    parser.add_argument("--device", choices=("cpu", "gpu", "auto"), default="auto",
                        help="where --build runs Keras (auto: the GPU when TensorFlow sees one)")


def start_builder(args: argparse.Namespace):
    """The Keras build worker for --build, or None; exit 2 with an install hint without TensorFlow."""
    if not args.build:
        return None
    from kgraphlint.build.compare import Builder, BuildUnavailable

    try:
        return Builder(args.device)
    except BuildUnavailable as error:
        raise UsageError(str(error)) from error


def normalize_argv(argv: list[str]) -> list[str]:
    """``kgraphlint PATH`` means ``kgraphlint check PATH``."""
    first = next((a for a in argv if a not in ("--no-color",)), None)
    if not argv or (first not in COMMANDS and first not in ("-h", "--help", "--version")):
        return ["check", *argv]
    return argv


def console_for(no_color: bool) -> Console:
    return Console(no_color=no_color, highlight=False, soft_wrap=True)


def missing_paths(paths: list[str]) -> list[str]:
    return [p for p in paths if not Path(p).exists()]


def confirmed_summary(analysis, build) -> dict:
    """A model's summary with, per layer, what Keras built ("keras") and whether it agrees."""
    summary = model_summary(analysis, build.model)
    summary["keras_build"] = {"device": build.device, "note": build.note,
                              "error": build.error["message"] if build.error else None}
    for row in summary["layers"]:
        keras = build.layers.get(row["name"])
        row["keras"] = keras
        row["confirmed"] = bool(keras) and keras_agrees(row, keras)
    return summary


def keras_agrees(row: dict, keras: dict) -> bool:
    from kgraphlint.build.compare import shapes_agree

    return shapes_agree(row["output_shape"], keras["output_shape"]) and row["params"] in (None, keras["params"])


def run_summary(args: argparse.Namespace) -> int:
    if missing := missing_paths(args.paths):
        raise UsageError(f"no such file or directory: {', '.join(missing)}")
    console = console_for(args.no_color)
    summaries: list[dict] = []
    coverage = Coverage()
    failed = False
    builder = start_builder(args)
    try:
        for path in discover(args.paths):
            try:
                analysis = analyze_source(read_source(path), args.keras_version)
            except AnalysisError as error:
                print(f"kgraphlint: {error}", file=sys.stderr)
                failed = True
                continue
            if analysis.problem is not None:
                p = analysis.problem
                print(f"{analysis.source.path}:{p.line}:{p.column}: {p.message}", file=sys.stderr)
                continue
            coverage.add(analysis)
            if builder is None:
                summaries.extend(model_summary(analysis, model) for model in analysis.models)
            else:
                summaries.extend(confirmed_summary(analysis, build) for build in builder.build(analysis))
    finally:
        if builder is not None:
            builder.close()
    if args.stats:
        if args.format == "json":
            print(json.dumps({"stats": coverage.to_json()}, indent=2))
        else:
            console.print("\n".join(coverage.lines()), highlight=False, markup=False)
    elif args.format == "json":
        print(json.dumps(summaries, indent=2))
    elif summaries:
        render(summaries, console)
    else:
        console.print("No Keras models found.")
        # Say what was seen and why it gave no model: a clean summary must not hide that.
        for line in coverage.unextracted_lines():
            console.print(line, highlight=False, markup=False)
    return EXIT_ERROR if failed else EXIT_OK


def tune_garbage_collector() -> None:
    """libcst trees and model graphs are many small objects that live until a file is done;
    CPython's default thresholds re-scan them thousands of times per file (a quarter of a
    cold run, measured with benchmarks/run.py). Collect young objects less often; the
    worker processes of --jobs inherit this by fork."""
    gc.set_threshold(100_000, 50, 100)


def split_list(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(v.strip() for v in value.split(",") if v.strip())


def run_check(args: argparse.Namespace) -> int:
    paths = [p for p in args.paths if p != "-"] or (["."] if args.stdin_filename is None else [])
    if args.stdin_filename is None and (missing := missing_paths(paths)):
        raise UsageError(f"no such file or directory: {', '.join(missing)}")
    overrides = Overrides(split_list(args.select), split_list(args.extend_select), split_list(args.ignore),
                          args.fail_on, args.keras_version)
    try:
        explicit = None
        if args.config:
            explicit = load_pyproject(Path(args.config)) or Settings(root=Path(args.config).parent)
        anchor = Path(args.stdin_filename or paths[0])
        settings = overrides.apply(explicit or discover_settings(anchor))
        if args.stdin_filename is not None:
            return check_stdin(args, settings)
        cache = None if args.no_cache else ResultCache(cache_root(anchor))
        jobs = max(1, args.jobs)
        builder = start_builder(args)
        try:
            result = check_paths(paths, overrides, explicit, jobs, cache, builder)
        finally:
            if builder is not None:
                builder.close()
        if args.fix or args.diff or args.add_noqa:
            changed = change_files(args, result, files_to_check(paths, overrides, explicit))
            if args.diff:
                return EXIT_FINDINGS if changed else EXIT_OK
            result = check_paths(paths, overrides, explicit, jobs, cache)
    except ConfigError as error:
        raise UsageError(str(error)) from error
    return report(args, result, settings)


def report(args: argparse.Namespace, result: CheckResult, settings: Settings) -> int:
    console = console_for(args.no_color)
    if args.statistics:
        render_statistics(result, args.format, console)
    else:
        render_findings(result, args.format, console)
    for note in result.notes:
        print(f"kgraphlint: note: {note}", file=sys.stderr)
    for message in result.internal_errors:
        print(f"kgraphlint: {message}", file=sys.stderr)
    if result.internal_errors:
        return EXIT_ERROR
    failing = any(settings.fails(f.severity) for f in result.findings)
    return EXIT_FINDINGS if failing and not args.exit_zero else EXIT_OK


def check_stdin(args: argparse.Namespace, settings: Settings) -> int:
    """Editors and pipes: the text comes on standard input; fixes go to standard output."""
    text = sys.stdin.read()
    source = source_from_text(args.stdin_filename, text)
    result = check_source_file(source, settings, Path(args.stdin_filename))
    if args.fix or args.diff:
        fixed = fixed_text(text, lambda t: check_source_file(SourceFile(args.stdin_filename, t), settings).findings)
        if args.diff:
            sys.stdout.write(unified_diff(args.stdin_filename, text, fixed))
            return EXIT_FINDINGS if fixed != text else EXIT_OK
        sys.stdout.write(fixed)
        return EXIT_OK
    return report(args, result, settings)


def change_files(args: argparse.Namespace, result: CheckResult, tasks: list) -> bool:
    """--fix, --diff or --add-noqa on the Python files that have findings."""
    reported = {f.path for f in result.findings}
    changed = False
    for path, settings in tasks:
        source = read_source(path)
        if source.kind != "python" or source.error is not None or source.path not in reported:
            continue
        if args.add_noqa:
            findings = [f for f in result.findings if f.path == source.path]
            new = with_noqa(source.text, findings)
        else:
            new = fixed_text(source.text, lambda t: check_source_file(SourceFile(source.path, t), settings).findings)
        if new == source.text or not parses(new):
            continue
        changed = True
        if args.diff:
            sys.stdout.write(unified_diff(source.path, source.text, new))
        else:
            write_atomically(path, new)
    return changed


RULE_GROUPS = {"correctness": "Bugs", "design": "Design smells (turn them off with --ignore KGL7)",
               "build": "With --build (real Keras)"}


def run_rules(console: Console) -> int:
    for category, title in RULE_GROUPS.items():
        table = Table(title=title, title_justify="left")
        for column in ("code", "name", "severity", "fixable", "finds"):
            table.add_column(column)
        for rule in all_rules():
            if rule.category == category:
                table.add_row(rule.code, rule.name, rule.severity.value, "yes" if rule.fixable else "", rule.summary)
        console.print(table)
    return EXIT_OK


def run_rule(code_or_name: str, console: Console) -> int:
    rule = find_rule(code_or_name)
    if rule is None:
        raise UsageError(f"no rule {code_or_name!r}; `kgraphlint rules` lists them")
    parts = [f"# {rule.name} ({rule.code})", f"Severity: **{rule.severity.value}**. {rule.summary}", rule.rationale()]
    parts += ["## Bad", *(f"```python\n{example.strip()}\n```" for example in rule.bad)]
    parts += ["## Good", *(f"```python\n{example.strip()}\n```" for example in rule.good)]
    console.print(Markdown("\n\n".join(parts)))
    return EXIT_OK


GRAPHVIZ_HELP = ("rendering svg/png needs Graphviz's `dot` program: install it (apt install graphviz, "
                 "brew install graphviz, conda install graphviz), or use --format mermaid or dot")


def run_graph(args: argparse.Namespace) -> int:
    from kgraphlint.report.drawing import dot, mermaid

    if missing := missing_paths(args.paths):
        raise UsageError(f"no such file or directory: {', '.join(missing)}")
    renderer = shutil.which("dot") if args.format in ("svg", "png") else None
    if args.format in ("svg", "png") and renderer is None:
        raise UsageError(GRAPHVIZ_HELP)
    output = Path(args.output or ".")
    for path in discover(args.paths):
        source = read_source(path)
        analysis = analyze_source(source, args.keras_version)
        findings = check_source_file(source, Settings(keras_version=args.keras_version), analysis=analysis).findings
        for model in analysis.models:
            if args.format == "mermaid":
                print(mermaid(analysis, model, findings))
                continue
            text = dot(analysis, model, findings)
            if args.format == "dot":
                print(text)
                continue
            target = output / f"{path.stem}.{model.name}.{args.format}"
            output.mkdir(parents=True, exist_ok=True)
            subprocess.run([renderer, f"-T{args.format}", "-o", str(target)], input=text.encode(), check=True)
            print(target)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    tune_garbage_collector()
    argv = normalize_argv(list(sys.argv[1:] if argv is None else argv))
    args = build_parser().parse_args(argv)
    try:
        if args.command == "summary":
            return run_summary(args)
        if args.command == "graph":
            return run_graph(args)
        if args.command == "lsp":
            from kgraphlint.ide.server import serve

            return serve()
        if args.command == "rules":
            return run_rules(console_for(False))
        if args.command == "rule":
            return run_rule(args.rule, console_for(False))
        return run_check(args)
    except UsageError as error:
        print(f"kgraphlint: error: {error}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
