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
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kgraphlint import __version__
from kgraphlint.config import ConfigError, Overrides, Settings, discover_settings, load_pyproject
from kgraphlint.report.console import console_on
from kgraphlint.report.findings import render as render_findings
from kgraphlint.report.findings import render_statistics
from kgraphlint.rule import plural

if TYPE_CHECKING:
    from kgraphlint.checking import CheckResult

# Each command imports what it needs when it runs: `--version` and a check whose results
# are all cached never load libcst, the engine, networkx, pygls (or rich, for JSON output),
# nor json, subprocess or traceback, which only some commands and outcomes need (each is
# milliseconds of a run that should take tens). tests/test_startup.py guards the modules a
# cached run loads.

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """A bad flag, path or configuration value: exit 2 with the message."""


PATHS_HELP = ("files (.py, .ipynb, .md) and folders to search for them (default: the current folder)")


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {value!r}")
    return number


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; given the ``command`` being run, only that command's (the others are
    needed only for the top level's --help, and each costs a millisecond of every run:
    argparse looks for its message catalogues on disk once per parser)."""
    parser = argparse.ArgumentParser(prog="kgraphlint", description="A static checker for Keras model code.")
    parser.add_argument("--version", action="version", version=f"kgraphlint {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, (help_text, add_arguments) in COMMAND_ARGUMENTS.items():
        if command is None or command == name:
            add_arguments(commands.add_parser(name, help=help_text))
    return parser


def add_check_arguments(check: argparse.ArgumentParser) -> None:
    check.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                       help=f"{PATHS_HELP}; - reads standard input")
    check.add_argument("--format", choices=("full", "concise", "json", "sarif", "github"), default="full",
                       help="full: grouped, with code frames (default); concise: one line per finding, [*] when "
                            "--fix can fix it; json; sarif (SARIF 2.1.0); github (workflow annotations)")
    check.add_argument("--select", help="comma-separated codes, names or prefixes to enable (replaces the default)")
    check.add_argument("--extend-select", help="codes, names or prefixes to enable in addition")
    check.add_argument("--ignore", help="codes, names or prefixes to disable")
    check.add_argument("--fail-on", choices=("error", "warning", "info", "never"),
                       help="lowest severity that makes the exit code 1 (default: warning)")
    check.add_argument("--keras-version", choices=("2", "3"), help="the Keras the code targets (default: 3)")
    check.add_argument("--time-budget", type=float, metavar="SECONDS",
                       help="seconds of analysis per file; past them the file is reported as not analysed "
                            "(KGL003) and the run goes on (default: 60)")
    check.add_argument("--config", metavar="PYPROJECT", help="use this pyproject.toml instead of searching for one")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings reach --fail-on")
    check.add_argument("--jobs", "-j", type=positive_int, default=os.cpu_count() or 1, metavar="N",
                       help="check files in N processes (default: the number of cores)")
    check.add_argument("--no-cache", action="store_true",
                       help="neither read nor write the result cache, nor installed packages' parsed modules")
    check.add_argument("--statistics", action="store_true", help="count the findings of each rule instead of listing them")
    add_build_arguments(check)
    check.add_argument("--stdin-filename", metavar="NAME",
                       help="check the text on standard input as if it were the file NAME")
    check.add_argument("--force-exclude", action="store_true",
                       help="apply the configuration's exclude to files named on the command line too "
                            "(pre-commit names every file)")
    check.add_argument("--output-file", "-o", metavar="FILE", help="write the report to FILE instead of standard output")
    check.add_argument("--quiet", "-q", action="store_true",
                       help="print the findings only: no totals, notes or counts of fixes")
    changes = check.add_mutually_exclusive_group()
    changes.add_argument("--fix", action="store_true", help="apply the safe fixes in place")
    changes.add_argument("--diff", action="store_true", help="show the fixes as a diff, write nothing (exit 1 if any)")
    changes.add_argument("--add-noqa", action="store_true", help="add # noqa comments for today's findings")
    check.add_argument("--no-color", action="store_true", help="plain text output")


def add_summary_arguments(summary: argparse.ArgumentParser) -> None:
    summary.add_argument("paths", nargs="*", default=["."], metavar="PATH", help=PATHS_HELP)
    summary.add_argument("--format", choices=("table", "json"), default="table",
                         help="table: like Keras's model.summary() (default); json: one object per model")
    summary.add_argument("--keras-version", choices=("2", "3"), default="3")
    summary.add_argument("--no-color", action="store_true")
    summary.add_argument("--stats", action="store_true",
                         help="instead of the tables: files, models, layer calls, the share with fully known "
                              "shapes, and where shapes were lost")
    add_build_arguments(summary)


def add_graph_arguments(graph: argparse.ArgumentParser) -> None:
    graph.add_argument("paths", nargs="+", metavar="PATH", help="files (.py, .ipynb, .md) and folders to search for them")
    graph.add_argument("--format", choices=("mermaid", "dot", "svg", "png"), default="mermaid",
                       help="mermaid (default) or dot: printed; svg or png: files rendered by Graphviz's dot")
    graph.add_argument("--output", metavar="DIR", help="folder for svg/png files (default: the current one)")
    graph.add_argument("--keras-version", choices=("2", "3"), default="3")


def add_rules_arguments(rules: argparse.ArgumentParser) -> None:
    rules.add_argument("--format", choices=("table", "json"), default="table",
                       help="table (default) or json: one object per rule")


def add_rule_arguments(rule: argparse.ArgumentParser) -> None:
    rule.add_argument("rule", metavar="CODE|NAME")


def add_no_arguments(parser: argparse.ArgumentParser) -> None:
    """lsp takes none: the editor talks to it on standard input and output."""


def add_build_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--build", action="store_true",
                        help="also build each model with real Keras (TensorFlow) and compare; needs kgraphlint[build]")
    parser.add_argument("--device", choices=("cpu", "gpu", "auto"), default="auto",
                        help="where --build runs Keras (auto: the GPU when TensorFlow sees one)")


#: each command's help and the function that adds its arguments, in the order --help lists them
COMMAND_ARGUMENTS = {
    "check": ("check files for Keras model bugs (the default command)", add_check_arguments),
    "summary": ("show each model's layers, shapes and parameters", add_summary_arguments),
    "graph": ("draw each model (Mermaid, Graphviz dot, or SVG/PNG through dot)", add_graph_arguments),
    "lsp": ("run the language server on standard input and output", add_no_arguments),
    "rules": ("list every rule with its code, name and severity", add_rules_arguments),
    "rule": ("explain one rule", add_rule_arguments),
}


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
    if not argv or (first not in COMMAND_ARGUMENTS and first not in ("-h", "--help", "--version")):
        return ["check", *argv]
    return argv


def missing_paths(paths: list[str]) -> list[str]:
    return [p for p in paths if not Path(p).exists()]


def report_missing(paths: list[str]) -> bool:
    """Say which paths do not exist (the others are still worked on); whether any does not."""
    for path in missing_paths(paths):
        print(f"kgraphlint: error: {path}: no such file or directory", file=sys.stderr)
    return bool(missing_paths(paths))


def confirmed_summary(analysis, build) -> dict:
    """A model's summary with, per layer, what Keras built ("keras") and whether it agrees."""
    from kgraphlint.graph.summary import model_summary

    summary = model_summary(analysis, build.model)
    summary["keras_build"] = {"device": build.device, "note": build.note,
                              "error": build.error["message"] if build.error else None,
                              "remarks": list(build.remarks), "totals": build.totals,
                              "layers": list(build.layers)}
    for row in summary["layers"]:
        # an unbuilt sublayer of a subclassed model has no weights in Keras either: nothing to compare
        keras = None if row.get("unbuilt") else build.layers.get(row["name"])
        row["keras"] = keras
        row["confirmed"] = bool(keras) and keras_agrees(row, keras)
    return summary


