"""Inline suppression comments.

    x = layers.concatenate([a, b])  # noqa: KGL102
    x = layers.concatenate([a, b])  # kgraphlint: ignore[concat-axis-mismatch]
    # kgraphlint: skip-file

A bare ``# noqa`` or ``# kgraphlint: ignore`` silences every rule on its line. A comment
on the first or the last line of a finding's span counts, so a multi-line call can carry it
after its closing parenthesis. Comments are found with the tokenizer, so ``#`` inside a
string never counts.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

from kgraphlint.rule import Finding

NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Za-z0-9_,\-\s]+))?", re.IGNORECASE)
IGNORE = re.compile(r"#\s*kgraphlint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
SKIP_FILE = re.compile(r"#\s*kgraphlint:\s*skip-file", re.IGNORECASE)

ALL = "*"


@dataclass
class Suppressions:
    #: line -> codes/names silenced there ("*" for all)
    by_line: dict[int, set[str]] = field(default_factory=dict)
    skip_file: bool = False

    def silences(self, finding: Finding) -> bool:
        if self.skip_file:
            return True
        for line in {finding.line, finding.end_line}:
            tokens = self.by_line.get(line, set())
            if ALL in tokens or finding.code in tokens or finding.name in tokens:
                return True
        return False


def _tokens(raw: str | None) -> set[str]:
    if raw is None:
        return {ALL}
    found = {t.strip() for t in raw.replace(",", " ").split() if t.strip()}
    return {t.upper() if t.upper().startswith("KGL") else t.lower() for t in found} or {ALL}


def comments(text: str) -> list[tuple[int, str]]:
    """(line, comment text) for every comment, by the tokenizer; by line text if it fails."""
    try:
        return [(tok.start[0], tok.string) for tok in tokenize.generate_tokens(io.StringIO(text).readline)
                if tok.type == tokenize.COMMENT]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return [(n, line[line.index("#"):]) for n, line in enumerate(text.splitlines(), 1) if "#" in line]


def find_suppressions(text: str) -> Suppressions:
    result = Suppressions()
    if "#" not in text:
        return result
    for line, comment in comments(text):
        if SKIP_FILE.search(comment):
            result.skip_file = True
        for pattern in (NOQA, IGNORE):
            match = pattern.search(comment)
            if match:
                result.by_line.setdefault(line, set()).update(_tokens(match.group("codes")))
    return result
