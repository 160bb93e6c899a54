"""`kgraphlint check`: analyse files, run the enabled rules, drop what is suppressed.

``check_paths`` and ``check_source`` are the public API behind the command line.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from kgraphlint.config import Overrides, Settings, discover_settings
from kgraphlint.rule import Finding, RuleContext, Severity
from kgraphlint.source.files import discover, read_source, skipped_reason, source_from_text
from kgraphlint.source.parse_store import use_parse_store
from kgraphlint.source.source_file import SourceFile

if TYPE_CHECKING:
    from kgraphlint.analysis import FileAnalysis
    from kgraphlint.build.compare import Builder
    from kgraphlint.cache import ResultCache


@dataclass
class CheckResult:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    #: "path: internal error in rule CODE ..." for each rule that crashed
    internal_errors: list[str] = field(default_factory=list)
    #: the checked sources by path, for code frames
    sources: dict[str, SourceFile] = field(default_factory=dict)
    #: things the user should know that are not findings (models --build could not build)
    notes: list[str] = field(default_factory=list)
    #: the files of other modules the checked files import and kgraphlint followed
    dependencies: list[str] = field(default_factory=list)
    #: False when a file ran out of its time budget: a result that depends on the machine's
    #: speed is not cached
    cacheable: bool = True

    def merge(self, other: "CheckResult") -> None:
        self.findings.extend(other.findings)
        self.files += other.files
        self.internal_errors.extend(other.internal_errors)
        self.sources.update(other.sources)
        self.notes.extend(other.notes)


def once_per_place(findings: list[Finding]) -> list[Finding]:
    """One finding per rule and place: code in a helper or loop that runs many times is
    reported once, saying how often it ran."""
    groups: dict[tuple, list[Finding]] = {}
    for finding in findings:
        key = (finding.code, finding.line, finding.column, finding.end_line, finding.end_column)
        groups.setdefault(key, []).append(finding)
    merged = []
    for group in groups.values():
        first = group[0]
        if len(group) > 1:
            first = replace(first, message=f"{first.message} (This code runs {len(group)} times; "
                                           f"each run has this problem.)")
        merged.append(first)
    return merged


def without_piled_on_smells(findings: list[Finding], settings: Settings) -> list[Finding]:
    """Design smells on a line that already has an error: the error is what to fix first,
    and the smell may only follow from it."""
    design = {rule.code for rule in settings.enabled_rules() if rule.category == "design"}
    errors = {f.line for f in findings if f.severity is Severity.ERROR}
    if not errors or not design:
        return findings
    return [f for f in findings if not (f.code in design and f.line in errors)]


def in_cells(finding: Finding, source: SourceFile) -> Finding:
    """A notebook finding with its lines (and its fix's) counted within its code cell."""
    start = source.cell_at(finding.line)
    if start is None:
        return finding
    end = source.cell_at(finding.end_line)
    end_line, end_column = (end[1], finding.end_column) if end and end[0] == start[0] else (start[1], finding.column + 1)
    related = []
    for item in finding.related:
        where = source.cell_at(item.line)
        related.append(replace(item, cell=where[0], line=where[1]) if where else item)
    fix = finding.fix
    if fix is not None:
        edits = []
        for edit in fix.edits:
            first, last = source.cell_at(edit.line), source.cell_at(edit.end_line)
            if first is None or last is None or first[0] != last[0]:
                fix = None  # an edit across cells cannot be made to the notebook
                break
            edits.append(replace(edit, cell=first[0], line=first[1], end_line=last[1]))
        else:
            fix = replace(fix, edits=tuple(edits))
    return replace(finding, cell=start[0], line=start[1], end_line=end_line, end_column=end_column,
                   related=tuple(related), fix=fix)


def in_document(finding: Finding, source: SourceFile) -> Finding:
    """A Markdown finding with its columns (and its fix's) counted in the document's lines:
    a code block's indentation or container markers come before the program's columns."""
    shift = source.column_offset
    related = tuple(replace(r, column=r.column + shift(r.line)) for r in finding.related)
    fix = finding.fix
    if fix is not None:
        fix = replace(fix, edits=tuple(replace(e, column=e.column + shift(e.line),
                                               end_column=e.end_column + shift(e.end_line)) for e in fix.edits))
    return replace(finding, column=finding.column + shift(finding.line),
                   end_column=finding.end_column + shift(finding.end_line), related=related, fix=fix)


def check_source_file(source: SourceFile, settings: Settings, path: Path | None = None,
                      builder: "Builder | None" = None, analysis: FileAnalysis | None = None) -> CheckResult:
    """Every enabled rule on one file; a crashing rule is reported and the others still run.
    With a ``builder`` (--build), real Keras builds the models first. ``analysis``: the
    file's analysis when the caller already has it (the language server)."""
    # The engine (libcst, the interpreter, the rules and what they import) loads on the
    # first file that is not in the cache: a run whose results are all cached never needs it.
    from kgraphlint.analysis import AnalysisError, analyze_source
    from kgraphlint.fixes.suppression import find_suppressions
    from kgraphlint.interpret.budget import NOT_ANALYSED

    result = CheckResult(files=1, sources={source.path: source})
    if analysis is None:
        try:
            analysis = analyze_source(source, settings.keras_version, time_budget=settings.time_budget)
        except AnalysisError as error:
            result.internal_errors.append(str(error))
            return result
    result.dependencies = list(analysis.dependencies)
    result.cacheable = all(limit.effect != NOT_ANALYSED for limit in analysis.limits)
    if builder is not None:
        analysis.builds = builder.build(analysis)
        result.notes.extend(f"{source.path}: model '{b.model.name}' was not built with Keras: {b.note}"
                            for b in analysis.builds if b.note)
        result.notes.extend(f"{source.path}: model '{b.model.name}' was built with Keras: {remark}"
                            for b in analysis.builds for remark in b.remarks)
    rules = [r for r in settings.enabled_rules() if path is None or not settings.ignored_in_file(r, path)]
    # rules that read the others' findings (unused-noqa) run last
    for rule_class in sorted(rules, key=lambda r: r.after_others):
        rule = rule_class()
        severity = settings.severity_of(rule_class)
        overridden = severity is not rule_class.severity
        context = RuleContext(analysis, rule, tuple(result.findings), tuple(rules)) if rule.after_others else (
            RuleContext(analysis, rule))
        try:
            for finding in rule.check(context):
                result.findings.append(replace(finding, severity=severity) if overridden else finding)
        except Exception as error:  # a bug in one rule must not hide the others' findings
            result.internal_errors.append(
                f"{source.path}: internal error in rule {rule.code} ({rule.name}): {type(error).__name__}: {error}")
    if result.findings:
        result.findings = without_piled_on_smells(result.findings, settings)
        suppressions = find_suppressions(source.text)
        result.findings = once_per_place([f for f in result.findings if not suppressions.silences(f)])
    if source.kind == "notebook":
        result.findings = [in_cells(f, source) for f in result.findings]
    elif source.column_offsets:
        result.findings = [in_document(f, source) for f in result.findings]
    result.findings.sort(key=lambda f: f.sort_key)
    return result


def check_source(text: str, path: str = "<string>", settings: Settings | None = None) -> list[Finding]:
    """Check a program given as text (the API tests and editors use); ``path`` decides
    whether it is read as Python, a notebook (.ipynb) or Markdown (.md)."""
    return check_source_file(source_from_text(path, text), (settings or Settings()).validate()).findings


def _check_task(task: tuple[SourceFile, Settings, Path]) -> CheckResult:
    """One file's check, as run in a worker process."""
    return check_source_file(*task)


def _worker_died(task: tuple[SourceFile, Settings, Path], how: str) -> CheckResult:
    source = task[0]
    return CheckResult(files=1, internal_errors=[
        f"{source.path}: internal error: the worker process checking this file died ({how}); "
        "the other files were checked"])


def files_to_check(paths: list[str], overrides: Overrides, explicit: Settings | None,
                   force_exclude: bool = False) -> list[tuple[Path, Settings]]:
    """The files to check with their settings. Files named on the command line are checked
    even if excluded, like ruff; excludes prune what directory walks find, and with
    ``force_exclude`` (what pre-commit needs: it names every file) named files too."""
    tasks = []
    for raw in paths:
        root = Path(raw)
        for path in discover([raw]):
            settings = overrides.apply(explicit or discover_settings(path))
            if (path != root or force_exclude) and settings.excluded(path):
                continue
            tasks.append((path, settings))
    return tasks


def check_paths(paths: list[str], overrides: Overrides = Overrides(), explicit: Settings | None = None,
                jobs: int = 1, cache: "ResultCache | None" = None, builder: "Builder | None" = None,
                force_exclude: bool = False) -> CheckResult:
    """Check files and directories; results come back in discovery order whatever ``jobs``.
    With a ``builder`` (--build) files are checked one by one in this process, uncached.
    A path that does not exist is a parse-error finding (it cannot be read); the others
    are still checked."""
    tasks = files_to_check(paths, overrides, explicit, force_exclude)
    use_parse_store(*((cache.parses, cache.calls) if cache is not None else (None, None)))
    if builder is not None:
        merged = CheckResult()
        for path, settings in tasks:
            if (reason := skipped_reason(path)) is not None:
                merged.notes.append(f"{path}: {reason}")
                continue
            merged.merge(check_source_file(read_source(path), settings, path, builder))
        return merged
    results: list[CheckResult | None] = [None] * len(tasks)
    pending: list[tuple[int, str | None, tuple]] = []
    for index, (path, settings) in enumerate(tasks):
        if (reason := skipped_reason(path)) is not None:
            results[index] = CheckResult(files=0, notes=[f"{path}: {reason}"])
            continue
        source = read_source(path)
        key = cache.key(source, settings) if cache is not None else None
        cached = cache.get(key) if key is not None else None
        if cached is not None:
            results[index] = CheckResult(cached, 1, [], {source.path: source})
        else:
            pending.append((index, key, (source, settings, path)))
    if jobs > 1 and len(pending) > 1:
        import kgraphlint.analysis  # noqa: F401 (loaded once here: the forked workers share it)
        from kgraphlint.registry import all_rules
        from kgraphlint.workers import run_in_processes

        all_rules()
        outcomes = run_in_processes([task for _, _, task in pending], jobs, _check_task, _worker_died)
    else:
        outcomes = [_check_task(task) for _, _, task in pending]
    for (index, key, _), outcome in zip(pending, outcomes):
        results[index] = outcome
        if key is not None and not outcome.internal_errors and outcome.cacheable:
            cache.put(key, outcome.findings, outcome.dependencies)
    merged = CheckResult()
    for result in results:
        merged.merge(result)
    return merged
