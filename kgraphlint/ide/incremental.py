"""Re-parse only what changed: the language server's parse of a file being edited.

libcst parses about 9,000 lines a second, most of the time a re-check of a 1,000-line file
may take; but an edit changes one top-level statement, and the others parse to the same
trees as before. CPython's parser (ten times faster) says where the top-level statements
begin; each chunk of text from one to the next is parsed by libcst once and kept by its
text; the module is assembled from the chunks' statements. A model is often built inside one
long function (``def build_model():``): a top-level function's body is cut the same way,
each piece parsed under a stand-in ``def`` line so that it keeps its indentation. Where
assembling could change the code libcst would regenerate (chunks that disagree on
indentation or newlines, comments indented after a block), the whole text is parsed as
usual instead.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import Iterator

import libcst as cst

from kgraphlint.source.parse import parse_module, parser_thread
from kgraphlint.source.positions import Layout, node_ranges, remember_layout

#: libcst and CPython count lines by these (str.splitlines knows more separators)
LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
#: a line holding only a backslash: it joins the next line to a blank one, which the pieces
#: alone place differently from a whole parse
CONTINUED_BLANK = re.compile(r"^[ \t\f]*\\(?:\r\n|\r|\n)", re.MULTILINE)
#: below this many top-level statements, a plain parse is as fast
MIN_CHUNKS = 8


NEWLINES = ("\n", "\r\n", "\r")
COMPOUND_STATEMENTS = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try,
                       getattr(ast, "TryStar", ast.Try),  # try/except* (Python 3.11+)
                       ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Match)
#: the line a piece of a function's body is parsed under, to keep its indentation
STAND_IN = "def _():"


@dataclass(frozen=True)
class Piece:
    """A piece of the text: a top-level statement, or some statements of a top-level
    function's body (``in_body``), numbered by the top-level statement they belong to."""

    text: str
    statement: int
    in_body: bool = False


def prefix_of(piece: Piece) -> str:
    """What a piece is parsed under: the stand-in ``def`` line for a piece of a body."""
    if not piece.in_body:
        return ""
    first = LINE.match(piece.text).group()
    return STAND_IN + first[len(first.rstrip("\r\n")):]


def parse_each(texts: list[str]) -> list[cst.Module]:
    """libcst's parse of each text, in one job on the parser thread (one hand-over to it
    instead of one per piece: a file's first parse has a thousand)."""
    return parser_thread().submit(lambda: [cst.parse_module(text) for text in texts]).result()


class Chunk:
    """One piece of text, parsed; its node offsets are computed when first asked for."""

    def __init__(self, piece: Piece, owner: dict, module: cst.Module) -> None:
        self.owner = owner
        self.prefix = prefix_of(piece)
        self.statement = piece.statement
        self.module = module  # never shared: each copy of a text has its own nodes
        self._ranges: dict | None = None

    @property
    def ranges(self) -> dict:
        if self._ranges is None:
            self._ranges, _ = node_ranges(self.module)
            self.owner.update(dict.fromkeys(self._ranges, self))
        return self._ranges

    def forget(self) -> None:
        """The chunk is no longer kept: its nodes leave ``owner``."""
        for node in self._ranges or ():
            self.owner.pop(node, None)


