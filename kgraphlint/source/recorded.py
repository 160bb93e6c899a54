"""Read the summary tables Keras printed, as found in notebook outputs and tutorials.

Both styles are read: Keras 2's (a dashed or ``=`` ruled table, one row per line, blank or
``___`` lines between rows) and Keras 3's box-drawn table, where a long row wraps over
several lines. What comes out is one ``RecordedSummary`` per table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ROW = re.compile(r"^\s*(?P<name>\S+)\s+\((?P<cls>[A-Za-z_]\w*)\)\s+(?P<shape>\[.*?\)\]|\(.*?\)|multiple|\?)"
                 r"\s+(?P<params>[\d,]+)")
NAME_AND_CLASS = re.compile(r"^(?P<name>\S+)\s+\((?P<cls>[A-Za-z_]\w*)\)$")
TOTAL = re.compile(r"^\s*(?P<kind>Total|Trainable|Non-trainable) params:\s*(?P<count>[\d,]+)")
BOX_SEPARATORS = ("├", "└", "┡", "┏", "┃")


@dataclass(frozen=True)
class RecordedRow:
    name: str
    class_name: str
    shape: object  # a list of dims, a list of such lists, or None ("multiple", unreadable)
    params: int
    offset: int  # line of the row within the text, 0-based


@dataclass(frozen=True)
class RecordedSummary:
    rows: tuple[RecordedRow, ...]
    totals: dict  # "Total" / "Trainable" / "Non-trainable" -> int
    offset: int  # line of the header within the text, 0-based
    #: which Keras printed it, as its format tells: "3" (box-drawn) or "2" (ruled with = and _)
    keras_version: str = "3"


def parse_dims(text: str) -> list | None:
    dims = []
    for part in (p.strip() for p in text.strip("()").split(",")):
        if not part:
            continue
        if part == "None":
            dims.append(None)
        elif part.isdigit():
            dims.append(int(part))
        else:
            return None
    return dims


def parse_shape(text: str) -> object:
    text = text.strip()
    if text.startswith("["):
        shapes = re.findall(r"\([^()]*\)", text)
        parsed = [parse_dims(s) for s in shapes]
        return None if any(p is None for p in parsed) else parsed
    if text.startswith("("):
        return parse_dims(text)
    return None


def _box_rows(lines: list[str], start: int) -> tuple[list[RecordedRow], int]:
    """Rows of a box-drawn table from the first body line; returns them and where it ended."""
    rows: list[RecordedRow] = []
    cells: list[list[str]] = []
    first = start

    def flush() -> None:
        if not cells:
            return
        columns = [" ".join(part for part in column if part) for column in zip(*cells)]
        match = NAME_AND_CLASS.match(columns[0]) if columns else None
        if match and len(columns) >= 3 and columns[2].replace(",", "").isdigit():
            rows.append(RecordedRow(match.group("name"), match.group("cls"), parse_shape(columns[1]),
                                    int(columns[2].replace(",", "")), first))

    index = start
    while index < len(lines):
        line = lines[index].strip()
        if line.startswith("│"):
            if not cells:
                first = index
            cells.append([c.strip() for c in line.strip("│").split("│")])
        elif line.startswith(("├", "└")):
            flush()
            cells = []
            if line.startswith("└"):
                return rows, index
        else:
            break
        index += 1
    flush()
    return rows, index


def parse_summaries(text: str) -> list[RecordedSummary]:
    lines = text.splitlines()
    summaries: list[RecordedSummary] = []
    index = 0
    while index < len(lines):
        if "Layer (type)" not in lines[index]:
            index += 1
            continue
        header = index
        rows: list[RecordedRow] = []
        boxed = lines[index].strip().startswith("┃")
        index += 1
        if boxed:
            while index < len(lines) and not lines[index].strip().startswith("│"):
                index += 1
            rows, index = _box_rows(lines, index)
        totals: dict = {}
        while index < len(lines) and "Layer (type)" not in lines[index]:
            line = lines[index]
            total = TOTAL.match(line)
            if total:
                totals[total.group("kind")] = int(total.group("count").replace(",", ""))
                if total.group("kind") == "Non-trainable":
                    index += 1
                    break
            elif not boxed:
                row = ROW.match(line)
                if row:
                    rows.append(RecordedRow(row.group("name"), row.group("cls"), parse_shape(row.group("shape")),
                                            int(row.group("params").replace(",", "")), index))
            index += 1
        if rows:
            summaries.append(RecordedSummary(tuple(rows), totals, header, "3" if boxed else "2"))
    return summaries
