"""Load the files to analyse and find them in directories.

Each becomes a ``SourceFile`` (``kgraphlint.source.source_file``): a .py file as it is, or
the code of a notebook or a Markdown tutorial (see ``kgraphlint.source.documents``). Files
that cannot be read or decoded still become a ``SourceFile`` carrying the problem, so the
run reports it and goes on. Only regular files are read, and at most ``MAX_FILE_BYTES`` of
them: a named pipe would block the run and a link to /dev/zero would never end.
"""

from __future__ import annotations

import os
import stat
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from kgraphlint.digest import digest_of
from kgraphlint.source.source_file import SourceFile

PYTHON_SUFFIXES = (".py", ".pyi")
DOCUMENT_SUFFIXES = (".ipynb", ".md")
SUFFIXES = PYTHON_SUFFIXES + DOCUMENT_SUFFIXES
#: folders never worth walking into
SKIPPED_DIRS = frozenset({
    ".git", ".hg", ".svn", ".venv", "venv", "env", ".env", "__pycache__", "build", "dist",
    ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".kgraphlint_cache",
    "node_modules", "site-packages", ".eggs", ".ipynb_checkpoints",
})
#: the most bytes read from one file (a notebook's outputs count); a larger file is reported
MAX_FILE_BYTES = 64 * 1024 * 1024
FILE_KINDS = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
              (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory"))


class NotReadable(Exception):
    """A file that is not read: not a regular file, or too large."""


def irregular(mode: int) -> str | None:
    """What a file is when it is not a regular file ("a named pipe"), else None."""
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in FILE_KINDS if test(mode)), "not a regular file")


def skipped_reason(path: Path) -> str | None:
    """Why a path is not checked at all (it is not a regular file, links followed), or None.
    A path that cannot be examined is read, and its error reported."""
    try:
        kind = irregular(os.stat(path).st_mode)
    except OSError:
        return None
    return None if kind is None else f"skipped: not a regular file ({kind})"


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes. Opening does not wait for a writer (a named pipe put in the
    file's place after it was examined), and no more than ``limit`` bytes are read."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(descriptor, "rb") as file:
        kind = irregular(os.fstat(file.fileno()).st_mode)
        if kind is not None:
            raise NotReadable(f"not a regular file ({kind})")
        data = file.read(limit + 1)
    if len(data) > limit:
        raise NotReadable(f"too large to read (over {limit // (1024 * 1024)} MiB)")
    return data


def file_digest(path: str) -> str | None:
    """The digest of a file's bytes, or None if it cannot be read. Remembered by size and
    modification time: the files other modules' results depend on (an installed package's,
    a project's shared module) are read once per run, not once per file that imports them."""
    try:
        status = os.stat(path)
        return _digest(path, status.st_size, status.st_mtime_ns)
    except (OSError, NotReadable):
        return None


@lru_cache(maxsize=1024)
def _digest(path: str, size: int, mtime: int) -> str:
    return digest_of(read_bytes(Path(path)))


def read_source(path: Path, display: str | None = None) -> SourceFile:
    shown = display or str(path)
    try:
        data = read_bytes(path)
    except NotReadable as exc:
        return SourceFile(shown, "", str(exc))
    except OSError as exc:
        return SourceFile(shown, "", f"cannot read file: {exc.strerror or exc}")
    source = decode_source(shown, data)
    return source if source.error is not None else source_from_text(shown, source.text)


def source_from_text(path: str, text: str) -> SourceFile:
    """A file's text as kgraphlint reads it: notebooks and Markdown by their suffix."""
    if path.endswith((".ipynb", ".md")):
        # markdown-it loads only for documents (a cached run over .py files never needs it)
        from kgraphlint.source.documents import load_markdown, load_notebook
    if path.endswith(".ipynb"):
        return load_notebook(path, text)
    if path.endswith(".md"):
        return load_markdown(path, text)
    return SourceFile(path, text)


def decode_source(shown: str, data: bytes) -> SourceFile:
    if b"\x00" in data:
        return SourceFile(shown, "", "not a text file (it contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return SourceFile(shown, "", f"not UTF-8 (invalid byte at line {line}); save the file as UTF-8")
    return SourceFile(shown, text)


def is_skipped_dir(name: str) -> bool:
    return name in SKIPPED_DIRS or name.endswith(".egg-info")


def discover(paths: Iterable[str], suffixes: tuple[str, ...] = SUFFIXES) -> Iterator[Path]:
    """Files named directly, and files with a known suffix below named directories, sorted
    per directory so output order is stable. Symlinked directories are not followed."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, files in os.walk(path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not is_skipped_dir(d))
                for name in sorted(files):
                    if name.endswith(suffixes):
                        yield Path(root) / name
        else:
            yield path
