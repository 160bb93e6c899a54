"""One file from text to facts: parse with libcst, interpret, build the model graphs.

``analyze_source`` is the engine's entry point; ``FileAnalysis`` is everything the rules
and the summary read. It never raises for bad input: a file that cannot be decoded or
parsed yields a FileAnalysis whose ``problem`` says why.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

import libcst as cst

from kgraphlint.feeding.overlay import DataOverlay
from kgraphlint.graph.model_graph import ModelGraph, build_model_graph, call_graph, consumers_map
from kgraphlint.keras.custom_layers import tracked_layers
from kgraphlint.interpret.budget import NOT_ANALYSED, Budget, Limit, OutOfBudget
from kgraphlint.interpret.call_memo import CallStore
from kgraphlint.interpret.machine import Interpreter
from kgraphlint.interpret.values import BlindSpot
from kgraphlint.keras.facts import Facts, LayerCall
from kgraphlint.keras import snippets
from kgraphlint.keras.overlay import KerasOverlay
from kgraphlint.keras.signatures import KERAS2, KERAS3
from kgraphlint.source.source_file import SourceFile
from kgraphlint.source.parse import (
    DEADLINE,
    OutOfTime,
    Refusal,
    SourceProblem,
    limit_problem,
    mentions_keras,
    parse_module,
    syntax_problem,
)
from kgraphlint.source.parse_store import calls_folder
from kgraphlint.source.positions import Positions, Span


@dataclass(eq=False)
class FileAnalysis:
    source: SourceFile
    module: cst.Module | None = None
    problem: SourceProblem | None = None
    #: what the Keras overlay recorded: layers, calls, models, imports, compile/fit uses...
    facts: Facts = field(default_factory=Facts)
    #: the graphs of the models whose inputs and outputs are all known
    models: list[ModelGraph] = field(default_factory=list)
    #: Sequentials of known layers that kgraphlint saw no input shape for, and subclassed
    #: models it saw nothing build: ``summary`` lists their layers, shapes unknown (as
    #: Keras's summary lists an unbuilt model); rules do not see them
    unbuilt: list[ModelGraph] = field(default_factory=list)
    keras_version: str = "3"
    #: the file was too large or dynamic to follow to the end; what was found is partial
    gave_up: bool = False
    #: where the analysis met a bound (kgraphlint.interpret.budget.Limit): the first value
    #: that became unknown, and where it stopped, if it stopped (KGL003 reports them)
    limits: tuple[Limit, ...] = ()
    #: the other modules' files the analysis read (imports it followed), and the places it
    #: looked for a module and found none (a module created there changes the result)
    dependencies: tuple[str, ...] = ()
    #: with --build: what real Keras made of each model (kgraphlint.build.compare.ModelBuild)
    builds: list | None = None
    #: where and why shapes were lost (kgraphlint.keras.facts.BlindSpot), for summary --stats
    blind_spots: list[BlindSpot] = field(default_factory=list)
    #: the followed modules' parsed code, by file (to place their blind spots)
    module_trees: dict = field(default_factory=dict)
    #: (name, array) for each name the file binds to a NumPy array, in the order it runs
    #: (where data fed to a model was assigned: kgraphlint.feeding.training.data_related)
    array_bindings: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.positions = Positions(self.module, self.source.text if self.module is not None else None)

    @cached_property
    def graph(self) -> nx.DiGraph:
        """Every layer call of the file, with an edge for each tensor one feeds another
        (built when first asked for; the rules here read ``consumers``)."""
        return call_graph(self.facts.calls)

    @cached_property
    def consumers(self) -> dict[LayerCall, list[LayerCall]]:
        """The calls each call's outputs feed, in the order the code makes them."""
        return consumers_map(self.facts.calls)

    @property
    def summarised(self) -> list[ModelGraph]:
        """The models ``summary`` lists, in the order the code makes them: those with a
        graph and the unbuilt Sequentials."""
        order = {id(record): index for index, record in enumerate(self.facts.records)}
        return sorted([*self.models, *self.unbuilt], key=lambda model: order.get(id(model.record), 0))

    def span(self, node: cst.CSTNode | None) -> Span:
        return self.positions.span(node)

    def where(self, node: cst.CSTNode | None) -> str:
        """``line 12``, or ``cell 3, line 2`` in a notebook: a place as messages name it."""
        location = self.source.location(self.span(node).line)
        return location if location.startswith("cell") else f"line {location}"


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


