"""Re-parse only what changed: the language server's parse of a file being edited.

libcst parses about 9,000 lines a second, most of the time a re-check of a 1,000-line file
may take; but an edit changes one top-level statement, and the others parse to the same
trees as before. CPython's parser (ten times faster) says where the top-level statements
begin; each chunk of text from one to the next is parsed by libcst once and kept by its
text; the module is assembled from the chunks' statements. Where assembling could change
the code libcst would regenerate (chunks that disagree on indentation or newlines,
comments indented after a block), the whole text is parsed as usual instead.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections import Counter, OrderedDict

import libcst as cst

from kgraphlint.analysis import parse_fresh, parse_module
from kgraphlint.positions import Layout, node_ranges, remember_layout

#: libcst and CPython count lines by these (str.splitlines knows more separators)
LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
#: below this many top-level statements, a plain parse is as fast
MIN_CHUNKS = 8


class Chunk:
    """One piece of text, parsed; its node offsets are computed when first asked for."""

    def __init__(self, text: str) -> None:
        self.module = parse_fresh(text)  # never shared: each copy of a text has its own nodes
        self._ranges: dict | None = None

    @property
    def ranges(self) -> dict:
        if self._ranges is None:
            self._ranges, _ = node_ranges(self.module)
        return self._ranges


class IncrementalParser:
    def __init__(self, kept: int = 4096) -> None:
        self.kept = kept
        self.chunks: OrderedDict[tuple[str, int], Chunk] = OrderedDict()

    def parse(self, text: str) -> cst.Module:
        """The same module ``libcst.parse_module(text)`` gives (raises as it does)."""
        pieces = split_top_level(text)
        if pieces is None or len(pieces) < MIN_CHUNKS:
            return parse_module(text)
        seen: Counter = Counter()
        try:
            # Two equal pieces (the same line twice) must not share nodes: facts and
            # positions are keyed by node, so the n-th copy of a text has its own parse.
            chunks = []
            for piece in pieces:
                chunks.append(self.chunk((piece, seen[piece])))
                seen[piece] += 1
        except cst.ParserSyntaxError:
            return parse_module(text)  # raises with positions in the whole text
        assembled = assemble([chunk.module for chunk in chunks])
        if assembled is None:
            return parse_module(text)
        module, replaced = assembled
        starts = [0]
        for piece in pieces[:-1]:
            starts.append(starts[-1] + len(piece))
        # Positions of the pieces' nodes, shifted, instead of a code generation of the whole.
        remember_layout(module, Layout(text, tuple(chunks), tuple(starts), replaced))
        return module

    def chunk(self, key: tuple[str, int]) -> Chunk:
        chunk = self.chunks.pop(key, None) or Chunk(key[0])
        self.chunks[key] = chunk
        while len(self.chunks) > self.kept:
            self.chunks.popitem(last=False)
        return chunk


def split_top_level(text: str) -> list[str] | None:
    """The text cut where each top-level statement (its decorators included) begins; None
    when CPython cannot parse it (the usual parse then reports why)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    starts = sorted({min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
                     for node in tree.body})
    if not starts:
        return None
    lines = LINE.findall(text)
    cuts = [0] + [start - 1 for start in starts[1:]] + [len(lines)]
    return ["".join(lines[a:b]) for a, b in zip(cuts, cuts[1:])]


def assemble(modules: list[cst.Module]) -> tuple[cst.Module, dict] | None:
    """One module from consecutive chunks, and each statement rebuilt on the way -> the
    chunk's own; None where that might not regenerate the text."""
    first = modules[0]
    if any(m.default_indent != first.default_indent or m.default_newline != first.default_newline
           or m.encoding != first.encoding for m in modules):
        return None
    if any(not m.has_trailing_newline or not m.body for m in modules[:-1]) or any(m.header for m in modules[1:]):
        return None
    body: list = []
    replaced: dict = {}
    carried: list[cst.EmptyLine] = []  # comments and blank lines between two chunks' statements
    for module in modules:
        statements = list(module.body)
        if carried:
            if not statements:
                return None
            statements[0] = statements[0].with_changes(leading_lines=[*carried, *statements[0].leading_lines])
            replaced[statements[0]] = module.body[0]
        body.extend(statements)
        carried = list(module.footer)
        if any(line.indent is False or line.whitespace.value for line in carried):
            return None  # a comment indented after a block: libcst may place it elsewhere
    module = first.with_changes(body=body, footer=modules[-1].footer,
                                has_trailing_newline=modules[-1].has_trailing_newline)
    return module, replaced
