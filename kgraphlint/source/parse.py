"""Parse a file's text with libcst, safely: deep nesting, libcst's own limits and its
wrong error positions are handled here, so a bad file yields a ``SourceProblem`` (KGL001)
or a ``Refusal`` (KGL003: valid code kgraphlint does not analyse).

libcst's parser takes time and memory that grow with the square of an expression's depth
(measured: 5,000 nested lambdas 20 s and 4.8 GB; 5,000 ``not`` 1.4 GB; a chain of 5,000
``+ 1`` 16 s), its native code crashes the process on a few thousand nested brackets, and
its code generation (what finds a finding's position) recurses once or twice per level,
so that 500 levels exceed Python's recursion limit. CPython's own parser is linear and
bounded, so it reads a program first: it measures the depth as libcst's tree will have it,
and only a program within the limits reaches libcst. CPython's verdict on syntax is final
only for programs that could be too deep: for the others the Python running kgraphlint
may be older than the code's (libcst knows newer syntax), so libcst decides.
"""

from __future__ import annotations

import ast
import gc
import keyword
import os
import re
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextvars import ContextVar
from functools import lru_cache

import libcst as cst
from dataclasses import dataclass

from kgraphlint.source.parse_store import keep_parsed, load_parsed


@dataclass(frozen=True)
class SourceProblem:
    """Why a file could not be analysed, and where."""

    message: str
    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class Refusal:
    """Valid code past kgraphlint's limits (too large, too deeply nested): not analysed."""

    message: str
    line: int = 1


BRACKETS = re.compile(r"[()\[\]{}]")
OPENING = frozenset("([{")
#: CPython refuses more than 200 nested brackets; libcst's native parser crashes the whole
#: process on a few thousand, so past this depth CPython's parser decides first.
SAFE_NESTING = 150
#: the most characters of code parsed per file (libcst reads about 200,000 a second)
MAX_PROGRAM_CHARACTERS = 2_000_000
#: the deepest libcst tree analysed: half of what libcst's code generation survives under
#: Python's default recursion limit (real code is about 30 deep; CPython accepts about 3,000)
MAX_DEPTH = 250
#: a punctuation character or keyword of a logical line adds at most two levels (``[`` is a
#: List and an Element; ``a[b]`` a Subscript, a SubscriptElement and an Index for its two
#: brackets), and so does a character of indentation (a statement and its body): a program
#: whose lines weigh less than this cannot be deeper than MAX_DEPTH, whatever CPython says
SHALLOW = (MAX_DEPTH - 10) // 2
#: what a logical line's weight counts: punctuation, and every keyword (``not``, ``lambda``,
#: ``and``, ``if``/``else`` and ``for`` nest; the others are counted too, to be safe)
NESTING = re.compile(r"[^\w\s]|\b(?:" + "|".join(keyword.kwlist) + r")\b")
#: edges of CPython's tree that are longer in libcst's: an argument is an Arg around its
#: value, a slice a SubscriptElement and an Index, an element of a display an Element
EXTRA_LEVELS = {
    (ast.Call, "args"): 1, (ast.Subscript, "slice"): 2, (ast.List, "elts"): 1, (ast.Tuple, "elts"): 1,
    (ast.Set, "elts"): 1, (ast.Dict, "keys"): 1, (ast.Dict, "values"): 1,
}
#: comments and string literals, read whole: the brackets and line ends in them do not count
STRINGS_AND_COMMENTS = re.compile("|".join((
    r"#[^\n]*",
    r"[rRbBuUfF]{0,2}(?:'''(?:\\.|[^\\])*?(?:'''|$)"
    r'|"""(?:\\.|[^\\])*?(?:"""|$)'
    r"|'(?:\\.|[^'\\\n])*'?"
    r'|"(?:\\.|[^"\\\n])*"?)',
)), re.DOTALL)

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


#: when the parse asked for now must be done (the time budget of the file being analysed)
DEADLINE: ContextVar[float | None] = ContextVar("kgraphlint_parse_deadline", default=None)


class OutOfTime(Exception):
    """libcst's parse did not end before the DEADLINE."""


def parse_fresh(text: str) -> cst.Module:
    """libcst's parse, on the parser thread: a tree of new nodes."""
    executor = parser_thread()
    future = executor.submit(cst.parse_module, text)
    deadline = DEADLINE.get()
    if deadline is None:
        return future.result()
    try:
        return future.result(timeout=max(0.0, deadline - time.monotonic()))
    except FutureTimeout:
        # libcst cannot be interrupted: its thread is left to finish, later parses get a new one
        _parser_thread.cache_clear()
        executor.shutdown(wait=False)
        raise OutOfTime() from None


@lru_cache(maxsize=PARSED_KEPT)
def parse_module(text: str) -> cst.Module:
    """libcst's parse, shared by every analysis in the process that meets the same text
    (an analysed file that others import, a module many files import)."""
    return parse_fresh(text)


