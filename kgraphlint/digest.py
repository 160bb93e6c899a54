"""The hash behind every cache key and file digest kgraphlint keeps: BLAKE2b, 32 bytes.

Taken from CPython's built-in ``_blake2`` module, which is what ``hashlib.blake2b`` is:
importing hashlib loads OpenSSL first (about 5 ms, a tenth of what kgraphlint itself
spends on a run whose results are all cached). It imports nothing of kgraphlint: every
stage may use it.
"""

from __future__ import annotations

try:
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import blake2b

DIGEST_SIZE = 32


def new_digest(data: bytes = b""):
    """An incremental hash: ``update`` it, then ``hexdigest``."""
    return blake2b(data, digest_size=DIGEST_SIZE)


def digest_of(data: bytes) -> str:
    return new_digest(data).hexdigest()
