"""One file from text to facts: parse with libcst, interpret, build the model graphs.

``analyze_source`` is the engine's entry point; ``FileAnalysis`` is everything the rules
and the summary read. It never raises for bad input: a file that cannot be decoded or
parsed yields a FileAnalysis whose ``problem`` says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
import networkx as nx

from kgraphlint.facts import (
    ImportFact,
    LayerAttributeRead,
    LayerCall,
    LayerInstance,
    ModelArgumentProblem,
    ModelRecord,
    ModelUse,
)
from kgraphlint.graph import ModelGraph, build_model_graph, call_graph
from kgraphlint.interpreter import GiveUp, Interpreter
from kgraphlint.positions import Positions, Span
from kgraphlint.signatures import KERAS3
from kgraphlint.sources import SourceFile


@dataclass(frozen=True)
class SourceProblem:
    """Why a file could not be analysed, and where."""

    message: str
    line: int = 1
    column: int = 1


@dataclass(eq=False)
class FileAnalysis:
    source: SourceFile
    module: cst.Module | None = None
    problem: SourceProblem | None = None
    layers: list[LayerInstance] = field(default_factory=list)
    calls: list[LayerCall] = field(default_factory=list)
    models: list[ModelGraph] = field(default_factory=list)
    #: every Model/Sequential the code creates, including those whose graph is partial
    records: list[ModelRecord] = field(default_factory=list)
    imports: list[ImportFact] = field(default_factory=list)
    model_problems: list[ModelArgumentProblem] = field(default_factory=list)
    attribute_reads: list[LayerAttributeRead] = field(default_factory=list)
    #: compile/fit/evaluate/predict calls on models
    model_uses: list[ModelUse] = field(default_factory=list)
    graph: nx.DiGraph = field(default_factory=nx.DiGraph)
    keras_version: str = "3"
    #: the file was too large or dynamic to follow to the end; what was found is partial
    gave_up: bool = False

    def __post_init__(self) -> None:
        self.positions = Positions(self.module)

    def span(self, node: cst.CSTNode | None) -> Span:
        return self.positions.span(node)

    @property
    def lines(self) -> list[str]:
        return self.source.text.splitlines()


def mentions_keras(text: str) -> bool:
    return "keras" in text or "tensorflow" in text


def syntax_problem(text: str, path: str, error: cst.ParserSyntaxError) -> SourceProblem:
    """libcst's error positions are often wrong; CPython's compiler knows better."""
    try:
        compile(text, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return SourceProblem(f"syntax error: {exc.msg}", exc.lineno or 1, exc.offset or 1)
    except (ValueError, RecursionError, MemoryError) as exc:
        return SourceProblem(f"cannot parse: {exc}", 1, 1)
    return SourceProblem(f"syntax error: {error.message}", error.raw_line, error.raw_column + 1)


class AnalysisError(Exception):
    """A bug in kgraphlint met while analysing a file (reported with the file, exit code 2)."""

    def __init__(self, path: str, error: BaseException) -> None:
        super().__init__(f"{path}: internal error in the analysis: {type(error).__name__}: {error}")


def analyze_source(source: SourceFile, keras_version: str = "3") -> FileAnalysis:
    """Everything kgraphlint knows about one file. Bad input yields a FileAnalysis with a
    ``problem``; a bug in kgraphlint raises AnalysisError naming the file."""
    try:
        return _analyze(source, keras_version)
    except Exception as error:
        raise AnalysisError(source.path, error) from error


def _analyze(source: SourceFile, keras_version: str) -> FileAnalysis:
    if source.error is not None:
        return FileAnalysis(source, problem=SourceProblem(source.error))
    if not mentions_keras(source.text):
        return FileAnalysis(source, keras_version=keras_version)
    try:
        module = cst.parse_module(source.text)
    except cst.ParserSyntaxError as error:
        return FileAnalysis(source, problem=syntax_problem(source.text, source.path, error))
    except (RecursionError, MemoryError, ValueError) as error:
        return FileAnalysis(source, problem=SourceProblem(f"cannot parse: {type(error).__name__}"))
    interpreter = Interpreter(module, KERAS3 if keras_version == "3" else "keras2")
    gave_up = False
    try:
        interpreter.run()
    except (GiveUp, RecursionError):
        gave_up = True
    models = [build_model_graph(m) for m in interpreter.models if m.complete and m.outputs]
    return FileAnalysis(
        source, module, None, interpreter.layers, interpreter.calls, models, interpreter.models, interpreter.imports,
        interpreter.model_problems, interpreter.attribute_reads, interpreter.model_uses,
        call_graph(interpreter.calls), keras_version, gave_up,
    )
