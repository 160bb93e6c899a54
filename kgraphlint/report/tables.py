"""``kgraphlint summary``'s tables: each model's summary rows (``kgraphlint.graph.summary``)
printed the way ``model.summary()`` prints them."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from kgraphlint.keras.shapes import UNKNOWN, format_shape


def _shape_text(value: object) -> str:
    if value == "?":
        return "?"
    if value and isinstance(value[0], list):
        return "[" + ", ".join(_shape_text(v) for v in value) + "]"
    return format_shape(tuple(UNKNOWN if d == "?" else d for d in value))


def _number(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def _params(row: dict) -> str:
    return "0 (unbuilt)" if row.get("unbuilt") else _number(row["params"])


def keras_cell(row: dict) -> str:
    """What the --build column shows for a layer: confirmed, or what Keras said instead."""
    keras = row.get("keras")
    if not keras:
        return "-"
    if row["confirmed"]:
        return "confirmed"
    return f"{_shape_text(keras['output_shape'])}, {keras['params']:,}"


def render(summaries: list[dict], console: Console) -> None:
    for summary in summaries:
        place = f'cell {summary["cell"]}, line {summary["line"]}' if "cell" in summary else summary["line"]
        title = f'{summary["kind"].capitalize()} model "{summary["name"]}"  ({summary["path"]}:{place})'
        functional = summary["kind"] == "functional"
        table = Table(title=title, title_justify="left", show_lines=False)
        table.add_column("Layer (type)")
        table.add_column("Output Shape")
        table.add_column("Param #", justify="right")
        if functional:
            table.add_column("Connected to")
        built = "keras_build" in summary
        if built:
            table.add_column("Keras")
        for row in summary["layers"]:
            name = row["name"] + ("?" if row.get("name_certain") is False and row["name"] != "?" else "")
            cells = [f'{name} ({row["class"]})', _shape_text(row["output_shape"]), _params(row)]
            if functional:
                cells.append(", ".join(row["connected_to"]) or "-")
            if built:
                cells.append(keras_cell(row))
            table.add_row(*cells)
        console.print(table)
        console.print(f' Total params: {_number(summary["total_params"])}')
        console.print(f' Trainable params: {_number(summary["trainable_params"])}')
        console.print(f' Non-trainable params: {_number(summary["non_trainable_params"])}')
        if built:
            build = summary["keras_build"]
            state = (f"not built: {build['note']}" if build["note"] else
                     f"Keras raised: {build['error']}" if build["error"] else f"built by Keras on {build['device']}")
            console.print(f" {state}")
        console.print()
