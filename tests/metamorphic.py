"""Metamorphic soundness: hiding part of a program from kgraphlint must never make it more
certain. One expression of a correct or buggy program is wrapped in a call nothing knows
(``__hidden__(expression)``: it still runs, and what it uses is still used, but its value is
unknown); the result may lose findings, shapes and counts, but must not gain an error or a
warning (apart from ones on the hidden expression's own line), and no shape or parameter
count it still knows may differ from the original's.

Used by tests/test_metamorphic.py (a few examples in CI) and benchmarks/metamorphic.py
(thousands)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from kgraphlint.analysis import analyze_source
from kgraphlint.checking import check_source
from kgraphlint.graph.summary import model_summary
from kgraphlint.rule import Severity
from kgraphlint.source.files import source_from_text

HIDDEN = "__hidden__({})"


@dataclass(frozen=True)
class Site:
    """An expression that can be hidden: its line and its text's position in the program."""

    line: int
    start: int
    end: int
    kind: str


def candidate_sites(text: str) -> list[Site]:
    """Single-line expressions worth hiding: call arguments, layer calls and their callees,
    the values assigned, loop iterables, branch conditions."""
    wrapper = MetadataWrapper(cst.parse_module(text))
    positions = wrapper.resolve(PositionProvider)
    offsets = [0]
    for line in text.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    sites: list[Site] = []

    def add(node: cst.CSTNode, kind: str) -> None:
        span = positions[node]
        if span.start.line == span.end.line:
            start = offsets[span.start.line - 1] + span.start.column
            sites.append(Site(span.start.line, start, offsets[span.end.line - 1] + span.end.column, kind))

    class Collect(cst.CSTVisitor):
        def visit_Arg(self, node: cst.Arg) -> None:
            add(node.value, "argument")

        def visit_Call(self, node: cst.Call) -> None:
            add(node, "call")

        def visit_Assign(self, node: cst.Assign) -> None:
            add(node.value, "assigned value")

        def visit_For(self, node: cst.For) -> None:
            add(node.iter, "loop iterable")

        def visit_If(self, node: cst.If) -> None:
            add(node.test, "branch condition")

    wrapper.visit(Collect())
    return sites


def hide(text: str, site: Site) -> str:
    return text[:site.start] + HIDDEN.format(text[site.start:site.end]) + text[site.end:]


def facts(text: str, path: str) -> tuple[set, dict]:
    """(error and warning findings as (code, line), known shapes and counts by layer)."""
    findings = {(f.code, f.line) for f in check_source(text, path)
                if f.severity in (Severity.ERROR, Severity.WARNING)}
    analysis = analyze_source(source_from_text(path, text))
    known: dict = {}
    for model in analysis.models:
        summary = model_summary(analysis, model)
        names = [row["name"] for row in summary["layers"]]
        for row in summary["layers"]:
            if "opaque" in row or "name_certain" in row or names.count(row["name"]) > 1:
                continue  # no name to tell it by (a duplicate name is a finding of its own)
            key = (summary["name"], row["name"], row["class"])
            if row["output_shape"] != "?" and "?" not in str(row["output_shape"]):
                known[key + ("shape",)] = row["output_shape"]
            if row["params"] is not None:
                known[key + ("params",)] = row["params"]
    return findings, known


def violations(text: str, site: Site, path: str = "program.py",
               original: tuple[set, dict] | None = None) -> list[str]:
    """What hiding ``site`` made kgraphlint claim that it did not claim before."""
    before_findings, before_known = original or facts(text, path)
    after_findings, after_known = facts(hide(text, site), path)
    problems = [f"new {code} at line {line}" for code, line in sorted(after_findings - before_findings)
                if line != site.line]
    problems += [f"{key}: {before_known[key]} became {value}" for key, value in after_known.items()
                 if key in before_known and before_known[key] != value]
    return problems


def dedented(text: str) -> str:
    return textwrap.dedent(text)


def middle_call_sites(text: str, path: str) -> list[Site]:
    """For each model of the program with at least three layer calls in its file, the
    single-line layer call in the middle of its graph (its outermost call expression)."""
    analysis = analyze_source(source_from_text(path, text))
    calls_by_line: dict[int, list[Site]] = {}
    for site in candidate_sites(text):
        if site.kind == "call":
            calls_by_line.setdefault(site.line, []).append(site)
    chosen: list[Site] = []
    for model in analysis.models:
        lines = sorted({analysis.span(call.node).line for call in model.calls
                        if not call.layer.is_input and analysis.span(call.node).line in calls_by_line})
        if len(lines) >= 3:
            line = lines[len(lines) // 2]
            chosen.append(max(calls_by_line[line], key=lambda s: s.end - s.start))
    return chosen


def model_lines(text: str, path: str) -> list[int]:
    analysis = analyze_source(source_from_text(path, text))
    return sorted(analysis.span(model.record.node).line for model in analysis.summarised)
