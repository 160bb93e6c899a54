"""Parsed modules of installed packages, kept on disk between runs.

Checking a program that calls ``keras.applications.EfficientNetB0(...)`` means reading the
library's own code, and the modules such programs import can hold more code than the
programs themselves: the user-style benchmark's 156 files (140,000 characters) import
165,000 characters of keras.applications, whose parse cost as much as theirs, on every run.
An installed package does not change between runs, so its parsed trees are kept, pickled,
the way parso keeps jedi's: loading one takes a seventh of the time parsing it does
(kgraphlint.source.tree_pickle). An entry is named by the module's text and by the libcst
and Python versions that parsed it, so it is never stale: an upgraded package has new text,
hence new entries. Only installed packages' modules are kept; a project's own files change
while it is worked on.

The store is the result cache's neighbour and is used when that is (``--no-cache`` uses
neither); so is the folder of library calls replayed from installed packages' code
(kgraphlint.interpret.call_memo), named here with it. A pickle runs code when it is loaded, like the ``.pyc`` files Python writes beside
installed packages: whoever can write the cache folder can already change what runs.

This module is light on purpose: the CLI names the store before it knows whether anything
needs parsing, and a run whose results are all cached never imports libcst.
"""

from __future__ import annotations

import os
import sys
from contextlib import suppress
from functools import lru_cache
from pathlib import Path

from kgraphlint.digest import digest_of

#: the folders an installed package's files are under (pip's and Debian's)
INSTALLED = frozenset({"site-packages", "dist-packages"})

#: where parsed modules are kept in this process's runs; None: nowhere
_folder: Path | None = None
#: where library calls replayed from installed packages' code are kept; None: nowhere
_calls: Path | None = None


def use_parse_store(folder: Path | None, calls: Path | None = None) -> None:
    """Keep installed packages' parsed modules in ``folder`` from now on (None: nowhere), and
    the library calls replayed from their code (kgraphlint.interpret.call_memo) in ``calls``.
    Worker processes forked later inherit both."""
    global _folder, _calls
    _folder, _calls = folder, calls


def calls_folder() -> Path | None:
    return _calls


def installed(path: Path) -> bool:
    """The file belongs to an installed package, not to the project being checked."""
    return not INSTALLED.isdisjoint(path.parts)


@lru_cache(maxsize=1)
def parser_version() -> str:
    from importlib.metadata import version

    return f"libcst{version('libcst')}-py{sys.version_info[0]}.{sys.version_info[1]}"


def _entry(text: str) -> Path | None:
    if _folder is None:
        return None
    digest = digest_of(text.encode("utf-8", "surrogatepass"))
    return _folder / f"{parser_version()}-{digest[:32]}.pickle"


def load_parsed(text: str) -> object | None:
    """The tree kept for ``text`` (the caller checks what it is), or None."""
    entry = _entry(text)
    if entry is None:
        return None
    import pickle  # here: a run whose results are all cached never needs it

    try:
        return pickle.loads(entry.read_bytes())
    except Exception:  # missing, truncated, or written by another version: parsed again
        return None


def keep_parsed(text: str, tree: object) -> None:
    """Kept whole or not at all: a concurrent run (or a --jobs worker) may be reading it."""
    entry = _entry(text)
    if entry is None:
        return
    import pickle

    from kgraphlint.source.tree_pickle import dumps

    try:
        data = dumps(tree)
    except (RecursionError, pickle.PicklingError, TypeError):  # very deep code: parsed each time
        return
    scratch = entry.with_suffix(f".{os.getpid()}.tmp")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        scratch.write_bytes(data)
        scratch.replace(entry)
    except OSError:  # a read-only cache folder only costs speed
        with suppress(OSError):
            scratch.unlink()
