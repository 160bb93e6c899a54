"""Write a changed file back (``--fix``, ``--add-noqa``) without losing anything.

The new text is written only if the file still holds the bytes it was computed from (an
edit made meanwhile is never overwritten), in the encoding the file was read in (a UTF-8
BOM, a PEP 263 declaration) and with its own line endings (the text carries them). A
symlink's target is written and the link stays a link. A file is replaced atomically (a
temporary file in the same folder, then a rename), which keeps its mode; a file with
several hard links is rewritten in place instead, because a rename would give the name a
new inode and leave the other links with the old text; no platform offers an atomic
rewrite of an inode's content.
"""

from __future__ import annotations

import io
import os
import tempfile
import tokenize
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ReadFile:
    """A file as read before changing it."""

    path: Path  # as named (perhaps a symlink)
    data: bytes

    @property
    def target(self) -> Path:
        """The file itself: a symlink's target, however many links lead to it."""
        return Path(os.path.realpath(self.path))


def read_for_change(path: Path) -> ReadFile:
    return ReadFile(path, path.read_bytes())


def encoding_of(data: bytes, text: str) -> str | None:
    """The encoding that gives back exactly ``data`` from the ``text`` read from it: the
    file's declared one (a BOM or PEP 263 cookie) or UTF-8; None if neither does."""
    try:
        declared, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        declared = "utf-8"
    for encoding in dict.fromkeys((declared, "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8")):
        try:
            if text.encode(encoding) == data:
                return encoding
        except (UnicodeEncodeError, LookupError):
            continue
    return None


class NotWritten(Exception):
    """Why a changed file was left as it is."""


def write_back(original: ReadFile, old_text: str, new_text: str) -> None:
    """Replace ``original`` (read as ``old_text``) with ``new_text``; raises NotWritten."""
    encoding = encoding_of(original.data, old_text)
    if encoding is None:
        raise NotWritten("its encoding cannot be kept")
    try:
        data = new_text.encode(encoding)
    except UnicodeEncodeError as error:
        raise NotWritten(f"the fixed text cannot be written in its encoding ({encoding}): {error.reason}") from error
    target = original.target
    try:
        if target.read_bytes() != original.data:
            raise NotWritten("it changed while kgraphlint was running")
        if target.stat().st_nlink > 1:
            rewrite_in_place(target, data)
        else:
            replace_atomically(target, data)
    except OSError as error:
        raise NotWritten(f"cannot write it: {error.strerror or error}") from error


def rewrite_in_place(path: Path, data: bytes) -> None:
    with open(path, "r+b") as file:
        file.write(data)
        file.truncate()
        file.flush()
        os.fsync(file.fileno())


def replace_atomically(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".kgraphlint")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