def keras_agrees(row: dict, keras: dict) -> bool:
    from kgraphlint.build.compare import row_differences

    return not row_differences(row, keras)


def run_summary(args: argparse.Namespace) -> int:
    import json

    from kgraphlint.analysis import AnalysisError, analyze_source
    from kgraphlint.graph.summary import model_summary
    from kgraphlint.report.stats import Coverage
    from kgraphlint.report.tables import render
    from kgraphlint.source.files import discover, read_source

    failed = report_missing(args.paths)
    console = console_on(no_color=args.no_color)
    summaries: list[dict] = []
    coverage = Coverage()
    builder = start_builder(args)
    try:
        for path in discover(p for p in args.paths if Path(p).exists()):
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
                summaries.extend(model_summary(analysis, model) for model in analysis.summarised)
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
    from kgraphlint.cache import ResultCache, cache_root
    from kgraphlint.checking import check_paths, files_to_check

    from_stdin = args.stdin_filename is not None or "-" in args.paths
    paths = [p for p in args.paths if p != "-"]
    if from_stdin and paths and args.stdin_filename is None:
        raise UsageError("- (standard input) cannot be checked together with other paths")
    overrides = Overrides(split_list(args.select), split_list(args.extend_select), split_list(args.ignore),
                          args.fail_on, args.keras_version, args.time_budget)
    try:
        anchor = Path(args.stdin_filename or (paths[0] if paths and not from_stdin else "."))
        # the cache first: it remembers the rules' names, which settings are validated against
        cache = None if args.no_cache or from_stdin else ResultCache(cache_root(anchor))
        explicit = None
        if args.config:
            explicit = load_pyproject(Path(args.config)) or Settings(root=Path(args.config).parent)
        settings = overrides.apply(explicit or discover_settings(anchor))
        if from_stdin:
            return check_stdin(args, settings)
        builder = start_builder(args)
        try:
            result = check_paths(paths, overrides, explicit, args.jobs, cache, builder, args.force_exclude)
        finally:
            if builder is not None:
                builder.close()
        if args.fix or args.diff or args.add_noqa:
            changed = change_files(args, result, files_to_check(paths, overrides, explicit, args.force_exclude))
            if args.diff:
                return EXIT_FINDINGS if changed else EXIT_OK
            result = check_paths(paths, overrides, explicit, args.jobs, cache, force_exclude=args.force_exclude)
    except ConfigError as error:
        raise UsageError(str(error)) from error
    return report(args, result, settings)


