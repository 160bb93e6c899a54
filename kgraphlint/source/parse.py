"""Parse a file's text with libcst, safely: deep nesting, libcst's own limits and its
wrong error positions are handled here, so a bad file yields a ``SourceProblem``.

libcst's parser takes time and memory that grow with the square of an expression's depth
(measured: 5,000 nested lambdas 20 s and 4.8 GB; 5,000 ``not`` 1.4 GB; a chain of 5,000
``+ 1`` 16 s), and its native code crashes the process on a few thousand nested brackets.
CPython's own parser is linear and bounded, so it reads a program first whenever a logical
line is long enough to nest that deep: it measures the depth, and only a program within
the limits reaches libcst. One past them gets a problem (KGL001) that says which limit and
where, instead of a hang. CPython's verdict on syntax is final only for such programs: for
ordinary ones the Python running kgraphlint may be older than the code's (libcst knows
newer syntax), so libcst decides.
"""

from __future__ import annotations

import ast
import os
import re
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import libcst as cst
from dataclasses import dataclass


@dataclass(frozen=True)
class SourceProblem:
    """Why a file could not be analysed, and where."""

    message: str
    line: int = 1
    column: int = 1


BRACKETS = re.compile(r"[()\[\]{}]")
OPENING = frozenset("([{")
#: CPython refuses more than 200 nested brackets; libcst's native parser crashes the whole
#: process on a few thousand, so past this depth CPython's parser decides first.
SAFE_NESTING = 150
#: the most characters of code parsed per file (libcst reads about 200,000 a second)
MAX_PROGRAM_CHARACTERS = 2_000_000
#: the deepest syntax tree parsed (libcst needs about 200 MB for this many nested lambdas;
#: CPython itself accepts about 3,000)
MAX_DEPTH = 1000
#: nesting in a statement costs at least one character a level, and statements nest at most
#: 100 indentation levels (CPython's limit), two tree levels each: a program whose logical
#: lines are all shorter than this cannot be deeper than MAX_DEPTH
SHORT_LINE = MAX_DEPTH - 250
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


def parse_fresh(text: str) -> cst.Module:
    """libcst's parse, on the parser thread: a tree of new nodes."""
    return parser_thread().submit(cst.parse_module, text).result()


@lru_cache(maxsize=PARSED_KEPT)
def parse_module(text: str) -> cst.Module:
    """libcst's parse, shared by every analysis in the process that meets the same text
    (an analysed file that others import, a module many files import)."""
    return parse_fresh(text)


def longest_line(text: str) -> int:
    """About the longest logical line, in what can nest: physical lines joined by brackets
    and backslashes, each string one character and comments none. A string the pattern
    misreads (nested f-string quotes) can make it wrong either way: it only decides
    whether CPython is asked first."""
    text = STRINGS_AND_COMMENTS.sub(lambda m: "" if m.group()[0] == "#" else "s", text).replace("\\\n", "")
    longest = max(map(len, text.splitlines()), default=0)
    depth = start = 0
    for match in BRACKETS.finditer(text):
        if match.group() in OPENING:
            if depth == 0:
                start = match.start()
            depth += 1
        elif depth > 0:
            depth -= 1
            if depth == 0:
                longest = max(longest, match.end() - start)
    return max(longest, len(text) - start) if depth else longest


def cpython_parse(text: str, path: str) -> ast.Module:
    """CPython's own parser, for its verdict and its exact error positions; its warnings
    (SyntaxWarning and the like) are about the user's code, not for kgraphlint's output."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compile(text, path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)


def deepest(tree: ast.AST) -> tuple[int, int]:
    """The depth of the syntax tree and the line where it is deepest."""
    depth, line = 0, 1
    stack = [(tree, 1, 1)]
    while stack:
        node, level, where = stack.pop()
        where = getattr(node, "lineno", where)
        if level > depth:
            depth, line = level, where
        stack.extend((child, level + 1, where) for child in ast.iter_child_nodes(node))
    return depth, line


def limit_problem(text: str, path: str) -> SourceProblem | None:
    """Why libcst must not parse this program (too large, too deeply nested, or a syntax
    error CPython is sure of because the program is also too deep to hand on), or None."""
    if len(text) > MAX_PROGRAM_CHARACTERS:
        return SourceProblem(f"too large to analyse ({len(text):,} characters of code; kgraphlint parses at most "
                             f"{MAX_PROGRAM_CHARACTERS:,})")
    doubtful = longest_line(text) >= SHORT_LINE or bracket_depth(text) > SAFE_NESTING
    if not doubtful:
        return None
    try:
        tree = cpython_parse(text, path)
    except SyntaxError as exc:
        return SourceProblem(f"syntax error: {exc.msg}", exc.lineno or 1, exc.offset or 1)
    except (RecursionError, MemoryError, ValueError):
        return SourceProblem("too deeply nested for Python to parse")
    depth, line = deepest(tree)
    if depth > MAX_DEPTH:
        return SourceProblem(f"too deeply nested to analyse ({depth:,} levels of syntax at line {line}; kgraphlint "
                             f"parses at most {MAX_DEPTH:,})", line)
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
