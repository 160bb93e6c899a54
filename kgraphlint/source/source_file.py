"""What kgraphlint analyses of one file: its Python program, and where each part of it
came from (notebook cells, Markdown fences, the outputs a document recorded)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    """A notebook code cell: its 1-based index among code cells and where it sits in the program."""

    index: int
    start_line: int  # first line of the cell in the program text
    line_count: int


@dataclass(frozen=True)
class RecordedOutput:
    """Text a document shows as the output of some of its code (a notebook cell's output, or
    a Markdown fence after a python fence)."""

    text: str
    #: program lines (inclusive) of the code that produced it
    code_start: int
    code_end: int
    #: the line where the text itself starts in the document (Markdown), or None (notebooks)
    line: int | None = None


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

    @property
    def document_lines(self) -> list[str]:
        return (self.document if self.document is not None else self.text).splitlines()

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
