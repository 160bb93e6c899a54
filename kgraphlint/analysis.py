"""One file from text to facts: parse with libcst, interpret, build the model graphs.

``analyze_source`` is the engine's entry point; ``FileAnalysis`` is everything the rules
and the summary read. It never raises for bad input: a file that cannot be decoded or
parsed yields a FileAnalysis whose ``problem`` says why.
"""

from __future__ import annotations

import ast
import os
import re
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property, lru_cache
from typing import Callable
from dataclasses import dataclass, field

import libcst as cst
import networkx as nx

from kgraphlint.facts import (
    BlindSpot,
    ImportFact,
    LayerAttributeRead,
    LayerCall,
    LayerInstance,
    ModelArgumentProblem,
    ModelRecord,
    ModelUse,
)
from kgraphlint.graph import ModelGraph, build_model_graph, call_graph, consumers_map
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
    #: names bound to a tensor, a layer or a model, where they are bound
    bindings: list = field(default_factory=list)
    keras_version: str = "3"
    #: the file was too large or dynamic to follow to the end; what was found is partial
    gave_up: bool = False
    #: the other modules' files the analysis read (imports it followed)
    dependencies: tuple[str, ...] = ()
    #: with --build: what real Keras made of each model (kgraphlint.build.ModelBuild)
    builds: list | None = None
    #: where and why shapes were lost (kgraphlint.facts.BlindSpot), for summary --stats
    blind_spots: list[BlindSpot] = field(default_factory=list)
    #: the followed modules' parsed code, by file (to place their blind spots)
    module_trees: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.positions = Positions(self.module)

    @cached_property
    def graph(self) -> nx.DiGraph:
        """Every layer call of the file, with an edge for each tensor one feeds another
        (built when first asked for; the rules here read ``consumers``)."""
        return call_graph(self.calls)

    @cached_property
    def consumers(self) -> dict[LayerCall, list[LayerCall]]:
        """The calls each call's outputs feed, in the order the code makes them."""
        return consumers_map(self.calls)

    def span(self, node: cst.CSTNode | None) -> Span:
        return self.positions.span(node)

    @property
    def lines(self) -> list[str]:
        return self.source.text.splitlines()


BRACKETS = re.compile(r"[()\[\]{}]")
OPENING = frozenset("([{")
#: CPython refuses more than 200 nested brackets; libcst's native parser crashes the whole
#: process on a few thousand, so past this depth CPython's parser decides first.
SAFE_NESTING = 150
PARSER_STACK_BYTES = 1024 * 1024 * 1024


def mentions_keras(text: str) -> bool:
    return "keras" in text or "tensorflow" in text


def bracket_depth(text: str) -> int:
    """The deepest bracket nesting (brackets inside strings count too: an upper bound)."""
    depth = deepest = 0
    for match in BRACKETS.finditer(text):
        depth += 1 if match.group() in OPENING else -1
        deepest = max(deepest, depth)
    return deepest


@lru_cache(maxsize=None)
def _parser_thread(pid: int) -> ThreadPoolExecutor:
    previous = threading.stack_size(PARSER_STACK_BYTES)
    try:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kgraphlint-parse")
        executor.submit(lambda: None).result()  # start the thread while the size is set
    finally:
        threading.stack_size(previous)
    return executor


def parser_thread() -> ThreadPoolExecutor:
    """One long-lived thread with a large stack for libcst's native parser, which recurses
    without a limit: a deep expression (thousands of nested lambdas) would overflow the main
    thread's stack and kill the process. The stack is reserved lazily, so it costs nothing
    until used. Threads do not survive fork, so each process (--jobs workers) has its own."""
    return _parser_thread(os.getpid())


#: parsed texts kept per process: the modules a project's files import are parsed once
PARSED_KEPT = 64


def parse_fresh(text: str) -> cst.Module:
    """libcst's parse, on the parser thread: a tree of new nodes."""
    return parser_thread().submit(cst.parse_module, text).result()


@lru_cache(maxsize=PARSED_KEPT)
def parse_module(text: str) -> cst.Module:
    """libcst's parse, shared by every analysis in the process that meets the same text
    (an analysed file that others import, a module many files import)."""
    return parse_fresh(text)


