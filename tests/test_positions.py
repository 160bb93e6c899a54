"""kgraphlint's lazy positions are exactly libcst's PositionProvider ranges, at a fraction of the cost."""

from __future__ import annotations

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from conftest import FIXTURES
from kgraphlint.source.positions import Positions

PROGRAMS = sorted(p for p in FIXTURES.rglob("*.py") if "syntax_error" not in p.name)


@pytest.mark.parametrize("backwards", [False, True], ids=["in-order", "backwards"])
@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.stem)
def test_every_node_has_libcsts_position(path, backwards):
    """In the order of the code and backwards: the code is regenerated one statement at a
    time, only as far as the nodes asked for so far."""
    module = cst.parse_module(path.read_text())
    reference = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    positions = Positions(module)
    nodes = list(reference)[::-1] if backwards else list(reference)
    for node in nodes:
        expected = reference[node]
        span = positions.span(node)
        assert (span.line, span.column, span.end_line, span.end_column) == (
            expected.start.line, expected.start.column + 1, expected.end.line, expected.end.column + 1), node


def test_crlf_and_non_ascii_lines():
    text = "import keras\r\nname = 'café'  # ünïcode\r\nx = keras.layers.Dense(3)\r\n"
    module = cst.parse_module(text)
    reference = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    positions = Positions(module)
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
