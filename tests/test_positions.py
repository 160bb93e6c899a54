"""kgraphlint's lazy positions are exactly libcst's PositionProvider ranges, at a fraction of the cost."""

from __future__ import annotations

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from conftest import FIXTURES
from kgraphlint.positions import Positions

PROGRAMS = sorted(p for p in FIXTURES.rglob("*.py") if "syntax_error" not in p.name)


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.stem)
def test_every_node_has_libcsts_position(path):
    module = cst.parse_module(path.read_text())
    reference = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    positions = Positions(module)
    for node, expected in reference.items():
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