@lru_cache(maxsize=PARSED_KEPT)
def parse_imported(text: str, installed: bool = False) -> cst.Module:
    """The parse of a module that analysed files import, kept apart: checking a hundred
    files in one process would otherwise push out the keras.applications modules each of
    them reads before the next one does. An ``installed`` package's module is read from the
    parse store (kgraphlint.source.parse_store) when one is in use, and kept there."""
    module = load_parsed(text) if installed else None
    if not isinstance(module, cst.Module):
        module = parse_module(text)
        if installed:
            keep_parsed(text, module)
    # The tree lives as long as the process keeps it, yet the young generations'
    # collections would scan its hundred thousand objects again and again (0.1-0.2 s of the
    # user-style benchmark's 1.4 s cold run): it goes to the oldest generation at once.
    # What else is young goes with it; cyclic garbage among that waits for a full
    # collection, which costs memory only once per module the process reads.
    gc.freeze()
    gc.unfreeze()
    return module


def forget_parsed() -> None:
    """Drop every parse this process keeps (a cold run, measured)."""
    parse_module.cache_clear()
    parse_imported.cache_clear()


def heaviest_line(text: str) -> int:
    """About the most a logical line (physical lines joined by brackets and backslashes) can
    nest: its punctuation and keywords, each string one character and comments none. Names
    and numbers nest nothing by themselves; every node that nests is written with an
    operator, a bracket, a dot, a colon, a quote or a keyword. A string the pattern misreads
    (nested f-string quotes) can make it wrong either way: it only decides whether CPython
    is asked first."""
    text = STRINGS_AND_COMMENTS.sub(lambda m: "" if m.group()[0] == "#" else '"', text).replace("\\\n", "")
    heaviest = pending = depth = 0
    for line in text.splitlines():
        pending += len(NESTING.findall(line))
        depth += line.count("(") + line.count("[") + line.count("{") - (
            line.count(")") + line.count("]") + line.count("}"))
        if depth <= 0:
            heaviest, pending, depth = max(heaviest, pending), 0, 0
    return max(heaviest, pending)


def cpython_parse(text: str, path: str) -> ast.Module:
    """CPython's own parser, for its verdict and its exact error positions; its warnings
    (SyntaxWarning and the like) are about the user's code, not for kgraphlint's output."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compile(text, path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)


def deepest(tree: ast.AST, text: str) -> tuple[int, int]:
    """The depth libcst's tree of the program will have (CPython's, with EXTRA_LEVELS and
    the nesting libcst gives ``a and b and c`` and ``"a" "b" "c"``), and the line where it
    is deepest."""
    depth, line = 0, 1
    lines: list[str] = []
    stack = [(tree, 1, 1)]
    while stack:
        node, level, where = stack.pop()
        where = getattr(node, "lineno", where)
        if isinstance(node, ast.BoolOp):
            level += len(node.values) - 2
        elif isinstance(node, (ast.Constant, ast.JoinedStr)) and (
                node.end_lineno != node.lineno or level + (node.end_col_offset - node.col_offset) // 2 > MAX_DEPTH):
            lines = lines or text.splitlines()  # written side by side, its parts may nest deep
            level += string_parts(lines, node) - 1
        if level > depth:
            depth, line = level, where
        for field, value in ast.iter_fields(node):
            step = 1 + EXTRA_LEVELS.get((type(node), field), 0)
            if isinstance(value, ast.AST):
                stack.append((value, level + step, where))
            elif isinstance(value, list):
                stack.extend((child, level + step, where) for child in value if isinstance(child, ast.AST))
    return depth, line


def string_parts(lines: list[str], node: ast.expr) -> int:
    """How many literals a string is written as (``("a"\n "b")``: 2)."""
    if node.lineno == node.end_lineno:
        segment = lines[node.lineno - 1].encode()[node.col_offset:node.end_col_offset].decode(errors="ignore")
    else:
        first = lines[node.lineno - 1].encode()[node.col_offset:].decode(errors="ignore")
        last = lines[node.end_lineno - 1].encode()[:node.end_col_offset].decode(errors="ignore")
        segment = "\n".join([first, *lines[node.lineno:node.end_lineno - 1], last])
    return max(1, sum(1 for match in STRINGS_AND_COMMENTS.finditer(segment) if match.group()[0] != "#"))


def weight(text: str) -> int:
    """The heaviest logical line plus the deepest indentation, in characters."""
    indent = max((len(line) - len(line.lstrip(" \t")) for line in text.splitlines()), default=0)
    return heaviest_line(text) + indent


@lru_cache(maxsize=PARSED_KEPT)  # as parse_module: a module many files import is measured once
def limit_problem(text: str, path: str) -> SourceProblem | Refusal | None:
    """Why libcst must not parse this program, or None: too large or too deep for kgraphlint
    (a Refusal), too deep for Python, or a syntax error CPython is sure of because the
    program could be too deep to hand on (a SourceProblem)."""
    if len(text) > MAX_PROGRAM_CHARACTERS:
        return Refusal(f"the file has {len(text):,} characters of code (kgraphlint analyses at most "
                       f"{MAX_PROGRAM_CHARACTERS:,})")
    doubtful = weight(text) >= SHALLOW or bracket_depth(text) > SAFE_NESTING
    if not doubtful:
        return None
    try:
        tree = cpython_parse(text, path)
    except SyntaxError as exc:
        return SourceProblem(f"syntax error: {exc.msg}", exc.lineno or 1, exc.offset or 1)
    except (RecursionError, MemoryError, ValueError):
        return SourceProblem("too deeply nested for Python to parse")
    depth, line = deepest(tree, text)
    if depth > MAX_DEPTH:
        return Refusal(f"the code nests {depth:,} levels deep at line {line} (kgraphlint follows at most "
                       f"{MAX_DEPTH:,})", line)
    return None


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
