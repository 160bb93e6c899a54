import re

from kgraphlint.keras.naming import to_snake_case
from kgraphlint.source.positions import Span
from kgraphlint.source.recorded import RecordedRow, RecordedSummary, parse_summaries
from kgraphlint.rule import Invalid, Rule, Severity
from kgraphlint.keras.shapes import format_shape
from kgraphlint.graph.summary import model_summary

MAX_DIFFERENCES = 4
# Keras 3's summary of Sequential([Input((16,)), Dense(4)]), as it printed it.
MARKDOWN_EXAMPLE = """\
A one-layer model:

```python
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(16,)), layers.Dense({units})])
model.summary()
```

```text
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ (None, 4)              │            68 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 68 (272.00 B)
 Trainable params: 68 (272.00 B)
 Non-trainable params: 0 (0.00 B)
```
"""


def is_auto_name(name: str, class_name: str) -> bool:
    """A name Keras made up (dense_2, input_1, input_layer_3), which differs run to run."""
    prefix = "input(_layer)?" if class_name == "InputLayer" else re.escape(to_snake_case(class_name))
    return re.fullmatch(rf"{prefix}(_\d+)?", name) is not None


def pair_rows(recorded: list[RecordedRow], computed: list[dict]):
    """Match recorded rows to computed layers: chosen names exactly, auto-names by class in order."""
    pairs, rest_recorded, rest_computed = [], [], list(computed)
    for row in recorded:
        match = None
        if not is_auto_name(row.name, row.class_name):
            match = next((layer for layer in rest_computed if layer["name"] == row.name), None)
        if match is None:
            rest_recorded.append(row)
        else:
            rest_computed.remove(match)
            pairs.append((row, match))
    still_recorded = []
    for row in rest_recorded:
        match = next((layer for layer in rest_computed if layer["class"] == row.class_name
                      and is_auto_name(layer["name"], layer["class"])), None)
        if match is None:
            still_recorded.append(row)
        else:
            rest_computed.remove(match)
            pairs.append((row, match))
    return pairs, still_recorded, rest_computed


def single(shape: object) -> object:
    """Keras 2 prints an InputLayer's shape as a one-element list: [(None, 64)]."""
    if isinstance(shape, list) and len(shape) == 1 and isinstance(shape[0], list):
        return shape[0]
    return shape


def shapes_differ(recorded: object, computed: object) -> bool:
    recorded, computed = single(recorded), single(computed)
    if recorded is None or computed == "?" or not isinstance(computed, list):
        return False
    if computed and isinstance(computed[0], list):
        return (not isinstance(recorded[0], list) or len(recorded) != len(computed)
                or any(shapes_differ(r, c) for r, c in zip(recorded, computed)))
    if recorded and isinstance(recorded[0], list):
        return True
    return len(recorded) != len(computed) or any(c != "?" and r != c for r, c in zip(recorded, computed))


def show(shape: object) -> str:
    shape = single(shape)
    if isinstance(shape, list) and shape and isinstance(shape[0], list):
        return "[" + ", ".join(show(s) for s in shape) + "]"
    return format_shape(tuple(shape)) if isinstance(shape, list) else "?"


def computes_masks(graph) -> bool:
    """Whether the model makes masks (``Embedding(mask_zero=True)``, ``Masking``). Keras 3
    computes them with operations that its summary lists (``not_equal``, ``any``,
    ``expand_dims``, ``logical_or``, a second ``concatenate``, ...) and kgraphlint does not
    model; Keras 2 lists none."""
    return any(layer.class_name == "Masking"
               or (layer.class_name == "Embedding" and layer.config.get("mask_zero", False) is not False)
               for layer in graph.layers)


#: layers whose weights Keras 2 and Keras 3 count differently in some releases (GRU's reset_after)
VERSION_DEPENDENT_WEIGHTS = frozenset({"GRU", "GRUCell", "Bidirectional"})


def differences_across_versions(table: RecordedSummary, computed: dict) -> list[tuple[RecordedRow | None, str]]:
    """A table another Keras printed (Keras 2's, checked as Keras 3 code, or the reverse):
    automatic names and some weight counts differ between them, so only a table with the
    same layers in the same order is compared, row by row, by shape and by the weights both
    Keras count alike; anything else proves nothing."""
    rows, layers = list(table.rows), [layer for layer in computed["layers"] if layer["class"] != "InputLayer"]
    rows = [row for row in rows if row.class_name != "InputLayer"]
    if len(rows) != len(layers) or any(r.class_name != layer["class"] for r, layer in zip(rows, layers)):
        return []
    found = []
    for row, layer in zip(rows, layers):
        label = f"{row.name} ({row.class_name})"
        if shapes_differ(row.shape, layer["output_shape"]):
            found.append((row, f"{label}: output shape {show(row.shape)} recorded, {show(layer['output_shape'])} "
                               f"computed"))
        if (layer["params"] is not None and row.params != layer["params"]
                and row.class_name not in VERSION_DEPENDENT_WEIGHTS):
            found.append((row, f"{label}: {row.params:,} parameters recorded, {layer['params']:,} computed"))
    return found


