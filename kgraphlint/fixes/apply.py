"""Change files' text: apply the safe fixes findings carry, or add suppression comments.

Edits replace exact spans, at lines counted as libcst counts them (a form feed or U+2028
is no line break), so everything else stays byte for byte. They are given in the file's
own coordinates: a Python file's or a Markdown document's lines, or a notebook cell's
(``Edit.cell``), applied to that cell's source (``kgraphlint.fixes.notebooks``). A result
whose code libcst cannot parse is never kept. Writing the file is ``kgraphlint.fixes.writing``'s.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from typing import Callable, Iterable

import libcst as cst

from kgraphlint.rule import Edit, Finding
from kgraphlint.fixes.edits import apply_edits
from kgraphlint.fixes.notebooks import code_cell_sources, edit_cells
from kgraphlint.fixes.suppression import NOQA
from kgraphlint.source.files import source_from_text
from kgraphlint.source.source_file import split_lines

MAX_PASSES = 4  # fixing again after a fix; stops as soon as nothing changes
#: the rule whose findings are about noqa comments themselves: --add-noqa never silences them
UNUSED_NOQA = "KGL002"


@dataclass(frozen=True)
class Changed:
    """A file's new text and how many findings the change dealt with."""

    text: str
    findings: int = 0
    #: --add-noqa: the lines that got a comment
    lines: int = 0


def chosen_edits(findings: Iterable[Finding]) -> tuple[list[Edit], int]:
    """The edits of the fixes that do not overlap one taken before (a fix is taken whole or
    not at all), and how many findings they fix."""
    taken: list[tuple[tuple, tuple]] = []
    edits: list[Edit] = []
    fixed = 0
    for finding in findings:
        if finding.fix is None:
            continue
        spans = [((e.cell or 0, e.line, e.column), (e.cell or 0, e.end_line, e.end_column)) for e in finding.fix.edits]
        if any(start < t_end and t_start < end for start, end in spans for t_start, t_end in taken):
            continue
        taken.extend(spans)
        edits.extend(finding.fix.edits)
        fixed += 1
    return edits, fixed


def edit_text(path: str, text: str, edits: list[Edit]) -> str:
    """A file's text with edits applied: a notebook's to its cells' sources."""
    if path.endswith(".ipynb"):
        return edit_cells(text, edits)
    return apply_edits(text, edits)


def parses(text: str) -> bool:
    try:
        cst.parse_module(text)
        return True
    except Exception:
        return False


def still_parses(path: str, before: str, after: str) -> bool:
    """Whether the changed file's code parses as well as before (a document: its program,
    and no code block newly left out)."""
    old, new = source_from_text(path, before), source_from_text(path, after)
    if new.kind == "python":
        return parses(after)
    return new.error is None and parses(new.text) and len(new.unparsed) <= len(old.unparsed)


def fixed_text(path: str, text: str, check: Callable[[str], list[Finding]]) -> Changed:
    """Apply fixes until none is left. ``check(text)`` returns the findings for a text."""
    fixed = 0
    for _ in range(MAX_PASSES):
        edits, count = chosen_edits(check(text))
        if not edits:
            break
        candidate = edit_text(path, text, edits)
        if candidate == text or not still_parses(path, text, candidate):
            break
        text, fixed = candidate, fixed + count
    return Changed(text, fixed)


def unified_diff(path: str, before: str, after: str) -> str:
    old, new = (path, path) if os.path.isabs(path) else (f"a/{path}", f"b/{path}")
    lines = difflib.unified_diff(split_lines(before, keepends=True), split_lines(after, keepends=True),
                                 fromfile=old, tofile=new)
    # a last line without a line break is marked as diff and patch expect
    return "".join(line if line.endswith(("\n", "\r")) else f"{line}\n\\ No newline at end of file\n"
                   for line in lines)


def noqa_line(body: str, wanted: set[str]) -> str:
    """A line (without its line break) with a ``# noqa`` for the codes, merged into one there."""
    existing = NOQA.search(body)
    if existing is not None and existing.group("codes") is None:
        return body  # a bare noqa already silences everything
    if existing is not None:
        present = set(re.split(r"[,\s]+", existing.group("codes").strip())) - {""}
        merged = ", ".join(sorted(present | wanted))
        return body[:existing.start()] + f"# noqa: {merged}" + body[existing.end():]
    return f"{body}  # noqa: {', '.join(sorted(wanted))}"


def noqa_edits(lines: list[str], findings: Iterable[Finding], cell: int | None = None) -> list[Edit]:
    """Edits giving each line a finding ends on a ``# noqa: CODES`` comment; ``lines`` are
    the lines the findings' lines count (a file's, or one notebook cell's)."""
    codes: dict[int, set[str]] = {}
    for finding in findings:
        if finding.code != UNUSED_NOQA:
            codes.setdefault(finding.end_line, set()).add(finding.code)
    edits = []
    for number, wanted in sorted(codes.items()):
        if not 1 <= number <= len(lines):
            continue
        body = lines[number - 1].rstrip("\r\n")
        new = noqa_line(body, wanted)
        if new != body:
            edits.append(Edit(number, 1, number, len(body) + 1, new, cell))
    return edits


def with_noqa(text: str, findings: list[Finding]) -> str:
    """Each reported line of a Python text with a ``# noqa: CODES`` comment."""
    return apply_edits(text, noqa_edits(split_lines(text, keepends=True), findings))


def noqa_text(path: str, text: str, findings: list[Finding]) -> Changed:
    """A file's text with ``# noqa`` comments for the findings, on lines that hold code (in
    a document: a code block's line; a finding on a recorded output cannot be silenced)."""
    source = source_from_text(path, text)
    program = split_lines(source.text)
    if source.kind == "notebook":
        edits = []
        for index, cell_text in enumerate(code_cell_sources(text), 1):
            edits += noqa_edits(split_lines(cell_text, keepends=True),
                                [f for f in findings if f.cell == index], index)
    else:
        on_code = [f for f in findings if 1 <= f.end_line <= len(program) and program[f.end_line - 1].strip()]
        edits = noqa_edits(split_lines(text, keepends=True), on_code)
    silenced = {(e.cell, e.line) for e in edits}
    counted = [f for f in findings if (f.cell, f.end_line) in silenced and f.code != UNUSED_NOQA]
    return Changed(edit_text(path, text, edits), len(counted), len(edits))
