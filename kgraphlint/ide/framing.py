"""The language server's standard input, with framing errors repaired.

pygls reads ``Content-Length: N`` headers, a blank line, then exactly N bytes. One bad
frame (a length that is not a number, too short, too long, junk between messages) leaves
it reading the rest of the session out of step, and the server stops answering. This
stream sits between standard input and pygls: it finds each message itself, checks that
its body is JSON, skips what is not, and hands pygls only well-formed frames.

How a message is found: the next ``Content-Length`` header anywhere in the input (so junk
before it is skipped), the blank line that ends the headers, and the body. A body that is
not JSON is a framing error: the search resumes just after its header, so the messages a
too-long length swallowed are still found. A body whose JSON object is complete before
the declared length is taken as it is, without waiting for the rest: the length was
wrong (one JSON object is the whole body), and waiting for bytes that may never come
would hang the session.
"""

from __future__ import annotations

import json
import re
from typing import BinaryIO

HEADER = re.compile(rb"Content-Length:[ \t]*(\d+)[ \t]*\r?\n", re.IGNORECASE)
#: a declared length past this is a framing error, not a reason to read that much
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
#: the end of unmatched input kept, in case it is the start of a header
HEADER_PREFIX_KEPT = 64
CHUNK = 65536


class FramedInput:
    """What pygls reads (``readline`` for headers, ``read(n)`` for bodies), made of the
    well-formed messages in ``raw``."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.buffer = bytearray()  # input not yet made into a message
        self.ready = bytearray()  # well-formed frames for pygls
        self.ended = False

    def readline(self) -> bytes:
        while b"\n" not in self.ready and self._next_message():
            pass
        end = self.ready.find(b"\n") + 1 or len(self.ready)
        return self._take(end)

    def read(self, size: int) -> bytes:
        while len(self.ready) < size and self._next_message():
            pass
        return self._take(min(size, len(self.ready)))

    def _take(self, size: int) -> bytes:
        taken = bytes(self.ready[:size])
        del self.ready[:size]
        return taken

    def _fill(self) -> bool:
        """More input into the buffer (what is there, without waiting for a whole chunk);
        False at its end."""
        if self.ended:
            return False
        chunk = self.raw.read1(CHUNK)
        if not chunk:
            self.ended = True
            return False
        self.buffer += chunk
        return True

    def _body_start(self, header_end: int) -> int | None:
        """Where the body begins: after the blank line that ends the headers (None: not yet read)."""
        position = header_end
        while True:
            line_end = self.buffer.find(b"\n", position)
            if line_end < 0:
                return None
            if not self.buffer[position:line_end].strip():
                return line_end + 1
            position = line_end + 1

    def _object_at(self, start: int, complete_input: bool = False) -> int | None:
        """The length in bytes of a complete JSON object at ``start``, or None. Unless the
        input read so far ends like an object, it is not tried (a body still arriving)."""
        if not complete_input:
            last = len(self.buffer) - 1
            while last >= start and self.buffer[last] in b" \t\r\n":
                last -= 1
            if last < start or self.buffer[last] != ord("}"):
                return None
        try:
            text = self.buffer[start:].decode("utf-8", errors="replace")
            _, end = json.JSONDecoder().raw_decode(text)
        except ValueError:
            return None
        return len(text[:end].encode("utf-8"))

    def _next_message(self) -> bool:
        """Move the next well-formed message to ``ready``; False at the end of the input."""
        while True:
            match = HEADER.search(self.buffer)
            if match is None:
                del self.buffer[:-HEADER_PREFIX_KEPT]
                if not self._fill():
                    return False
                continue
            start = self._body_start(match.end())
            if start is None:
                if not self._fill():
                    return False
                continue
            length = self._body_length(start, int(match.group(1)))
            if length is None:
                if self.ended:
                    return False
                del self.buffer[:match.end()]  # out of step: look again just past this header
                continue
            body = bytes(self.buffer[start:start + length])
            del self.buffer[:start + length]
            self.ready += b"Content-Length: %d\r\n\r\n" % len(body) + body
            return True

    def _body_length(self, start: int, declared: int) -> int | None:
        """How long the body at ``start`` really is: as declared when that is JSON, else the
        JSON object found there (a wrong length); None when there is none."""
        if declared <= MAX_MESSAGE_BYTES:
            while len(self.buffer) < start + declared:
                early = self._object_at(start)
                if early is not None:
                    return early
                if not self._fill():
                    return None
            try:
                json.loads(bytes(self.buffer[start:start + declared]))
                return declared
            except ValueError:
                return self._object_at(start, complete_input=True)
        while True:  # a length past any real message: the object decides, until the next header
            found = self._object_at(start)
            if found is not None or HEADER.search(self.buffer, start) or not self._fill():
                return found
