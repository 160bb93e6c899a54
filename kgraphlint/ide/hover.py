"""What the editor shows when hovering: a tensor's shape, a layer's class and parameters.

``hover_facts`` lists, for one analysed file, the spans that have something to show
(names bound to tensors, layers or models; layer calls; the tensors a call reads) and the
Markdown to show; ``hover_at`` picks the innermost one under the cursor.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from kgraphlint.analysis import FileAnalysis
from kgraphlint.keras.facts import LayerCall, LayerInstance, ModelRecord, Tensor
from kgraphlint.source.positions import Span
from kgraphlint.keras.shapes import format_shape, is_int


@dataclass(frozen=True)
class HoverFact:
    span: Span
    markdown: str


def params_text(layer: LayerInstance) -> str:
    trainable, frozen = layer.params if layer.params is not None else (None, None)
    if not (is_int(trainable) and is_int(frozen)):
        return "parameters not known statically"
    total = trainable + frozen
    extra = f" ({frozen:,} non-trainable)" if frozen else ""
    return f"{total:,} parameters{extra}"


def layer_text(layer: LayerInstance) -> str:
    calls = len(layer.calls)
    shared = f" · shared: called {calls} times" if calls > 1 else ""
    return f"`{layer.class_name}` '{layer.name}' · {params_text(layer)}{shared}"


def tensor_text(name: str, tensor: Tensor, analysis: FileAnalysis) -> str:
    producer = tensor.producer
    origin = "an Input" if producer.layer.is_input else f"the output of {layer_text(producer.layer)}"
    return f"**{name}**: `{format_shape(tensor.shape)}`\n\n{origin} ({analysis.where(producer.node)})"


def call_text(call: LayerCall) -> str:
    shapes = ", ".join(format_shape(t.shape) for t in call.outputs) or "?"
    inputs = ", ".join(format_shape(t.shape) for t in call.inputs)
    return f"`{shapes}` ← `{inputs}`\n\n{layer_text(call.layer)}"


def value_text(name: str, value: object, analysis: FileAnalysis) -> str | None:
    if isinstance(value, Tensor):
        return tensor_text(name, value, analysis)
    if isinstance(value, LayerInstance):
        shapes = ", ".join(format_shape(c.outputs[0].shape) for c in value.calls if c.outputs)
        outputs = f"\n\noutputs: `{shapes}`" if shapes else "\n\nnot called yet"
        return f"**{name}**: {layer_text(value)}{outputs}"
    if isinstance(value, ModelRecord):
        return f"**{name}**: {value.kind} model '{value.name}'"
    return None


def hover_facts(analysis: FileAnalysis) -> list[HoverFact]:
    facts: list[HoverFact] = []
    for name, value in analysis.facts.bindings:
        text = value_text(name.value, value, analysis)
        if text is not None:
            facts.append(HoverFact(analysis.span(name), text))
    for call in analysis.facts.calls:
        if call.layer.is_input:
            continue
        facts.append(HoverFact(analysis.span(call.node), call_text(call)))
        for node, tensor in zip(call.input_nodes, call.inputs):
            if isinstance(node, cst.Name):
                facts.append(HoverFact(analysis.span(node), tensor_text(node.value, tensor, analysis)))
    return facts


def contains(span: Span, line: int, column: int) -> bool:
    return (span.line, span.column) <= (line, column) < (span.end_line, span.end_column)


def hover_at(facts: list[HoverFact], line: int, column: int) -> HoverFact | None:
    """The innermost fact at a 1-based line and column."""
    inside = [f for f in facts if contains(f.span, line, column)]
    if not inside:
        return None
    return min(inside, key=lambda f: (f.span.end_line - f.span.line, f.span.end_column - f.span.column))