class IncrementalParser:
    def __init__(self, kept: int = 4096) -> None:
        self.kept = kept
        self.chunks: OrderedDict[tuple[Piece, int], Chunk] = OrderedDict()
        #: node -> the kept chunk it belongs to (filled as chunks compute their ranges)
        self.owner: dict = {}
        #: the last text cut into pieces, and its pieces
        self.last: tuple[str, list[Piece]] | None = None

    def parse(self, text: str) -> cst.Module:
        """The same module ``libcst.parse_module(text)`` gives (raises as it does)."""
        pieces = (edited_pieces(*self.last, text) if self.last is not None else None) or split_top_level(text)
        self.last = (text, pieces) if pieces is not None else None
        if pieces is None or len(pieces) < MIN_CHUNKS:
            return parse_module(text)
        keys = chunk_keys(pieces)
        new = [key for key in keys if key not in self.chunks]
        try:
            parsed = dict(zip(new, parse_each([prefix_of(piece) + piece.text for piece, _ in new])))
        except cst.ParserSyntaxError:
            return parse_module(text)  # raises with positions in the whole text
        chunks = [self.chunk(key, parsed.get(key)) for key in keys]
        starts = [0]
        for piece in pieces[:-1]:
            starts.append(starts[-1] + len(piece.text))
        modules, spans = [], {}
        for group in grouped(chunks, starts):
            if len(group) == 1:
                modules.append(group[0][0].module)
                continue
            joined = join_function(group, spans)
            if joined is None:
                return parse_module(text)
            modules.append(joined)
        assembled = assemble(modules)
        if assembled is None:
            return parse_module(text)
        module, replaced = assembled
        # Positions of the pieces' nodes, shifted, instead of a code generation of the whole.
        offsets = {chunk: start - len(chunk.prefix) for chunk, start in zip(chunks, starts)}
        remember_layout(module, Layout(text, offsets, self.owner, replaced, spans))
        return module

    def prepare(self, text: str, batch: int = 64) -> Iterator[None]:
        """Parse a text's pieces and place their nodes ahead of its first edit, a batch at a
        time: a generator, so that the caller can answer requests between batches."""
        pieces = split_top_level(text)
        if pieces is None or len(pieces) < MIN_CHUNKS:
            return
        new = [key for key in chunk_keys(pieces) if key not in self.chunks]
        for start in range(0, len(new), batch):
            part = new[start:start + batch]
            try:
                modules = parse_each([prefix_of(piece) + piece.text for piece, _ in part])
            except cst.ParserSyntaxError:
                return
            for key, module in zip(part, modules):
                self.chunk(key, module).ranges  # noqa: B018 (placing the nodes fills ``owner``)
            yield
        self.last = (text, pieces)

    def chunk(self, key: tuple[Piece, int], module: cst.Module | None) -> Chunk:
        """The kept chunk of a piece (its parse, ``module``, when it is new)."""
        chunk = self.chunks.pop(key, None)
        if chunk is None:  # new, or dropped while this text's pieces were kept (more than ``kept``)
            chunk = Chunk(key[0], self.owner, module or parse_each([prefix_of(key[0]) + key[0].text])[0])
        self.chunks[key] = chunk
        while len(self.chunks) > self.kept:
            self.chunks.popitem(last=False)[1].forget()
        return chunk


def chunk_keys(pieces: list[Piece]) -> list[tuple[Piece, int]]:
    """Each piece with how many equal pieces come before it: two equal pieces (the same
    line twice) must not share nodes, as facts and positions are keyed by node."""
    seen: Counter = Counter()
    keys = []
    for piece in pieces:
        keys.append((piece, seen[piece]))
        seen[piece] += 1
    return keys


