"""Change files: apply the safe fixes findings carry, or add suppression comments.

Edits replace exact spans of the text, so everything else stays byte for byte. A result
that libcst cannot parse is never written, and files are replaced atomically (a temporary
file in the same folder, then a rename), so an interrupted run leaves the old file whole.
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile
from pathlib import Path

import libcst as cst

from kgraphlint.rule import Edit, Finding
from kgraphlint.fixes.suppression import NOQA

MAX_PASSES = 4  # fixing again after a fix; stops as soon as nothing changes


def offsets(text: str) -> list[int]:
    """The offset at which each (1-based) line starts."""
    starts, total = [0], 0
    for line in text.splitlines(keepends=True):
        total += len(line)
        starts.append(total)
    return starts


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits (the first of two overlapping ones wins)."""
    starts = offsets(text)

    def position(line: int, column: int) -> int:
        return starts[min(line, len(starts)) - 1] + column - 1

    spans, taken = [], []
    for edit in edits:
        start, end = position(edit.line, edit.column), position(edit.end_line, edit.end_column)
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        taken.append((start, end))
        spans.append((start, end, edit.replacement))
    for start, end, replacement in sorted(spans, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def parses(text: str) -> bool:
    try:
        cst.parse_module(text)
        return True
    except Exception:
        return False


def write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".kgraphlint")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
        os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def fixed_text(text: str, check) -> str:
    """Apply fixes until none is left. ``check(text)`` returns the findings for a text."""
    for _ in range(MAX_PASSES):
        edits = [edit for finding in check(text) if finding.fix is not None for edit in finding.fix.edits]
        if not edits:
            break
        candidate = apply_edits(text, edits)
        if candidate == text or not parses(candidate):
            break
        text = candidate
    return text


def unified_diff(path: str, before: str, after: str) -> str:
    old, new = (path, path) if os.path.isabs(path) else (f"a/{path}", f"b/{path}")
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        fromfile=old, tofile=new))


def with_noqa(text: str, findings: list[Finding]) -> str:
    """Each reported line with a ``# noqa: CODES`` comment (merged into one already there)."""
    codes: dict[int, set[str]] = {}
    for finding in findings:
        if finding.cell is None:
            codes.setdefault(finding.end_line, set()).add(finding.code)
    lines = text.splitlines(keepends=True)
    for number, wanted in codes.items():
        if not 1 <= number <= len(lines):
            continue
        line = lines[number - 1]
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        existing = NOQA.search(body)
        if existing is not None and existing.group("codes") is None:
            continue  # a bare noqa already silences everything
        if existing is not None:
            present = set(re.split(r"[,\s]+", existing.group("codes").strip())) - {""}
            merged = ", ".join(sorted(present | wanted))
            body = body[:existing.start()] + f"# noqa: {merged}" + body[existing.end():]
        else:
            body = f"{body}  # noqa: {', '.join(sorted(wanted))}"
        lines[number - 1] = body + ending
    return "".join(lines)
