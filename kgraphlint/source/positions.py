"""Source positions, computed only when something asks for one.

libcst's PositionProvider tracks the line and column of every token as it regenerates the
code, which costs about twice a parse. Here one code generation records only character
offsets (the same syntactic ranges PositionProvider records: leading whitespace and
parentheses excluded where libcst says so), and offsets become lines and columns only for
the nodes a finding or a summary asks about. It runs at most once per file.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Iterator

import libcst as cst
from libcst._nodes.internal import CodegenState

from kgraphlint.source.source_file import LINE_BREAK


@dataclass(frozen=True)
class Span:
    """1-based lines and columns; the end column is one past the last character."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass
class OffsetRecordingState(CodegenState):
    """Code generation that notes where each node starts and ends, as character offsets."""

    offset: int = 0
    ranges: dict = field(default_factory=dict)
    _starts: list = field(default_factory=list)

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self.offset += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._starts.append(self.offset)

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._starts.pop()
        if node not in self.ranges:  # a syntactic range recorded inside wins
            self.ranges[node] = (start, self.offset)

    def record_syntactic_position(self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None,
                                  end_node: cst.CSTNode | None = None) -> _SyntacticRange:
        # A plain context manager: libcst asks for one per expression, and a generator-based
        # one (contextlib) costs several times more.
        return _SyntacticRange(self, node, start_node, end_node)


class _SyntacticRange:
    """Records the offsets of the code generated inside it as ``node``'s range, starting or
    ending where ``start_node``/``end_node`` do when libcst names them."""

    __slots__ = ("state", "node", "start_node", "end_node", "start")

    def __init__(self, state: OffsetRecordingState, node: cst.CSTNode, start_node: cst.CSTNode | None,
                 end_node: cst.CSTNode | None) -> None:
        self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node

    def __enter__(self) -> None:
        self.start = self.state.offset

    def __exit__(self, *exc_info: object) -> None:
        ranges = self.state.ranges
        start = ranges[self.start_node][0] if self.start_node is not None else self.start
        end = ranges[self.end_node][1] if self.end_node is not None else self.state.offset
        ranges[self.node] = (start, end)


def node_ranges(module: cst.Module) -> tuple[dict, str]:
    """Every node's (start, end) character offsets, and the code they index."""
    state = OffsetRecordingState(default_indent=module.default_indent, default_newline=module.default_newline)
    module._codegen(state)
    return state.ranges, "".join(state.tokens)


@dataclass(frozen=True, eq=False)
class Layout:
    """How a module was assembled from separately parsed pieces (kgraphlint.ide.incremental), so
    that positions need no code generation of the whole module, and an edit costs only the
    pieces it changed: each piece (anything with a ``ranges`` dict of its nodes' offsets,
    computed when first read) and where it starts in the text (less any stand-in text
    parsed before it); ``owner``, kept by the parser across edits, says which piece a node
    is in; ``replaced`` maps a statement rebuilt during the assembly to the piece's own;
    ``spans`` holds the offsets of nodes made from several pieces."""

    text: str
    starts: dict  # piece -> offset
    owner: dict  # node -> piece, for every piece whose ranges were computed
    replaced: dict
    spans: dict = field(default_factory=dict)

    def offsets(self, node: cst.CSTNode) -> tuple[int, int] | None:
        node = self.replaced.get(node, node)
        if node in self.spans:
            return self.spans[node]
        piece = self.owner.get(node)
        if piece is None or piece not in self.starts:
            return None
        start, end = piece.ranges[node]
        offset = self.starts[piece]
        return start + offset, end + offset

    def compute_ranges(self) -> None:
        """Every piece's ranges (each piece computes them once, at its first use)."""
        for piece in self.starts:
            piece.ranges  # noqa: B018 (computing them fills ``owner``)


#: the last modules assembled from pieces, by id: (module, its Layout). libcst nodes take
#: no weak references, so the entry keeps its module alive; a few suffice (open documents).
LAYOUTS: "OrderedDict[int, tuple[cst.Module, Layout]]" = OrderedDict()
LAYOUTS_KEPT = 16


def remember_layout(module: cst.Module, layout: Layout) -> None:
    LAYOUTS[id(module)] = (module, layout)
    while len(LAYOUTS) > LAYOUTS_KEPT:
        LAYOUTS.popitem(last=False)


def layout_of(module: cst.Module) -> Layout | None:
    found = LAYOUTS.get(id(module))
    return found[1] if found is not None and found[0] is module else None


