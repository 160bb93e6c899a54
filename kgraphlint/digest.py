"""The hash behind every cache key and file digest kgraphlint keeps: BLAKE2b, 32 bytes.

Taken from CPython's built-in ``_blake2`` module, which is what ``hashlib.blake2b`` is:
importing hashlib loads OpenSSL first (about 5 ms, a tenth of what kgraphlint itself
spends on a run whose results are all cached).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

try:
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import blake2b

from kgraphlint.source.files import NotReadable, read_bytes

DIGEST_SIZE = 32


def new_digest(data: bytes = b""):
    """An incremental hash: ``update`` it, then ``hexdigest``."""
    return blake2b(data, digest_size=DIGEST_SIZE)


def digest_of(data: bytes) -> str:
    return new_digest(data).hexdigest()


def file_digest(path: str) -> str | None:
    """The digest of a file's bytes, or None if it cannot be read. Remembered by size and
    modification time: the files other modules' results depend on (an installed package's,
    a project's shared module) are read once per run, not once per file that imports them."""
    try:
        stat = os.stat(path)
        return _digest(path, stat.st_size, stat.st_mtime_ns)
    except (OSError, NotReadable):
        return None


@lru_cache(maxsize=1024)
def _digest(path: str, size: int, mtime: int) -> str:
    return digest_of(read_bytes(Path(path)))
