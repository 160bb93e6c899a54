"""``kgraphlint summary``: each model's layers, shapes and parameters, like model.summary().

``model_summary`` produces the JSON contract (one object per model); ``render`` draws the
same data as a rich table.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from kgraphlint.analysis import FileAnalysis
from kgraphlint.keras.facts import LayerInstance
from kgraphlint.graph.model_graph import ModelGraph
from kgraphlint.keras.shapes import UNKNOWN, format_shape, is_int, shape_to_json


def _count(value: object) -> int | None:
    return value if is_int(value) else None


def layer_output_shapes(layer: LayerInstance) -> list:
    """The shapes Keras's summary shows for a layer: those of its last call."""
    if not layer.calls:
        return [None]
    return [t.shape for t in layer.calls[-1].outputs]


def layer_row(model: ModelGraph, layer: LayerInstance) -> dict:
    shapes = layer_output_shapes(layer)
    trainable, frozen = layer.effective_params()
    total = trainable + frozen if is_int(trainable) and is_int(frozen) else UNKNOWN
    connected: list[str] = []
    for call in model.layer_calls.get(layer, []):
        connected.extend(t.producer.layer.name for t in call.inputs)
    return {
        "name": layer.name,
        "class": layer.class_name,
        "output_shape": shape_to_json(shapes[0]) if len(shapes) == 1 else [shape_to_json(s) for s in shapes],
        "params": _count(total),
        "trainable_params": _count(trainable),
        "connected_to": connected,
    }


def model_summary(analysis: FileAnalysis, model: ModelGraph) -> dict:
    """One model's summary: the JSON contract of ``kgraphlint summary --format json``. In a
    notebook, "line" counts within the code cell given by an added "cell"."""
    trainable, frozen = model.params()
    total = trainable + frozen if is_int(trainable) and is_int(frozen) else None
    line = analysis.span(model.record.node).line
    cell = analysis.source.cell_at(line) if analysis.source.kind == "notebook" else None
    summary = {
        "path": analysis.source.path,
        "line": cell[1] if cell else line,
        "name": model.name,
        "kind": model.kind,
        "inputs": [layer.name for layer in model.input_layers],
        "outputs": [layer.name for layer in model.output_layers],
        "layers": [layer_row(model, layer) for layer in model.layers],
        "total_params": total,
        "trainable_params": _count(trainable),
        "non_trainable_params": _count(frozen),
    }
    if cell:
        summary["cell"] = cell[0]
    return summary


def _shape_text(value: object) -> str:
    if value == "?":
        return "?"
    if value and isinstance(value[0], list):
        return "[" + ", ".join(_shape_text(v) for v in value) + "]"
    return format_shape(tuple(UNKNOWN if d == "?" else d for d in value))


def _number(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


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
        title = f'{summary["kind"].capitalize()} model "{summary["name"]}"  ({summary["path"]}:{summary["line"]})'
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
            cells = [f'{row["name"]} ({row["class"]})', _shape_text(row["output_shape"]), _number(row["params"])]
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