#: nodes whose code generated alone is their code in place (kgraphlint.source.positions.Positions._in_text)
STANDALONE = (cst.BaseExpression, cst.Arg, cst.BaseSmallStatement)


class Positions:
    """Lines and columns of nodes, computed when first asked for. A module parsed whole
    is regenerated one top-level statement at a time, only as far as the nodes asked for
    (a finding near the top of a long file costs little); a module assembled from pieces
    uses the pieces' own offsets."""

    def __init__(self, module: cst.Module | None, text: str | None = None) -> None:
        self.module = module
        #: the code the module was parsed from, when known: a node whose own code occurs in
        #: it once is found there, without generating the code before it
        self.text = text
        self._ranges: dict | None = None
        self._layout: Layout | None = None
        self._line_starts: list[int] = []
        self._state: OffsetRecordingState | None = None
        self._pending: Iterator[cst.CSTNode] = iter(())
        self._lines_counted = 0  # the generated tokens whose line breaks _line_starts holds

    def _start(self) -> None:
        self._ranges = {}
        self._layout = layout_of(self.module)
        if self._layout is not None:
            self._layout.compute_ranges()
            text = self._layout.text
            if not self.module.has_trailing_newline:
                # libcst generates the last line's newline and then drops it: the last
                # statement's range ends after it, as if it were there.
                text += self.module.default_newline
            self._line_starts = [0] + [match.end() for match in LINE_BREAK.finditer(text)]
            return
        module = self.module
        self._state = OffsetRecordingState(default_indent=module.default_indent,
                                           default_newline=module.default_newline)
        self._ranges = self._state.ranges
        self._pending = iter((*module.header, *module.body, *module.footer))
        self._line_starts = [0]
        if self.text is not None:  # the generated code is the text (as above): its lines are known
            text = self.text if module.has_trailing_newline else self.text + module.default_newline
            self._line_starts += [match.end() for match in LINE_BREAK.finditer(text)]
            self._lines_counted = None

    def _find(self, node: cst.CSTNode) -> tuple[int, int] | None:
        """The node's offsets, generating code statement by statement until it is met."""
        if self._layout is not None:
            return self._layout.offsets(node)
        found = self._ranges.get(node)
        state = self._state
        while found is None and state is not None:
            statement = next(self._pending, None)
            if statement is None:  # the whole module is generated (Module._codegen_impl's end)
                if self.module.has_trailing_newline and not state.tokens:
                    state.add_token(state.default_newline)
                self._ranges.setdefault(self.module, (0, state.offset))
                self._state = None
                found = self._ranges.get(node)
                break
            statement._codegen(state)
            found = self._ranges.get(node)
        if state is not None and self._lines_counted is not None and len(state.tokens) > self._lines_counted:
            new = "".join(state.tokens[self._lines_counted:])
            offset = state.offset - len(new)
            self._line_starts += [offset + match.end() for match in LINE_BREAK.finditer(new)]
            self._lines_counted = len(state.tokens)
        return found

    def _in_text(self, node: cst.CSTNode) -> tuple[int, int] | None:
        """The node's offsets when its code, generated alone, occurs exactly once in the
        text: that occurrence is the node. An expression's or a small statement's code is the
        same alone as in place (indentation is a statement's); other nodes are not tried."""
        if not isinstance(node, STANDALONE) or self.text is None or self._layout is not None:
            return None
        state = OffsetRecordingState(default_indent=self.module.default_indent,
                                     default_newline=self.module.default_newline)
        node._codegen(state)
        code = "".join(state.tokens)
        at = self.text.find(code) if code else -1
        if at < 0 or self.text.find(code, at + 1) >= 0:
            return None
        for inner, (start, end) in state.ranges.items():  # placed too: related nodes are often inside
            self._ranges.setdefault(inner, (start + at, end + at))
        return self._ranges[node]

    def _line_column(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1

    def span(self, node: cst.CSTNode | None) -> Span:
        if node is None or self.module is None:
            return Span(1, 1, 1, 1)
        if self._ranges is None:
            self._start()
        try:
            found = self._ranges.get(node) or self._in_text(node) or self._find(node)
        except RecursionError:
            # libcst writes a statement out recursively: one nested thousands deep
            # (x.a.a.a...) cannot be, so what follows it has no position (line 1) either
            self._state, self._pending = None, iter(())
            found = None
        if found is None:
            return Span(1, 1, 1, 1)
        line, column = self._line_column(found[0])
        end_line, end_column = self._line_column(found[1])
        return Span(line, column, end_line, end_column)
