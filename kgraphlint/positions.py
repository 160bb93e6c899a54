"""Source positions, computed only when something asks for one.

libcst's PositionProvider costs about as much as the parse itself, so it runs at most once
per file, and only when a finding or a summary needs a line number.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider


@dataclass(frozen=True)
class Span:
    """1-based lines and columns; the end column is one past the last character."""

    line: int
    column: int
    end_line: int
    end_column: int


class Positions:
    def __init__(self, module: cst.Module | None) -> None:
        self.module = module
        self._ranges = None

    def span(self, node: cst.CSTNode | None) -> Span:
        if node is None or self.module is None:
            return Span(1, 1, 1, 1)
        if self._ranges is None:
            # The tree comes straight from the parser, so the defensive deep copy is not needed.
            self._ranges = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)
        code_range = self._ranges.get(node)
        if code_range is None:
            return Span(1, 1, 1, 1)
        return Span(code_range.start.line, code_range.start.column + 1,
                    code_range.end.line, code_range.end.column + 1)
