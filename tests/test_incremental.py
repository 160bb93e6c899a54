"""The language server's incremental parse: after an edit only the changed top-level
statements are parsed again, and the module, its positions and its findings are exactly
those of a full parse."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from kgraphlint.checking import check_source
from kgraphlint.config import Settings
from kgraphlint.ide.incremental import IncrementalParser, split_top_level
from kgraphlint.source.positions import Positions
from kgraphlint.ide.linting import lint_source
from kgraphlint.source.files import source_from_text

ROOT = Path(__file__).resolve().parent.parent
ENGINE = [p for p in (ROOT / "kgraphlint").rglob("*.py") if "rules" not in p.relative_to(ROOT / "kgraphlint").parts]
PROGRAMS = sorted([*FIXTURES.rglob("*.py"), *ENGINE, *(ROOT / "rules").glob("*.py")])


def nodes(module: cst.Module) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []

    class Collect(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            found.append(node)
            return True

    module.visit(Collect())
    return found


def assert_same_as_a_full_parse(text: str, parser: IncrementalParser | None = None) -> None:
    parser = parser or IncrementalParser()
    try:
        full = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        with pytest.raises(cst.ParserSyntaxError) as raised:
            parser.parse(text)
        assert (raised.value.raw_line, raised.value.raw_column) == (error.raw_line, error.raw_column)
        return
    assembled = parser.parse(text)
    assert assembled.code == full.code and assembled.deep_equals(full)
    fresh, pieced = Positions(full), Positions(assembled)
    for a, b in zip(nodes(full), nodes(assembled)):
        if not isinstance(a, cst.Module):
            assert fresh.span(a) == pieced.span(b), type(a).__name__


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: str(p.relative_to(ROOT)))
def test_assembled_module_and_positions_equal_a_full_parse(path):
    text = path.read_text(encoding="utf-8")
    assert_same_as_a_full_parse(text)


#: the repository's programs whose top-level functions are long enough to be cut in pieces
CUT_IN_FUNCTIONS = [p for p in PROGRAMS if any(piece.in_body for piece in split_top_level(p.read_text()) or ())]
EDITS = st.lists(st.tuples(st.floats(0, 1), st.sampled_from(["comment", "spaces", "empty", "copy", "delete"]),
                           st.sampled_from([0, 2, 4, 8, 12])), min_size=1, max_size=8)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(CUT_IN_FUNCTIONS), EDITS, st.booleans(), st.booleans())
def test_edited_programs_assemble_to_a_full_parse(path, edits, crlf, no_final_newline):
    """Programs edited the way people type (comments and blank lines at any indentation,
    lines copied or deleted, CRLF newlines, no final newline): the assembled module and its
    positions are still exactly a full parse's, or it fails to parse just the same."""
    lines = path.read_text().splitlines(keepends=True)
    for where, kind, indent in edits:
        index = int(where * (len(lines) - 1))
        if kind == "delete":
            del lines[index]
        else:
            lines.insert(index, {"comment": f"{' ' * indent}# note\n", "spaces": f"{' ' * indent}\n",
                                 "empty": "\n", "copy": lines[index]}[kind])
    text = "".join(lines)
    if crlf:
        text = text.replace("\n", "\r\n")
    if no_final_newline:
        text = text.rstrip("\r\n")
    assert_same_as_a_full_parse(text)


KEYSTROKES = st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1), st.integers(0, 3),
                                st.sampled_from(["x", "1", " ", "(", ")", ":", "#", "\\", '"', '"""', ",", ""])),
                      min_size=1, max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(CUT_IN_FUNCTIONS), KEYSTROKES)
def test_typing_within_a_line_keeps_the_parse_exact(path, keystrokes):
    """Edits within one line, one after another on the same parser, as an editor sends
    them (the pieces of the text before are reused when the edit stays within one): each
    text still assembles to exactly a full parse, or fails to parse just the same."""
    text = path.read_text()
    parser = IncrementalParser()
    parser.parse(text)
    for where, column, deleted, typed in keystrokes:
        lines = text.splitlines(keepends=True)
        index = int(where * (len(lines) - 1))
        line = lines[index]
        body = line.rstrip("\r\n")
        at = int(column * len(body))
        lines[index] = body[:at] + typed + body[at + deleted:] + line[len(body):]
        text = "".join(lines)
        assert_same_as_a_full_parse(text, parser)