def report(args: argparse.Namespace, result: "CheckResult", settings: Settings) -> int:
    if args.output_file:
        try:
            with open(args.output_file, "w", encoding="utf-8") as file:
                render_report(args, result, file, no_color=True)
        except OSError as error:
            raise UsageError(f"cannot write {args.output_file}: {error.strerror or error}") from error
    else:
        render_report(args, result, None, no_color=args.no_color)
    if not args.quiet:
        for note in result.notes:
            print(f"kgraphlint: note: {note}", file=sys.stderr)
    for message in result.internal_errors:
        print(f"kgraphlint: {message}", file=sys.stderr)
    if result.internal_errors:
        return EXIT_ERROR
    failing = any(settings.fails(f.severity) for f in result.findings)
    return EXIT_FINDINGS if failing and not args.exit_zero else EXIT_OK


def render_report(args: argparse.Namespace, result: "CheckResult", out, *, no_color: bool) -> None:
    if args.statistics:
        render_statistics(result, args.format, out, no_color=no_color)
    else:
        render_findings(result, args.format, out, no_color=no_color, quiet=args.quiet)


def check_stdin(args: argparse.Namespace, settings: Settings) -> int:
    """Editors and pipes: the text comes on standard input (``-``, or with --stdin-filename,
    which also names it); fixes go to standard output."""
    from kgraphlint.checking import check_source_file
    from kgraphlint.fixes.apply import fixed_text, noqa_text
    from kgraphlint.fixes.writing import NotWritten
    from kgraphlint.source.files import source_from_text

    name = args.stdin_filename or "-"
    text = sys.stdin.read()
    path = Path(args.stdin_filename) if args.stdin_filename else None
    result = check_source_file(source_from_text(name, text), settings, path)
    if args.fix or args.diff or args.add_noqa:
        try:
            if args.add_noqa:
                changed = noqa_text(name, text, result.findings)
            else:
                changed = fixed_text(name, text, lambda t: check_source_file(source_from_text(name, t), settings).findings)
        except NotWritten as error:
            raise UsageError(f"{name}: cannot change it: {error}") from error
        say_changed(args, [changed] if changed.text != text else [])
        if args.diff:
            sys.stdout.write(diff_text(name, text, changed.text))
            return EXIT_FINDINGS if changed.text != text else EXIT_OK
        sys.stdout.write(changed.text)
        return EXIT_OK
    return report(args, result, settings)


def diff_text(path: str, before: str, after: str) -> str:
    """The change as a unified diff; a notebook's cell by cell (``nb.ipynb:cell 2``)."""
    from kgraphlint.fixes.apply import unified_diff

    if not path.endswith(".ipynb"):
        return unified_diff(path, before, after)
    from kgraphlint.fixes.notebooks import code_cell_sources

    pairs = zip(code_cell_sources(before), code_cell_sources(after))
    return "".join(unified_diff(f"{path}:cell {index}", old, new) for index, (old, new) in enumerate(pairs, 1)
                   if old != new)


def say_changed(args: argparse.Namespace, changes: list) -> None:
    """How many findings --fix fixed (--diff would fix) or --add-noqa silenced."""
    if args.quiet:
        return
    findings, files = sum(c.findings for c in changes), plural(len(changes), "file")
    if args.add_noqa:
        lines = sum(c.lines for c in changes)
        message = f"added # noqa to {plural(lines, 'line')}, silencing {plural(findings, 'finding')}, in {files}"
    elif args.diff:
        message = f"{plural(findings, 'finding')} would be fixed in {files} (nothing written)"
    else:
        message = f"fixed {plural(findings, 'finding')} in {files}"
    print(f"kgraphlint: {message}", file=sys.stderr)


