"""Each model's summary rows: its layers, shapes and parameters, as model.summary() lists
them. ``model_summary`` is the JSON contract of ``kgraphlint summary --format json`` (one
object per model); ``kgraphlint.report.tables`` prints the same rows as a table, and
KGL601 compares them with the tables a document recorded.
"""

from __future__ import annotations

from kgraphlint.analysis import FileAnalysis
from kgraphlint.keras.facts import LayerInstance
from kgraphlint.graph.model_graph import ModelGraph, sum_params
from kgraphlint.keras.layers.base import has_weights
from kgraphlint.keras.shapes import UNKNOWN, is_int, shape_to_json


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
        connected.extend(t.producer.layer.name for t in call.listed_inputs)
    row = {
        "name": layer.name,
        "class": layer.class_name,
        "output_shape": shape_to_json(shapes[0]) if len(shapes) == 1 else [shape_to_json(s) for s in shapes],
        "params": _count(total),
        "trainable_params": _count(trainable),
        "connected_to": connected,
    }
    if layer.opaque is not None:
        row["opaque"] = layer.opaque  # what was called: kgraphlint could not see into it
    if not layer.name_certain:
        row["name_certain"] = False  # an automatic name after code that may have used up names
    return row


def subclassed_rows(model: ModelGraph) -> tuple[list[dict], tuple]:
    """A subclassed model's rows as Keras 3 prints them: each tracked sublayer, its weights
    if it was built (``model.build(shape)`` builds none of them), its output shape when it
    built weights from one; and the model's (trainable, non-trainable) totals."""
    record = model.record
    built = record.built_by == "call"
    # never built here, but used in a way that may build it: its weights are not known
    maybe_built = record.built_by is None and record.touched
    # built by a call() kgraphlint lost track of: a sublayer not seen called may have been
    lost = built and not record.outputs_known
    rows, counted, unknown = [], [], maybe_built
    for layer in record.sublayers:
        row = layer_row(model, layer)
        row["connected_to"] = []
        if maybe_built or (lost and not layer.calls and has_weights(layer)):
            row.update(output_shape="?", params=None, trainable_params=None)
            unknown = True
        elif built and layer.calls:
            counted.append(layer)
            if not has_weights(layer):
                row["output_shape"] = "?"  # Keras knows a layer's output only from its build shapes
        elif has_weights(layer):
            row.update(params=0, trainable_params=0, output_shape="?", unbuilt=True)
        else:  # a layer without weights is built when it is made
            row.update(output_shape="?", params=0, trainable_params=0)
        rows.append(row)
    totals = sum_params(counted)
    own = record.as_layer.custom.state.weights if record.as_layer is not None else []
    if own or unknown:
        totals = (UNKNOWN, UNKNOWN)  # the model's own add_weight weights: not counted here yet
    return rows, totals


def unbuilt_rows(model: ModelGraph) -> tuple[list[dict], tuple]:
    """A Sequential with no input shape kgraphlint saw built. One nothing used is unbuilt,
    its rows as Keras 3 prints them: each layer's output "?", its weights 0 ("unbuilt"
    where it would build some). One used in a way that may build it (called on what
    kgraphlint could not follow, kept by an object it does not know), or with a layer built
    elsewhere, has weights kgraphlint does not know: those rows and the totals unknown. So
    has a layer kgraphlint could not follow, and every layer after it: it may be an Input
    that builds them."""
    rows, known, maybe_input = [], True, False
    for layer in model.layers:
        row = layer_row(model, layer)
        row["output_shape"] = "?"
        maybe_input = maybe_input or layer.opaque is not None
        if layer.calls or model.record.touched or maybe_input:
            row.update(params=None, trainable_params=None)
            known = False
        elif has_weights(layer):
            row.update(params=0, trainable_params=0, unbuilt=True)
        else:
            row.update(params=0, trainable_params=0)
        rows.append(row)
    return rows, (0, 0) if known else (UNKNOWN, UNKNOWN)


def model_summary(analysis: FileAnalysis, model: ModelGraph) -> dict:
    """One model's summary: the JSON contract of ``kgraphlint summary --format json``. In a
    notebook, "line" counts within the code cell given by an added "cell"."""
    if model.kind == "subclassed":
        rows, (trainable, frozen) = subclassed_rows(model)
    elif not model.record.inputs:
        rows, (trainable, frozen) = unbuilt_rows(model)
    else:
        rows, (trainable, frozen) = [layer_row(model, layer) for layer in model.layers], model.params()
    total = trainable + frozen if is_int(trainable) and is_int(frozen) else None
    line = analysis.span(model.record.node).line
    cell = analysis.source.cell_at(line) if analysis.source.kind == "notebook" else None
    summary = {
        "path": analysis.source.path,
        "line": cell[1] if cell else line,
        "name": model.name,
        "kind": model.kind,
        "inputs": [layer.name for layer in model.input_layers] if model.kind != "subclassed" else [],
        "outputs": [layer.name for layer in model.output_layers] if model.kind != "subclassed" else [],
        "layers": rows,
        "total_params": total,
        "trainable_params": _count(trainable),
        "non_trainable_params": _count(frozen),
    }
    if cell:
        summary["cell"] = cell[0]
    return summary
