"""Where the parts of a notebook's or a Markdown file's program came from: code cells,
the outputs the document recorded, the code blocks left out because they do not parse.

Apart from kgraphlint.source.source_file because only documents have them: a run over
plain .py files whose results are all cached does not create these classes (each frozen
dataclass is about a millisecond of such a run).
"""

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
class Unparsed:
    """A part of a document that does not parse and was left out of its program (a
    Markdown code block), and why; positions are the document's own."""

    message: str
    line: int
    column: int
    #: the document lines the part spans
    first_line: int
    last_line: int