def split_top_level(text: str) -> list[Piece] | None:
    """The text cut where each top-level statement (its decorators included) begins, and a
    long top-level function's body cut between its statements; None when CPython cannot
    parse the text (the usual parse then reports why)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if not tree.body or CONTINUED_BLANK.search(text):
        return None
    lines = LINE.findall(text)
    starts = [first_line(node) for node in tree.body]
    cuts = [0] + [start - 1 for start in starts[1:]] + [len(lines)]
    pieces = []
    for index, node in enumerate(tree.body):
        begin, end = cuts[index], cuts[index + 1]
        inner = body_cuts(node, lines) if isinstance(node, ast.FunctionDef) else []
        bounds = [begin, *inner, end]
        pieces += [Piece("".join(lines[a:b]), index, in_body=number > 0)
                   for number, (a, b) in enumerate(zip(bounds, bounds[1:]))]
    return pieces


def edited_pieces(old: str, pieces: list[Piece], new: str) -> list[Piece] | None:
    """The pieces of ``new`` from those of ``old`` when the edit between them stays within
    one line of code of one piece (most of an edit's cost on a long file is CPython's parse
    of the whole text); None otherwise. The cuts stay valid: no line break changes, and
    blank and comment lines, which decide where a body may be cut (``body_cuts``), stay
    as they were; a piece the edit leaves unparsable makes the parse start over."""
    limit = min(len(old), len(new))
    start = 0
    while start < limit and old[start] == new[start]:
        start += 1
    end = 0
    while end < limit - start and old[len(old) - 1 - end] == new[len(new) - 1 - end]:
        end += 1
    removed, added = old[start:len(old) - end], new[start:len(new) - end]
    if "\n" in removed + added or "\r" in removed + added:
        return None
    # Blank and comment lines decide where a body may be cut (body_cuts), and a line of
    # only a backslash whether the text is cut at all: only other lines of code may change.
    for text, at in ((old, start), (new, start)):
        line = text[text.rfind("\n", 0, at) + 1:].split("\n", 1)[0].strip()
        if not line or line.startswith("#") or line == "\\":
            return None
    offset = 0
    for index, piece in enumerate(pieces):
        if offset <= start and start + len(removed) < offset + len(piece.text):
            local = start - offset
            text = piece.text[:local] + added + piece.text[local + len(removed):]
            return [*pieces[:index], Piece(text, piece.statement, piece.in_body), *pieces[index + 1:]]
        offset += len(piece.text)
    return None


def first_line(node: ast.stmt) -> int:
    return min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])


def body_cuts(function: ast.FunctionDef, lines: list[str]) -> list[int]:
    """Where a function's body may be cut (0-based line indexes): after one statement, if
    only empty lines lie before the next, or comments at the body's own indentation after a
    simple statement (after a compound one, they might close its nested block: a piece on
    its own would not know)."""
    body = function.body
    if len(body) < MIN_CHUNKS or body[0].lineno == function.lineno:
        return []
    indent = lines[body[0].lineno - 1][:body[0].col_offset]
    cuts = []
    for previous, statement in zip(body, body[1:]):
        end, start = previous.end_lineno, first_line(statement) - 1
        if end is None or end > start:
            continue
        comment_ok = not isinstance(previous, COMPOUND_STATEMENTS)
        if all(lines[i] in NEWLINES or comment_ok and lines[i].startswith(indent + "#") for i in range(end, start)):
            cuts.append(end)  # the lines between go with the next statement, as libcst places them
    return cuts


def grouped(chunks: list[Chunk], starts: list[int]) -> list[list[tuple[Chunk, int]]]:
    """The chunks of each top-level statement, with where each begins in the text."""
    groups: list[list[tuple[Chunk, int]]] = []
    for chunk, start in zip(chunks, starts):
        if groups and groups[-1][0][0].statement == chunk.statement:
            groups[-1].append((chunk, start))
        else:
            groups.append([(chunk, start)])
    return groups


def join_function(group: list[tuple[Chunk, int]], spans: dict) -> cst.Module | None:
    """A top-level function whose body was parsed in pieces, as the module its whole text
    would parse to; the function and its body block are new nodes, whose offsets in the
    text go to ``spans``. None where a piece does not parse to what is expected."""
    head, head_start = group[0]
    if len(head.module.body) != 1 or type(head.module.body[0]) is not cst.FunctionDef:
        return None
    function = head.module.body[0]
    if type(function.body) is not cst.IndentedBlock or function.body.footer or head.module.footer:
        return None
    statements = list(function.body.body)
    block = function.body
    for chunk, _ in group[1:]:
        module = chunk.module
        if module.header or len(module.body) != 1 or type(module.body[0].body) is not cst.IndentedBlock:
            return None
        if (module.default_indent, module.default_newline) != (head.module.default_indent,
                                                               head.module.default_newline):
            return None
        block = module.body[0].body
        statements += block.body
        if chunk is not group[-1][0] and (block.footer or module.footer):
            return None
    last, last_start = group[-1]
    new_block = function.body.with_changes(body=statements, footer=block.footer)
    new_function = function.with_changes(body=new_block)
    end = last.ranges[block][1] + last_start - len(last.prefix)
    spans[new_function] = (head.ranges[function][0] + head_start, end)
    spans[new_block] = (head.ranges[function.body][0] + head_start, end)
    return head.module.with_changes(body=[new_function], footer=last.module.footer,
                                    has_trailing_newline=last.module.has_trailing_newline)


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