def change_files(args: argparse.Namespace, result: "CheckResult", tasks: list) -> bool:
    """--fix, --diff or --add-noqa on the files that have findings. A file is written only
    if it still holds what was read (kgraphlint.writing)."""
    from kgraphlint.checking import check_source_file
    from kgraphlint.fixes.apply import Changed, fixed_text, noqa_text
    from kgraphlint.fixes.writing import NotWritten, read_for_change, write_back
    from kgraphlint.source.files import decode_source, source_from_text

    reported = {f.path for f in result.findings}
    changes: list[Changed] = []
    for path, settings in tasks:
        shown = str(path)
        if shown not in reported:
            continue
        try:
            original = read_for_change(path)
        except OSError:
            continue  # reported as unreadable already
        decoded = decode_source(shown, original.data)
        if decoded.error is not None or source_from_text(shown, decoded.text).error is not None:
            continue
        text = decoded.text
        try:
            if args.add_noqa:
                changed = noqa_text(shown, text, [f for f in result.findings if f.path == shown])
            else:
                changed = fixed_text(shown, text, lambda t: check_source_file(
                    source_from_text(shown, t), settings, path).findings)
            if changed.text == text:
                continue
            if args.diff:
                sys.stdout.write(diff_text(shown, text, changed.text))
            else:
                write_back(original, text, changed.text)
        except NotWritten as error:
            print(f"kgraphlint: {shown}: not changed: {error}", file=sys.stderr)
            continue
        changes.append(changed)
    say_changed(args, changes)
    return bool(changes)


RULE_GROUPS = {"correctness": "Bugs", "design": "Design smells (turn them off with --ignore KGL7)",
               "build": "With --build (real Keras)"}


def run_rules(args: argparse.Namespace) -> int:
    import json

    from rich.table import Table

    from kgraphlint.registry import all_rules

    if args.format == "json":
        print(json.dumps([rule_json(rule) for rule in all_rules()], indent=2))
        return EXIT_OK
    console = console_on()
    if not console.is_terminal:  # piped: one line per rule, never wrapped to a width
        for rule in all_rules():
            print("\t".join((rule.code, rule.name, rule.severity.value, "fixable" if rule.fixable else "",
                             rule.summary)))
        return EXIT_OK
    for category, title in RULE_GROUPS.items():
        table = Table(title=title, title_justify="left")
        for column in ("code", "name", "severity", "fixable", "finds"):
            table.add_column(column)
        for rule in all_rules():
            if rule.category == category:
                table.add_row(rule.code, rule.name, rule.severity.value, "yes" if rule.fixable else "", rule.summary)
        console.print(table)
    return EXIT_OK


def rule_json(rule) -> dict:
    return {"code": rule.code, "name": rule.name, "severity": rule.severity.value, "category": rule.category,
            "fixable": rule.fixable, "summary": rule.summary, "url": rule.url()}


def run_rule(code_or_name: str, console) -> int:
    from rich.markdown import Markdown

    from kgraphlint.registry import find_rule

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
    import shutil
    import subprocess

    from kgraphlint.analysis import analyze_source
    from kgraphlint.checking import check_source_file
    from kgraphlint.report.drawing import dot, mermaid
    from kgraphlint.source.files import discover, read_source

    failed = report_missing(args.paths)
    renderer = shutil.which("dot") if args.format in ("svg", "png") else None
    if args.format in ("svg", "png") and renderer is None:
        raise UsageError(GRAPHVIZ_HELP)
    output = Path(args.output or ".")
    for path in discover(p for p in args.paths if Path(p).exists()):
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
    return EXIT_ERROR if failed else EXIT_OK


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    """The arguments; an unknown flag is reported with its command's usage, not the top level's."""
    parser = build_parser(next((a for a in argv if a in COMMAND_ARGUMENTS), None))
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        commands.choices[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


def main(argv: list[str] | None = None) -> int:
    tune_garbage_collector()
    argv = normalize_argv(list(sys.argv[1:] if argv is None else argv))
    args = parse_arguments(argv)
    try:
        if args.command == "summary":
            return run_summary(args)
        if args.command == "graph":
            return run_graph(args)
        if args.command == "lsp":
            from kgraphlint.ide.linting import Linter
            from kgraphlint.registry import all_rules

            # Before pygls loads (and starts threads): the analysis worker is a fork of this
            # process and warms up while the server loads. Both read the rules (the server
            # for their documentation links), loaded once, before the fork.
            all_rules()
            linter = Linter()
            linter.start(fork=True)
            from kgraphlint.ide.server import serve

            return serve(linter)
        if args.command == "rules":
            return run_rules(args)
        if args.command == "rule":
            return run_rule(args.rule, console_on())
        return run_check(args)
    except UsageError as error:
        print(f"kgraphlint: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as error:  # a bug in kgraphlint: exit 2 (1 would read as "findings"), with its traceback
        import traceback

        traceback.print_exc(file=sys.stderr)
        print(f"kgraphlint: internal error: {type(error).__name__}: {error} (a bug in kgraphlint; the traceback "
              "above says where)", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
