"""``kgraphlint graph``: each model as a Mermaid or Graphviz diagram, without TensorFlow.

Nodes are layer calls (name, class, output shape); the calls of a shared layer sit in one
box labelled "shared"; calls a finding points at are drawn in red with the rule's code.
"""

from __future__ import annotations

from kgraphlint.analysis import FileAnalysis
from kgraphlint.keras.facts import LayerCall
from kgraphlint.graph.model_graph import ModelGraph
from kgraphlint.rule import Finding
from kgraphlint.graph.summary import layer_output_shapes
from kgraphlint.keras.shapes import format_shape


def call_label(call: LayerCall) -> str:
    shapes = [t.shape for t in call.outputs] or layer_output_shapes(call.layer)
    shown = ", ".join(format_shape(s) for s in shapes)
    return f"{call.layer.name}: {call.layer.class_name}\\n{shown}"


def flagged_calls(analysis: FileAnalysis, model: ModelGraph, findings: list[Finding]) -> dict[LayerCall, set[str]]:
    """The calls findings point at (by program line: a notebook finding's cell line is
    counted back), with the codes."""
    by_line: dict[int, set[str]] = {}
    for finding in findings:
        if finding.path == analysis.source.path:
            line = analysis.source.program_line(finding.cell, finding.line)
            by_line.setdefault(line, set()).add(finding.code)
    if not by_line:
        return {}
    flagged = {}
    for call in model.calls:
        codes = by_line.get(analysis.span(call.node).line)
        if codes:
            flagged[call] = codes
    return flagged


def shared_groups(model: ModelGraph) -> dict:
    return {layer: calls for layer, calls in model.layer_calls.items() if len(calls) > 1}


def node_ids(model: ModelGraph) -> dict[LayerCall, str]:
    return {call: f"n{i}" for i, call in enumerate(model.calls)}


def mermaid(analysis: FileAnalysis, model: ModelGraph, findings: list[Finding]) -> str:
    ids, flagged = node_ids(model), flagged_calls(analysis, model, findings)
    place = analysis.source.location(analysis.span(model.record.node).line)
    lines = [f"%% model '{model.name}' ({analysis.source.path}:{place})",
             "flowchart TD"]
    grouped = set()
    for index, (layer, calls) in enumerate(shared_groups(model).items()):
        lines.append(f'  subgraph shared{index}["shared: {layer.name}"]')
        for call in calls:
            grouped.add(call)
            lines.append(f'    {ids[call]}["{mermaid_text(call, flagged)}"]')
        lines.append("  end")
    for call in model.calls:
        if call not in grouped:
            lines.append(f'  {ids[call]}["{mermaid_text(call, flagged)}"]')
    for producer, consumer in model.graph.edges:
        lines.append(f"  {ids[producer]} --> {ids[consumer]}")
    lines.append("  classDef finding fill:#fdd,stroke:#c00,stroke-width:2px")
    for call in flagged:
        lines.append(f"  class {ids[call]} finding")
    return "\n".join(lines) + "\n"


def mermaid_text(call: LayerCall, flagged: dict) -> str:
    text = call_label(call).replace("\\n", "<br/>").replace('"', "'")
    if call in flagged:
        text += "<br/>" + ", ".join(sorted(flagged[call]))
    return text


def dot(analysis: FileAnalysis, model: ModelGraph, findings: list[Finding]) -> str:
    ids, flagged = node_ids(model), flagged_calls(analysis, model, findings)
    lines = [f'digraph "{model.name}" {{', "  rankdir=TB;", '  node [shape=box, style=rounded, fontname="Helvetica"];']

    def node(call: LayerCall, indent: str) -> str:
        label = call_label(call).replace('"', "'")
        if call in flagged:
            label += "\\n" + ", ".join(sorted(flagged[call]))
            return f'{indent}{ids[call]} [label="{label}", color=red, fontcolor=red, penwidth=2];'
        return f'{indent}{ids[call]} [label="{label}"];'

    grouped = set()
    for index, (layer, calls) in enumerate(shared_groups(model).items()):
        lines.append(f'  subgraph cluster_shared{index} {{ label="shared: {layer.name}"; style=dashed;')
        for call in calls:
            grouped.add(call)
            lines.append(node(call, "    "))
        lines.append("  }")
    lines += [node(call, "  ") for call in model.calls if call not in grouped]
    lines += [f"  {ids[p]} -> {ids[c]};" for p, c in model.graph.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"