def differences(table: RecordedSummary, computed: dict, masked: bool = False) -> list[tuple[RecordedRow | None, str]]:
    """(recorded row or None, what differs), recorded against computed. ``masked``: the model
    makes masks, so recorded rows without weights may be Keras's mask operations."""
    found = []
    pairs, extra_recorded, extra_computed = pair_rows(list(table.rows), computed["layers"])
    if masked:
        extra_recorded = [row for row in extra_recorded if row.params != 0]
    if any("opaque" in layer or "name_certain" in layer for layer in computed["layers"]):
        # Part of the model was not followed (or its names may differ): rows that do not
        # pair up prove nothing.
        extra_recorded, extra_computed = [], []
    for row, layer in sorted(pairs, key=lambda p: p[0].offset):
        label = f"{row.name} ({row.class_name})"
        if shapes_differ(row.shape, layer["output_shape"]):
            found.append((row, f"{label}: output shape {show(row.shape)} recorded, {show(layer['output_shape'])} "
                               f"computed"))
        if layer["params"] is not None and row.params != layer["params"]:
            found.append((row, f"{label}: {row.params:,} parameters recorded, {layer['params']:,} computed"))
    for row in extra_recorded:
        found.append((row, f"{row.name} ({row.class_name}) is recorded but the code builds no such layer"))
    for layer in extra_computed:
        found.append((None, f"the code builds {layer['name']} ({layer['class']}), which the recorded summary lacks"))
    total = table.totals.get("Total")
    if total is not None and computed["total_params"] is not None and total != computed["total_params"]:
        found.append((None, f"Total params: {total:,} recorded, {computed['total_params']:,} computed"))
    return found


class StaleSummary(Rule):
    """A printed model summary that no longer matches the code.

    ## What it does
    In notebooks (the output of a cell that calls ``.summary()``) and Markdown tutorials (a
    fence right after a python fence), reads the summary table Keras printed, in the Keras 2
    or the Keras 3 style, and compares it with the summary of the model the code builds now:
    the layer list, each layer's output shape and parameter count, and the totals.
    Automatic names (``dense_2`` against ``dense_1``) are matched by class and position, so
    a re-run that numbers layers differently is not a difference. In a model with masks
    (``Embedding(mask_zero=True)``, ``Masking``), Keras 3 also lists the operations that
    compute them (``not_equal``, ``any``, ...); those rows are not differences either.

    ## Why is this bad?
    The code was edited after the run, or the table was retyped with a mistake. Readers
    trust the printed table; it now describes a model the code does not build.

    ## How to fix
    Re-run the cell (or regenerate the tutorial's output), or correct the code.
    """

    code = "KGL601"
    name = "stale-summary"
    severity = Severity.WARNING
    summary = "a printed model summary (notebook output, tutorial) that no longer matches the code"
    #: the examples are Markdown tutorials: code, then the summary Keras printed for it
    example_suffix = ".md"
    bad = (Invalid(MARKDOWN_EXAMPLE.format(units=8), spans=((15, 1, 15, 77),)),)
    good = (MARKDOWN_EXAMPLE.format(units=4),)

    def check(self, ctx):
        source = ctx.analysis.source
        graphs = {id(graph.record): graph for graph in ctx.models}
        summary_calls = [u for u in ctx.analysis.facts.model_uses if u.method == "summary"]
        for output in source.recorded:
            tables = parse_summaries(output.text)
            if not tables:
                continue
            calls = [u for u in summary_calls if output.code_start <= ctx.line_of(u.node) <= output.code_end]
            for table, call in zip(tables, calls):
                graph = graphs.get(id(call.model))
                if graph is None or not call.certain:
                    continue
                computed = model_summary(ctx.analysis, graph)
                built_by = {"keras2": "2", "keras3": "3"}.get(graph.record.flavour, ctx.keras_version)
                if table.keras_version != built_by:
                    found = differences_across_versions(table, computed)
                else:
                    found = differences(table, computed, computes_masks(graph))
                if found:
                    yield self.report(ctx, output, table, call, graph, found)

    def report(self, ctx, output, table, call, graph, found):
        shown = "; ".join(text for _, text in found[:MAX_DIFFERENCES])
        more = f"; and {len(found) - MAX_DIFFERENCES} more" if len(found) > MAX_DIFFERENCES else ""
        where = "its cell's output" if ctx.analysis.source.kind == "notebook" else "the output shown after this code"
        message = (f"The summary of model '{graph.name}' in {where} no longer matches the code: {shown}{more}. "
                   f"Re-run the code to refresh the output, or fix the code.")
        row = next((row for row, _ in found if row is not None), None)
        if output.line is not None:  # Markdown: point at the recorded row that differs
            line = output.line + (row.offset if row is not None else table.offset)
            lines = ctx.analysis.source.document_lines
            text = lines[line - 1] if line <= len(lines) else ""
            return ctx.finding(None, message, span=Span(line, 1, line, len(text) + 1),
                               related=[(call.node, f"model.summary() for '{graph.name}'")])
        return ctx.finding(call.node, message, related=[(graph.record.node, f"model '{graph.name}' is built here")])
