"""Inline suppression comments.

    x = layers.concatenate([a, b])  # noqa: KGL102
    x = layers.concatenate([a, b])  # kgraphlint: ignore[concat-axis-mismatch]
    # kgraphlint: skip-file

A bare ``# noqa`` or ``# kgraphlint: ignore`` silences every rule on its line. A comment
on the first or the last line of a finding's span counts, so a multi-line call can carry it
after its closing parenthesis. Comments are found with the tokenizer, so ``#`` inside a
string never counts. ``directives`` lists each comment with where it is, for the rule that
reports the ones that silence nothing (unused-noqa).
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

from kgraphlint.rule import Finding
from kgraphlint.source.source_file import split_lines

NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Za-z0-9_,\-\s]+))?", re.IGNORECASE)
IGNORE = re.compile(r"#\s*kgraphlint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
SKIP_FILE = re.compile(r"#\s*kgraphlint:\s*skip-file", re.IGNORECASE)
#: what every directive contains: a file without it has none, and is not tokenized
MAYBE_DIRECTIVE = re.compile(r"#\s*(?:noqa|kgraphlint:)", re.IGNORECASE)

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


def normalized(token: str) -> str:
    return token.upper() if token.upper().startswith("KGL") else token.lower()


def _tokens(raw: str | None) -> set[str]:
    if raw is None:
        return {ALL}
    return {normalized(t) for t in split_codes(raw)} or {ALL}


def split_codes(raw: str) -> list[str]:
    return [t for t in raw.replace(",", " ").split() if t]


def comments(text: str) -> list[tuple[int, int, str]]:
    """(line, column, comment text) for every comment (1-based), by the tokenizer; by line
    text if it fails."""
    try:
        return [(tok.start[0], tok.start[1] + 1, tok.string)
                for tok in tokenize.generate_tokens(io.StringIO(text).readline) if tok.type == tokenize.COMMENT]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return [(n, line.index("#") + 1, line[line.index("#"):]) for n, line in enumerate(split_lines(text), 1)
                if "#" in line]


@dataclass(frozen=True)
class Directive:
    """One ``# noqa`` or ``# kgraphlint: ignore`` comment: where it is and what it names."""

    line: int
    column: int  # where the directive starts (1-based), within a comment that may say more
    comment_column: int  # where its comment starts
    comment: str
    start: int  # the directive's span within the comment
    end: int
    #: the codes and names as written (empty: a bare directive)
    codes: tuple[str, ...]
    #: where the codes are within the comment (None for a bare directive)
    codes_span: tuple[int, int] | None
    noqa: bool  # "# noqa" (shared with other tools) or "# kgraphlint: ignore" (kgraphlint's own)


def directives(text: str, found_comments: list[tuple[int, int, str]] | None = None) -> list[Directive]:
    found = []
    if not MAYBE_DIRECTIVE.search(text):
        return found
    for line, column, comment in comments(text) if found_comments is None else found_comments:
        for pattern in (NOQA, IGNORE):
            match = pattern.search(comment)
            if match:
                span = match.span("codes") if match.group("codes") is not None else None
                codes = tuple(split_codes(match.group("codes") or ""))
                found.append(Directive(line, column + match.start(), column, comment, match.start(), match.end(),
                                       codes, span, pattern is NOQA))
    return found


def find_suppressions(text: str) -> Suppressions:
    result = Suppressions()
    if not MAYBE_DIRECTIVE.search(text):
        return result
    found_comments = comments(text)
    result.skip_file = any(SKIP_FILE.search(comment) for _, _, comment in found_comments)
    for directive in directives(text, found_comments):
        tokens = _tokens(None if directive.codes_span is None else " ".join(directive.codes))
        result.by_line.setdefault(directive.line, set()).update(tokens)
    return result
