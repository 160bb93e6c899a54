"""What kgraphlint analyses of one file: its Python program, and where each part of it
came from (notebook cells, Markdown fences, the outputs a document recorded: their types
are in kgraphlint.source.document_parts, which only documents load)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kgraphlint.source.document_parts import Cell, RecordedOutput, Unparsed

#: the line breaks of libcst and CPython's tokenizer (str.splitlines also breaks at form
#: feeds, U+2028, \x1c and others, which would shift every line after them)
LINE_BREAK = re.compile(r"\r\n?|\n")


def split_lines(text: str, keepends: bool = False) -> list[str]:
    """The lines of a text as libcst counts them (no empty last line after a final break)."""
    if not text:
        return []
    if keepends:
        starts = [0] + [match.end() for match in LINE_BREAK.finditer(text)]
        if starts[-1] == len(text):
            starts.pop()
        return [text[start:end] for start, end in zip(starts, [*starts[1:], len(text)])]
    lines = LINE_BREAK.split(text)
    return lines[:-1] if lines[-1] == "" else lines


@dataclass(frozen=True)
class SourceFile:
    path: str  # as shown to the user
    text: str  # the Python program
    #: why the file could not be read, if it could not ("not UTF-8", an OS error)
    error: str | None = None
    kind: str = "python"  # "python" | "notebook" | "markdown"
    cells: tuple[Cell, ...] = ()
    recorded: tuple[RecordedOutput, ...] = ()
    #: a Markdown file's own text (its program keeps only the python fences)
    document: str | None = None
    #: the parts of a document that do not parse on their own (not in the program)
    unparsed: tuple[Unparsed, ...] = ()
    #: per program line (from line 1), the characters the document has before it (a
    #: Markdown fence's indentation or container markers): columns shift by that much
    column_offsets: tuple[int, ...] = ()

    @property
    def document_lines(self) -> list[str]:
        return split_lines(self.document if self.document is not None else self.text)

    def column_offset(self, line: int) -> int:
        return self.column_offsets[line - 1] if 1 <= line <= len(self.column_offsets) else 0

    def location(self, line: int) -> str:
        """Where a program line is, as the user finds it: ``12``, or ``cell 3, line 2`` in a notebook."""
        where = self.cell_at(line) if self.kind == "notebook" else None
        return f"cell {where[0]}, line {where[1]}" if where else str(line)

    def cell_at(self, line: int) -> tuple[int, int] | None:
        """(cell index, line within the cell) for a program line of a notebook."""
        for cell in self.cells:
            if cell.start_line <= line < cell.start_line + max(cell.line_count, 1):
                return cell.index, line - cell.start_line + 1
        return None

    def program_line(self, cell_index: int | None, line: int) -> int:
        if cell_index is None:
            return line
        cell = next(c for c in self.cells if c.index == cell_index)
        return cell.start_line + line - 1
