"""kgraphlint's lazy positions are exactly libcst's PositionProvider ranges, at a fraction of the cost."""

from __future__ import annotations

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from conftest import FIXTURES
from kgraphlint.source.positions import Positions, Span

PROGRAMS = sorted(p for p in FIXTURES.rglob("*.py") if "syntax_error" not in p.name)


@pytest.mark.parametrize("with_text", [False, True], ids=["generated", "with-text"])
@pytest.mark.parametrize("backwards", [False, True], ids=["in-order", "backwards"])
@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.stem)
def test_every_node_has_libcsts_position(path, backwards, with_text):
    """In the order of the code and backwards: the code is regenerated one statement at a
    time, only as far as the nodes asked for so far; given the text it was parsed from, an
    expression whose code occurs once in it is found there instead."""
    text = path.read_text()
    module = cst.parse_module(text)
    reference = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    positions = Positions(module, text if with_text else None)
    nodes = list(reference)[::-1] if backwards else list(reference)
    for node in nodes:
        expected = reference[node]
        span = positions.span(node)
        assert (span.line, span.column, span.end_line, span.end_column) == (
            expected.start.line, expected.start.column + 1, expected.end.line, expected.end.column + 1), node


@pytest.mark.parametrize("with_text", [False, True], ids=["generated", "with-text"])
@pytest.mark.parametrize("end", ["\r\n", ""], ids=["last-newline", "no-last-newline"])
def test_crlf_and_non_ascii_lines(with_text, end):
    text = "import keras\r\nname = 'café'  # ünïcode\r\nx = keras.layers.Dense(3)" + end
    module = cst.parse_module(text)
    reference = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    positions = Positions(module, text if with_text else None)
    for node, expected in reference.items():
        span = positions.span(node)
        assert (span.line, span.column) == (expected.start.line, expected.start.column + 1)


def test_a_late_statement_first_then_an_early_one():
    text = "import keras\n\nx = keras.Input(shape=(3,))\n# note\ny = keras.layers.Dense(4)(x)\n"
    module = cst.parse_module(text)
    positions = Positions(module)
    last, first = module.body[-1], module.body[0]
    assert (positions.span(last).line, positions.span(first).line) == (5, 1)
    assert positions.span(module).end_line == 6


def test_an_expression_whose_code_occurs_once_is_found_without_the_code_before_it():
    text = "import keras\n\n" + "x = keras.layers.Dense(4)(x)\n" * 50 + "y = keras.layers.Dense(5)(x)\n"
    module = cst.parse_module(text)
    positions = Positions(module, text)
    unique = module.body[-1].body[0].value  # Dense(5)(x): once in the text
    repeated = module.body[2].body[0].value  # Dense(4)(x): fifty times
    assert positions.span(unique) == Span(53, 5, 53, 29)
    assert positions._state.tokens == [], "the statements before it were generated"
    assert positions.span(repeated).line == 4  # found by generating the code up to it