def call_store() -> CallStore | None:
    """Where library calls are kept for later runs (beside the parse store, when it is used)."""
    folder = calls_folder()
    return CallStore(folder, lambda tree, node: Positions(tree).span(node).line) if folder is not None else None


def analyze_source(source: SourceFile, keras_version: str = "3",
                   parse: Callable[[str], cst.Module] | None = None,
                   time_budget: float | None = None) -> FileAnalysis:
    """Everything kgraphlint knows about one file. Bad input yields a FileAnalysis with a
    ``problem``; a bug in kgraphlint raises AnalysisError naming the file. ``parse``
    replaces libcst's parse (the language server re-parses only what an edit changed).
    Past ``time_budget`` seconds the file is not analysed: its only limit says so."""
    budget = Budget(time.monotonic() + time_budget, time_budget) if time_budget is not None else Budget()
    deadline = DEADLINE.set(budget.deadline)
    try:
        return _analyze(source, keras_version, parse or parse_module, budget)
    except Exception as error:
        raise AnalysisError(source.path, error) from error
    finally:
        DEADLINE.reset(deadline)


def _analyze(source: SourceFile, keras_version: str, parse: Callable[[str], cst.Module],
             budget: Budget) -> FileAnalysis:
    if source.error is not None:
        return FileAnalysis(source, problem=SourceProblem(source.error))
    # A file that never says keras is analysed only if it is a Keras snippet without its
    # imports; anything else about it (a syntax error, its size) is none of kgraphlint's business.
    snippet_only = not mentions_keras(source.text)
    if snippet_only and not snippets.may_be_snippet(source.text):
        return FileAnalysis(source, keras_version=keras_version)
    beyond = limit_problem(source.text, source.path)
    if snippet_only and beyond is not None:
        return FileAnalysis(source, keras_version=keras_version)
    if isinstance(beyond, Refusal):
        return FileAnalysis(source, keras_version=keras_version,
                            limits=(Limit(beyond.message, None, NOT_ANALYSED, beyond.line),))
    if beyond is not None:
        return FileAnalysis(source, problem=beyond)
    try:
        module = parse(source.text)
    except OutOfTime:
        return FileAnalysis(source, limits=(Limit(f"{budget.out_of_time()} while parsing", None, NOT_ANALYSED),))
    except cst.ParserSyntaxError as error:
        if snippet_only:
            return FileAnalysis(source, keras_version=keras_version)
        return FileAnalysis(source, problem=syntax_problem(source.text, source.path, error))
    except (RecursionError, MemoryError, ValueError) as error:
        return FileAnalysis(source, problem=SourceProblem(f"cannot parse: {type(error).__name__}"))
    if snippet_only and not snippets.scan(module).plainly_keras:
        return FileAnalysis(source, keras_version=keras_version)
    keras = KerasOverlay.maker(KERAS3 if keras_version == "3" else KERAS2)
    interpreter = Interpreter(module, [keras, DataOverlay], source_path(source), budget, call_store())
    stop = None
    try:
        interpreter.run()
    except OutOfBudget as out:
        stop = out.limit
    if stop is not None and stop.effect == NOT_ANALYSED:  # what was found depends on the machine's speed
        return FileAnalysis(source, module, keras_version=keras_version, limits=(stop,))
    facts = interpreter.overlays[0].facts
    models = [build_model_graph(m) for m in facts.records if m.complete and m.outputs]
    unbuilt = [build_model_graph(m) for m in facts.records if unbuilt_model(m)]
    return FileAnalysis(
        source, module, facts=facts, models=models, unbuilt=unbuilt, keras_version=keras_version, gave_up=stop is not None,
        dependencies=(*interpreter.modules_read(), *sorted(interpreter.absent_files)), blind_spots=interpreter.blind_spots,
        module_trees=interpreter.module_trees, array_bindings=interpreter.overlays[1].bindings, limits=tuple(limit for limit in (budget.first, stop) if limit is not None))


def unbuilt_model(record) -> bool:
    """A model kgraphlint knows the layers of but saw nothing build: a Sequential with no
    input shape, a subclassed model never built (its layers: those it tracks)."""
    if record.kind == "sequential":
        return record.complete and bool(record.layers) and not record.inputs
    if record.kind == "subclassed" and record.built_by is None and record.as_layer is not None:
        record.sublayers = tracked_layers(record.as_layer.custom)
        return bool(record.sublayers)
    return False
