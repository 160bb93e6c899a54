"""Print findings: ``full`` (grouped, with code frames), ``concise`` (one line each), ``json``,
``sarif`` (SARIF 2.1.0) and ``github`` (workflow annotations); or ``statistics``."""

from __future__ import annotations

import json
import os
import sys
from itertools import groupby
from typing import TextIO

from kgraphlint.report.console import console_on
from kgraphlint.rule import Finding, Severity, plural

COLOURS = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow", Severity.INFO: "bold cyan"}


GITHUB_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def github_escape(text: str, property_value: bool = False) -> str:
    """Workflow-command escaping: %, newlines (and , : in properties)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def render(result, fmt: str, out: TextIO | None = None, *, no_color: bool = False, quiet: bool = False) -> None:
    """The findings in a format, to ``out`` (standard output by default); ``quiet`` leaves
    out the totals."""
    out = out or sys.stdout
    if fmt == "json":
        print(json.dumps([f.to_json() for f in result.findings], indent=2), file=out)
    elif fmt == "sarif":
        from kgraphlint.report.sarif import sarif_log

        print(json.dumps(sarif_log(result.findings), indent=2), file=out)
    elif fmt == "github":
        for f in result.findings:
            title = github_escape(f"kgraphlint ({f.code} {f.name})", True)
            where = (f"file={github_escape(f.path, True)},line={f.line},col={f.column},"
                     f"endLine={f.end_line},endColumn={f.end_column}")
            print(f"::{GITHUB_LEVELS[f.severity]} title={title},{where}::{github_escape(f.message)}", file=out)
    elif fmt == "concise":
        for f in result.findings:
            where = f"cell {f.cell}:{f.line}:{f.column}" if f.cell is not None else f"{f.line}:{f.column}"
            fixable = " [*]" if f.fix is not None else ""
            print(f"{f.path}:{where}: {f.code}{fixable} [{f.name}] {f.message}", file=out)
        if not quiet and any(f.fix is not None for f in result.findings):
            print("[*] fixable with --fix", file=out)
    else:
        render_full(result, out, no_color, quiet)


def render_statistics(result, fmt: str, out: TextIO | None = None, *, no_color: bool = False) -> None:
    """How many findings each rule has, most first (for adopting kgraphlint on a code base)."""
    from kgraphlint.registry import find_rule

    counts: dict[str, int] = {}
    for finding in result.findings:
        counts[finding.code] = counts.get(finding.code, 0) + 1
    rows = []
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        rule = find_rule(code)
        rows.append({"code": code, "name": rule.name if rule else "", "count": count,
                     "fixable": bool(rule and rule.fixable)})
    if fmt == "json":
        print(json.dumps(rows, indent=2), file=out or sys.stdout)
        return
    from rich.markup import escape

    console = console_on(out, no_color)
    for row in rows:
        fixable = "[*] " if row["fixable"] else "    "
        console.print(f"{row['count']:>6}  {row['code']}  {fixable}{escape(row['name'])}")
    if any(row["fixable"] for row in rows):
        console.print("[*] fixable with --fix")


class Markup:
    """How a line of the full report is styled: rich markup for a terminal, plain text
    where nothing would be coloured anyway (a pipe, a file, --no-color), which needs no
    rich at all (a pre-commit hook's output is piped)."""

    def __init__(self, rich: bool) -> None:
        self.rich = rich
        if rich:
            from rich.markup import escape

            self.escape = escape
        else:
            self.escape = str

    def styled(self, text: str, style: str) -> str:
        return f"[{style}]{self.escape(text)}[/]" if self.rich else text


def code_frame(source_file, finding: Finding, markup: Markup) -> list[str]:
    if source_file is None:
        return []
    lines = source_file.document_lines
    line_number = source_file.program_line(finding.cell, finding.line)
    if not 1 <= line_number <= len(lines):
        return []
    source = lines[line_number - 1]
    end = finding.end_column if finding.end_line == finding.line else len(source) + 1
    width = max(1, end - finding.column)
    gutter = str(finding.line)
    return [
        f"  {gutter} | {markup.escape(source)}",
        f"  {' ' * len(gutter)} | {' ' * (finding.column - 1)}{markup.styled('^' * width, COLOURS[finding.severity])}",
    ]


def render_full(result, out: TextIO, no_color: bool, quiet: bool = False) -> None:
    rich = not no_color and (out.isatty() or bool(os.environ.get("FORCE_COLOR")))
    markup = Markup(rich)
    escape, styled = markup.escape, markup.styled
    chunks = []
    for path, findings in groupby(result.findings, key=lambda f: f.path):
        lines = [styled(path, "bold")]
        for f in findings:
            lines.append(f"{escape(path)}:{escape(f.location)}: {styled(f.severity.value, COLOURS[f.severity])} "
                         f"{styled(f.code, 'bold')} {escape(f'[{f.name}]')}")
            lines.append(f"  {escape(f.message)}")
            lines.extend(code_frame(result.sources.get(path), f, markup))
            for related in f.related:
                where = f"cell {related.cell}, line {related.line}" if related.cell else f"{related.line}:{related.column}"
                lines.append(f"  {styled('note:', 'dim')} {escape(related.path)}:{where}: {escape(related.message)}")
            if f.fix is not None:
                lines.append(f"  {styled('fix:', 'green')} {escape(f.fix.message)}")
            lines.append("")
        chunks.append("\n".join(lines))
    if not quiet:
        counts = {s: sum(1 for f in result.findings if f.severity is s) for s in Severity}
        line = f"{plural(counts[Severity.ERROR], 'error')}, {plural(counts[Severity.WARNING], 'warning')}"
        if counts[Severity.INFO]:
            line += f", {counts[Severity.INFO]} info"
        chunks.append(f"{line} in {plural(result.files, 'file')}")
    if rich:
        # One print per file: rich's cost is per call, and a report has a line per code frame.
        console = console_on(out, no_color)
        for chunk in chunks:
            console.print(chunk)
    else:
        out.write("".join(chunk + "\n" for chunk in chunks))
