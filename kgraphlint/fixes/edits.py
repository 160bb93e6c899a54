"""Edits to one text: replace exact spans, at lines counted as libcst counts them."""

from __future__ import annotations

from typing import Iterable

from kgraphlint.rule import Edit
from kgraphlint.source.source_file import LINE_BREAK


def offsets(text: str) -> list[int]:
    """The offset at which each (1-based) line starts, by libcst's line breaks."""
    return [0] + [match.end() for match in LINE_BREAK.finditer(text)]


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply edits that do not overlap (``chosen_edits`` picks them) to one text."""
    starts = offsets(text)

    def position(line: int, column: int) -> int:
        return starts[min(line, len(starts)) - 1] + column - 1

    spans = sorted(((position(e.line, e.column), position(e.end_line, e.end_column), e.replacement) for e in edits),
                   reverse=True)
    for start, end, replacement in spans:
        text = text[:start] + replacement + text[end:]
    return text