def test_an_edit_within_a_line_reuses_the_cut_of_the_text(monkeypatch):
    import kgraphlint.ide.incremental as incremental

    text = (FIXTURES / "models" / "builder_function.py").read_text()
    parser = IncrementalParser()
    parser.parse(text)
    cuts: list[str] = []
    original = incremental.split_top_level
    monkeypatch.setattr(incremental, "split_top_level", lambda t: cuts.append(t) or original(t))
    edited = text.replace("Conv2D(32, 3", "Conv2D(33, 3", 1)
    assert edited != text
    assert parser.parse(edited).code == edited and cuts == []
    commented = edited.replace("    x = layers.Conv2D(33", "    # x = layers.Conv2D(33", 1)
    assert parser.parse(commented).code == commented and cuts == [commented]


def test_typing_a_comment_into_an_empty_line_after_a_block_keeps_the_parse_exact():
    """An empty line between pieces of a body decides a cut: a comment typed into it at the
    block's indentation belongs to the block, which the pieces alone would not know."""
    body = ["    a = 1"] * 4 + ["    if a:", "        b = 2", "", "    c = 3"] + ["    d = 4"] * 6
    text = "def build():\n" + "\n".join(body) + "\n    return a\n\nbuild()\n"
    assert sum(piece.in_body for piece in split_top_level(text)) > 8
    for typed in ("        # the block's", "    # the body's", "#"):
        parser = IncrementalParser()
        parser.parse(text)
        assert_same_as_a_full_parse(text.replace("\n\n    c", f"\n{typed}\n    c"), parser)


EDITS_IN_ONE_PIECE = [
    # a top-level statement
    ("cnn.py", "Conv2D(16, (5, 5)", "Conv2D(16, (99, 99)", False),
    # a statement inside a long function: the piece is parsed under the stand-in def line
    ("builder_function.py", "layers.MaxPooling2D(2)(x)\n\n    x = layers.Conv2D(32, 3, padding=\"same\"",
     "layers.MaxPooling2D(2)(x)\n\n    x = layers.Conv2D(32, 99, padding=\"valid\"", True),
]


@pytest.mark.parametrize("fixture, old, new, in_body", EDITS_IN_ONE_PIECE, ids=["top-level", "in-a-function"])
def test_an_edit_reparses_one_piece_and_finds_what_a_fresh_check_finds(monkeypatch, fixture, old, new, in_body):
    import kgraphlint.ide.incremental as incremental

    text = (FIXTURES / "models" / fixture).read_text()
    parser, settings = IncrementalParser(), Settings().validate()
    assert lint_source(source_from_text("m.py", text), settings, Path("m.py"), parser)[0] == []
    parsed: list[str] = []
    original = incremental.parse_each
    monkeypatch.setattr(incremental, "parse_each", lambda pieces: parsed.extend(pieces) or original(pieces))
    edited = text.replace(old, new, 1)
    assert edited != text
    findings, analysis = lint_source(source_from_text("m.py", edited), settings, Path("m.py"), parser)
    assert len(parsed) == 1 and new.split("\n")[-1].strip() in parsed[0]
    assert parsed[0].startswith(incremental.STAND_IN) == in_body
    assert [f.code for f in findings] == ["KGL104"] and analysis is not None and analysis.models
    assert [(f.code, f.line, f.column, f.end_line, f.end_column, f.message) for f in findings] == [
        (f.code, f.line, f.column, f.end_line, f.end_column, f.message) for f in check_source(edited, "m.py")]


@pytest.mark.parametrize("line", ["\\\n", "    \\\n"])
def test_a_line_of_only_a_backslash_is_parsed_whole(line):
    """It joins a blank line to the next: pieces alone would place that statement elsewhere."""
    lines = (FIXTURES / "models" / "builder_function.py").read_text().splitlines(keepends=True)
    blank = next(i for i, text in enumerate(lines) if i > 10 and text == "\n")
    text = "".join([*lines[:blank], line, *lines[blank + 1:]])
    assert_same_as_a_full_parse(text)
    parser = IncrementalParser()
    parser.parse("".join(lines))
    assert_same_as_a_full_parse(text, parser)


def test_a_prepared_text_is_edited_parsing_one_piece(monkeypatch):
    """What the language server does after opening a file, between requests: the first
    edit then parses only its own piece."""
    import kgraphlint.ide.incremental as incremental

    text = (FIXTURES / "models" / "builder_function.py").read_text()
    parser = IncrementalParser()
    steps = list(parser.prepare(text, batch=4))
    assert len(steps) > 1
    parsed: list[str] = []
    original = incremental.parse_each
    monkeypatch.setattr(incremental, "parse_each", lambda pieces: parsed.extend(pieces) or original(pieces))
    edited = text.replace("Conv2D(32, 3", "Conv2D(33, 3", 1)
    assert_same_as_a_full_parse(edited, parser)
    assert len(parsed) == 1 and "Conv2D(33, 3" in parsed[0]
