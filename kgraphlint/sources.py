"""Load the files to analyse and find them in directories.

A ``SourceFile`` is the Python program kgraphlint analyses plus where it came from: a .py
file as it is, or the code of a notebook or a Markdown tutorial (see
``kgraphlint.documents``). Files that cannot be read or decoded still become a
``SourceFile`` carrying the problem, so the run reports it and goes on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

PYTHON_SUFFIXES = (".py", ".pyi")
DOCUMENT_SUFFIXES = (".ipynb", ".md")
SUFFIXES = PYTHON_SUFFIXES + DOCUMENT_SUFFIXES
#: folders never worth walking into
SKIPPED_DIRS = frozenset({
    ".git", ".hg", ".svn", ".venv", "venv", "env", ".env", "__pycache__", "build", "dist",
    ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".kgraphlint_cache",
    "node_modules", "site-packages", ".eggs", ".ipynb_checkpoints",
})


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


def read_source(path: Path, display: str | None = None) -> SourceFile:
    shown = display or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return SourceFile(shown, "", f"cannot read file: {exc.strerror or exc}")
    source = decode_source(shown, data)
    return source if source.error is not None else source_from_text(shown, source.text)


def source_from_text(path: str, text: str) -> SourceFile:
    """A file's text as kgraphlint reads it: notebooks and Markdown by their suffix."""
    if path.endswith(".ipynb"):
        from kgraphlint.documents import load_notebook

        return load_notebook(path, text)
    if path.endswith(".md"):
        from kgraphlint.documents import load_markdown

        return load_markdown(path, text)
    return SourceFile(path, text)


def decode_source(shown: str, data: bytes) -> SourceFile:
    if b"\x00" in data:
        return SourceFile(shown, "", "not a text file (it contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return SourceFile(shown, "", f"not UTF-8 (invalid byte at line {line}); save the file as UTF-8")
    return SourceFile(shown, text)


def is_skipped_dir(name: str) -> bool:
    return name in SKIPPED_DIRS or name.endswith(".egg-info")


def discover(paths: Iterable[str], suffixes: tuple[str, ...] = SUFFIXES) -> Iterator[Path]:
    """Files named directly, and files with a known suffix below named directories, sorted
    per directory so output order is stable. Symlinked directories are not followed."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, files in os.walk(path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not is_skipped_dir(d))
                for name in sorted(files):
                    if name.endswith(suffixes):
                        yield Path(root) / name
        else:
            yield path
