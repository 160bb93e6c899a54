"""What a rule is and what it reports.

A rule is one small class in the ``kgraphlint.rules`` package (or a third-party package
registered under the ``kgraphlint.rules`` entry point group). It declares its code, name,
default severity, rationale (the class docstring) and bad/good example programs, and its
``check`` reads a ``RuleContext`` (the model graphs and facts of one file) and yields
findings made with ``ctx.finding(...)``. Rules never walk libcst trees themselves.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Iterable, Iterator

if TYPE_CHECKING:  # a run whose results are all cached loads this module, never the engine
    import libcst as cst

    from kgraphlint.analysis import FileAnalysis
    from kgraphlint.graph.model_graph import ModelGraph
    from kgraphlint.keras.facts import LayerCall, LayerInstance, Tensor
    from kgraphlint.source.positions import Span


def plural(count: int, word: str) -> str:
    """``1 entry``, ``2 entries``, ``3 losses``."""
    if count == 1:
        return f"{count} {word}"
    if word.endswith("y"):
        return f"{count} {word[:-1]}ies"
    return f"{count} {word}{'es' if word.endswith('s') else 's'}"


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


@dataclass(frozen=True)
class Related:
    path: str
    line: int
    column: int
    message: str
    cell: int | None = None  # notebooks: the 1-based code cell; line is then within the cell

    def to_json(self) -> dict:
        data = {"path": self.path, "line": self.line, "column": self.column, "message": self.message}
        if self.cell is not None:
            data["cell"] = self.cell
        return data


@dataclass(frozen=True)
class Edit:
    line: int
    column: int
    end_line: int
    end_column: int
    replacement: str
    cell: int | None = None  # notebooks: the 1-based code cell; lines are then within the cell

    def to_json(self) -> dict:
        data = {"line": self.line, "column": self.column, "end_line": self.end_line,
                "end_column": self.end_column, "replacement": self.replacement}
        if self.cell is not None:
            data["cell"] = self.cell
        return data


@dataclass(frozen=True)
class Fix:
    message: str
    edits: tuple[Edit, ...]

    def to_json(self) -> dict:
        return {"message": self.message, "edits": [e.to_json() for e in self.edits]}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    code: str
    name: str
    severity: Severity
    message: str
    related: tuple[Related, ...] = ()
    fix: Fix | None = None
    cell: int | None = None  # notebooks: the 1-based code cell; lines are then within the cell

    def to_json(self) -> dict:
        data = {
            "path": self.path, "line": self.line, "column": self.column,
            "end_line": self.end_line, "end_column": self.end_column,
            "code": self.code, "name": self.name, "severity": self.severity.value,
            "message": self.message, "related": [r.to_json() for r in self.related],
            "fix": None if self.fix is None else self.fix.to_json(),
        }
        if self.cell is not None:
            data["cell"] = self.cell
        return data

    @property
    def location(self) -> str:
        """``12:5``, or ``cell 3, line 2, column 5`` in a notebook."""
        if self.cell is not None:
            return f"cell {self.cell}, line {self.line}, column {self.column}"
        return f"{self.line}:{self.column}"

    @property
    def sort_key(self) -> tuple:
        return (self.path, self.cell or 0, self.line, self.column, self.code)


@dataclass(frozen=True)
class Invalid:
    """A bad example and exactly what the rule reports on it (as Fixit's ``Invalid``): the
    span of each finding, (line, column, end line, end column) in the dedented program, and
    for a rule with a fix the program once every fix is applied."""

    code: str
    spans: tuple[tuple[int, int, int, int], ...]
    fixed: str | None = None

    def strip(self) -> str:
        return self.code.strip()


#: the built-in rules' documentation: each rule's module (its rationale and examples)
RULE_DOCS = "https://github.com/kgraphlint/kgraphlint/blob/main/rules"


class Rule:
    """Base class. Subclasses set the class attributes and implement ``check``."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    #: one line for `kgraphlint rules`
    summary: ClassVar[str]
    #: programs this rule must flag (exactly this rule's finding, where ``Invalid`` says) and
    #: programs it must not
    bad: ClassVar[tuple["str | Invalid", ...]] = ()
    good: ClassVar[tuple[str, ...]] = ()
    fixable: ClassVar[bool] = False
    #: the kind of file the examples are (".py", or ".md"/".ipynb" for document rules)
    example_suffix: ClassVar[str] = ".py"
    #: design smells are grouped apart in `kgraphlint rules` and the README
    category: ClassVar[str] = "correctness"
    #: runs after the other rules and reads their findings (``RuleContext.others``)
    after_others: ClassVar[bool] = False

    @classmethod
    def url(cls) -> str | None:
        """The rule's documentation (a third-party rule may return its own)."""
        package, _, module = cls.__module__.rpartition(".")
        return f"{RULE_DOCS}/{module}.py" if package == "kgraphlint.rules" else None

    @classmethod
    def rationale(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")

    def check(self, ctx: "RuleContext") -> Iterable[Finding]:
        raise NotImplementedError


@dataclass(eq=False)
class RuleContext:
    """One file's facts as rules see them, and the way rules build findings."""

    analysis: FileAnalysis
    rule: Rule | None = None
    #: for a rule that runs ``after_others``: their findings, before suppression comments
    #: are applied, and the rules that ran on the file
    others: tuple[Finding, ...] = ()
    ran: tuple[type[Rule], ...] = ()

    # ---------------------------------------------------------------- facts

    @property
    def path(self) -> str:
        return self.analysis.source.path

    @property
    def models(self) -> list[ModelGraph]:
        return self.analysis.models

    @property
    def layers(self) -> list[LayerInstance]:
        """The layers the code constructs (operations like ``x + y`` are not among them)."""
        return [layer for layer in self.analysis.facts.layers
                if not layer.operation and not layer.library and layer.opaque is None]

    @property
    def calls(self) -> list[LayerCall]:
        return self.analysis.facts.calls

    @property
    def keras_version(self) -> str:
        return self.analysis.keras_version

    def certain_calls(self, *class_names: str) -> Iterator[LayerCall]:
        """Calls that certainly run, optionally of the given layer classes (the user's: not
        operations like ``x + y``, not layers inside a keras.applications model)."""
        for call in self.analysis.facts.calls:
            if call.certain and not call.layer.operation and not call.layer.library and (
                    not class_names or call.layer.class_name in class_names):
                yield call

    def model_calls(self) -> Iterator[LayerCall]:
        """Each certain call that belongs to a model, once, in the order the code makes them.
        (Sorting by line would compute positions for the whole file: only findings may.)"""
        members = {call for model in self.models for call in model.calls}
        yield from (call for call in self.analysis.facts.calls if call.certain and call in members
                    and not call.layer.operation and not call.layer.library)

    def consumers(self, call: LayerCall, through: frozenset[str] = frozenset()) -> Iterator[tuple[LayerCall, list[LayerCall]]]:
        """The calls fed by this call's outputs, along every path, looking through layers whose
        class is in ``through``; each with the calls looked through on the way."""
        consumers = self.analysis.consumers
        stack = [(successor, []) for successor in consumers.get(call, ())]
        seen: set[LayerCall] = set()
        while stack:
            current, path = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            if current.layer.class_name in through and len(current.inputs) == 1:
                stack.extend((successor, path + [current]) for successor in consumers.get(current, ()))
            else:
                yield current, path

    def line_of(self, node: cst.CSTNode | None) -> int:
        return self.analysis.span(node).line

    def where(self, node: cst.CSTNode | None) -> str:
        """``line 12`` for messages, or ``cell 3, line 2`` in a notebook."""
        return self.analysis.where(node)

    @staticmethod
    def call_name(call: LayerCall) -> str:
        """``Dense 'dense' (hidden1)``: the class, the layer's name and the variable, if any."""
        layer = call.layer
        variable = f" ({call.target})" if call.target and call.target != layer.name else ""
        return f"{layer.class_name} '{layer.name}'{variable}"

    @staticmethod
    def output_label(tensor: Tensor) -> str:
        """``Output 'scores' (None, 10)``: the layer's name (the variable's, where the name
        Keras gives is not certain), and the shape where it is known."""
        from kgraphlint.keras.shapes import format_shape

        producer = tensor.producer
        name = producer.layer.name if producer.layer.name_certain or not producer.target else producer.target
        shape = f" {format_shape(tensor.shape)}" if tensor.shape is not None else ""
        return f"Output '{name}'{shape}"

    def describe(self, tensor: Tensor) -> str:
        """``(None, 4, 4, 64) from 'pool2' (line 12)``"""
        from kgraphlint.keras.shapes import format_shape

        producer = tensor.producer
        return f"{format_shape(tensor.shape)} from '{producer.layer.name}' ({self.where(producer.node)})"

    # ---------------------------------------------------------------- findings

    def finding(self, node: cst.CSTNode | None, message: str, *,
                related: Iterable[tuple[cst.CSTNode | None, str]] = (),
                fix: Fix | None = None, severity: Severity | None = None,
                span: Span | None = None) -> Finding:
        rule = self.rule
        assert rule is not None, "ctx.finding is for rules"
        where = span or self.analysis.span(node)
        return Finding(
            self.path, where.line, where.column, where.end_line, where.end_column,
            rule.code, rule.name, severity or rule.severity, message,
            tuple(self.related(n, m) for n, m in related), fix,
        )

    def related(self, node: cst.CSTNode | None, message: str) -> Related:
        span = self.analysis.span(node)
        return Related(self.path, span.line, span.column, message)

    def edit(self, node: cst.CSTNode, replacement: str) -> Edit:
        span = self.analysis.span(node)
        return Edit(span.line, span.column, span.end_line, span.end_column, replacement)

    def code_for(self, node: cst.CSTNode) -> str:
        module = self.analysis.module
        try:
            return module.code_for_node(node) if module is not None else ""
        except RecursionError:  # libcst writes code out recursively: x.a.a.a... thousands deep
            return "(code nested too deeply to show)"

    def place(self, node: cst.CSTNode | None) -> tuple[int, int]:
        """(line, column) where ``node`` is reported: to tell two related locations apart."""
        span = self.analysis.span(node)
        return span.line, span.column

    def short_code(self, node: cst.CSTNode, limit: int = 40) -> str:
        """The code of ``node`` on one line, cut at ``limit`` characters (for messages)."""
        code = " ".join(self.code_for(node).split())
        return code if len(code) <= limit else code[:limit - 1] + "…"
