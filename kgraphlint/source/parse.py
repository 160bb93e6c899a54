"""Parse a file's text with libcst, safely: deep nesting, libcst's own limits and its
wrong error positions are handled here, so a bad file yields a ``SourceProblem``."""

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