def too_nested(text: str, path: str) -> SourceProblem | None:
    if bracket_depth(text) <= SAFE_NESTING:
        return None
    try:
        cpython_parse(text, path)
    except SyntaxError as exc:
        return SourceProblem(f"syntax error: {exc.msg}", exc.lineno or 1, exc.offset or 1)
    except (RecursionError, MemoryError, ValueError):
        return SourceProblem("too deeply nested for Python to parse")
    return None


def cpython_parse(text: str, path: str) -> None:
    """CPython's own parser, for its verdict and its exact error positions; its warnings
    (SyntaxWarning and the like) are about the user's code, not for kgraphlint's output."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compile(text, path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)


def syntax_problem(text: str, path: str, error: cst.ParserSyntaxError) -> SourceProblem:
    """libcst's error positions are often wrong; CPython's compiler knows better."""
    try:
        cpython_parse(text, path)
    except SyntaxError as exc:
        return SourceProblem(f"syntax error: {exc.msg}", exc.lineno or 1, exc.offset or 1)
    except (ValueError, RecursionError, MemoryError) as exc:
        return SourceProblem(f"cannot parse: {exc}", 1, 1)
    # Python accepts the file and only libcst does not: say so rather than blame the code.
    first_line = error.message.splitlines()[0] if error.message else "parser error"
    return SourceProblem(f"libcst cannot parse this file, although Python can ({first_line})",
                         error.raw_line, error.raw_column + 1)


class AnalysisError(Exception):
    """A bug in kgraphlint met while analysing a file (reported with the file, exit code 2)."""

    def __init__(self, path: str, error: BaseException) -> None:
        super().__init__(f"{path}: internal error in the analysis: {type(error).__name__}: {error}")


def source_path(source: SourceFile) -> str | None:
    """The file the source was read from, for following its imports (None for text
    that is not a Python file on disk: standard input without a name, a notebook)."""
    if source.kind != "python" or not os.path.isfile(source.path):
        return None
    return os.path.abspath(source.path)


def analyze_source(source: SourceFile, keras_version: str = "3",
                   parse: Callable[[str], cst.Module] | None = None) -> FileAnalysis:
    """Everything kgraphlint knows about one file. Bad input yields a FileAnalysis with a
    ``problem``; a bug in kgraphlint raises AnalysisError naming the file. ``parse``
    replaces libcst's parse (the language server re-parses only what an edit changed)."""
    try:
        return _analyze(source, keras_version, parse or parse_module)
    except Exception as error:
        raise AnalysisError(source.path, error) from error


def _analyze(source: SourceFile, keras_version: str, parse: Callable[[str], cst.Module]) -> FileAnalysis:
    if source.error is not None:
        return FileAnalysis(source, problem=SourceProblem(source.error))
    if not mentions_keras(source.text):
        return FileAnalysis(source, keras_version=keras_version)
    nesting = too_nested(source.text, source.path)
    if nesting is not None:
        return FileAnalysis(source, problem=nesting)
    try:
        module = parse(source.text)
    except cst.ParserSyntaxError as error:
        return FileAnalysis(source, problem=syntax_problem(source.text, source.path, error))
    except (RecursionError, MemoryError, ValueError) as error:
        return FileAnalysis(source, problem=SourceProblem(f"cannot parse: {type(error).__name__}"))
    interpreter = Interpreter(module, KERAS3 if keras_version == "3" else "keras2", source_path(source))
    gave_up = False
    try:
        interpreter.run()
    except (GiveUp, RecursionError):
        gave_up = True
    models = [build_model_graph(m) for m in interpreter.models if m.complete and m.outputs]
    return FileAnalysis(
        source, module, None, interpreter.layers, interpreter.calls, models, interpreter.models, interpreter.imports,
        interpreter.model_problems, interpreter.attribute_reads, interpreter.model_uses, interpreter.bindings,
        keras_version, gave_up, tuple(interpreter.loaded),
        blind_spots=interpreter.blind_spots, module_trees=interpreter.module_trees,
    )
