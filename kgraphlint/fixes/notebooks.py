"""Edit a notebook's code cells and write its JSON back as it was formatted.

Only the edited cells' ``source`` changes: outputs, metadata, key order and the file's
formatting stay. The formatting is found by writing the notebook as it was read in each
style JSON writers use (Jupyter's one-space indent, Colab's and VS Code's, with or without
escaped non-ASCII characters) until one reproduces the file exactly; a notebook written in
any other way is not changed rather than reformatted.
"""

from __future__ import annotations

import json
import re
from itertools import product

from kgraphlint.fixes.edits import apply_edits
from kgraphlint.fixes.writing import NotWritten
from kgraphlint.rule import Edit

INDENT = re.compile(r"\{\r?\n([ \t]+)\"")
SEPARATORS = ((",", ": "), (", ", ": "), (",", ":"))


def code_cells(notebook: object) -> list[dict]:
    """The code cells, in the order ``kgraphlint.documents.load_notebook`` numbers them."""
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise NotWritten("it is not a valid notebook")
    return [cell for cell in cells if isinstance(cell, dict) and cell.get("cell_type") == "code"]


def cell_text(cell: dict) -> str:
    source = cell.get("source")
    return "".join(source) if isinstance(source, list) else source if isinstance(source, str) else ""


def code_cell_sources(raw: str) -> list[str]:
    return [cell_text(cell) for cell in code_cells(json.loads(raw))]


def dump_like(raw: str, value: object) -> str:
    """``value`` as JSON in the style ``raw`` is written in (NotWritten when none matches)."""
    original = json.loads(raw)
    found = INDENT.match(raw)
    indent = found.group(1) if found else None
    newline = "\r\n" if "\r\n" in raw else "\n"
    ending = raw[len(raw.rstrip()):]
    for ensure_ascii, separators in product((False, True), SEPARATORS):
        def dump(item: object) -> str:
            text = json.dumps(item, indent=indent, ensure_ascii=ensure_ascii, separators=separators)
            return text.replace("\n", newline) + ending

        if dump(original) == raw:
            return dump(value)
    raise NotWritten("its JSON is formatted in a way kgraphlint cannot reproduce, so it is left as it is")


def source_lines(text: str) -> list[str]:
    """A cell's source as Jupyter stores it: lines, each with its line break."""
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def edit_cells(raw: str, edits: list[Edit]) -> str:
    """The notebook's text with the edits (lines counted within their ``cell``) applied."""
    notebook = json.loads(raw)
    cells = code_cells(notebook)
    by_cell: dict[int, list[Edit]] = {}
    for edit in edits:
        if edit.cell is None or not 1 <= edit.cell <= len(cells):
            raise NotWritten("an edit is outside the code cells")
        by_cell.setdefault(edit.cell, []).append(edit)
    if not by_cell:
        return raw
    for index, cell_edits in by_cell.items():
        cell = cells[index - 1]
        text = apply_edits(cell_text(cell), cell_edits)
        cell["source"] = source_lines(text) if isinstance(cell.get("source"), list) else text
    return dump_like(raw, notebook)
