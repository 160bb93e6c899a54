"""Data-meets-model findings (KGL405-407) point where the fix goes: each one in
fixtures/data has a related location (or its own line) on a line its _fixed.py twin changes."""

from __future__ import annotations

import difflib
import re

import pytest

from conftest import FIXTURES

EXPECT = re.compile(r"\s*#\s*expect:.*$")
DATA = sorted(p for p in (FIXTURES / "data").glob("*.py") if not p.stem.endswith("_fixed"))


def changed_lines(program, fixed) -> set[int]:
    """The program's lines the fix replaces or deletes, and the line before each place it
    inserts lines (the ``# expect:`` markers are not changes)."""
    old = [EXPECT.sub("", line) for line in program.read_text().splitlines()]
    new = [EXPECT.sub("", line) for line in fixed.read_text().splitlines()]
    changed: set[int] = set()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        changed.update(range(i1 + 1, i2 + 1))
        if j2 > j1:
            changed.add(i1)  # lines inserted after line i1
    return changed


@pytest.mark.parametrize("program", DATA, ids=lambda p: p.stem)
def test_data_findings_point_at_the_fixed_lines(cli, program):
    findings = [f for f in cli("check", "--format", "json", program).json()
                if f["code"] in ("KGL405", "KGL406", "KGL407")]
    changed = changed_lines(program, program.with_name(program.stem + "_fixed.py"))
    for finding in findings:
        assert finding["related"], finding
        lines = {finding["line"], *(r["line"] for r in finding["related"])}
        assert lines & changed, (finding["line"], finding["message"], sorted(changed), finding["related"])


def related_lines(cli, tmp_path, text, code):
    program = tmp_path / "model.py"
    program.write_text(text)
    [finding] = [f for f in cli("check", "--format", "json", program).json() if f["code"] == code]
    return finding["line"], [(r["line"], r["message"]) for r in finding["related"]]


def test_a_rank_mismatch_points_at_the_layer_that_changed_the_rank(cli, tmp_path):
    line, related = related_lines(cli, tmp_path, """\
import keras
from keras import layers
inputs = keras.Input(shape=(10, 8))
x = layers.Flatten()(inputs)
x = layers.Dense(16, activation="relu")(x)
x = layers.Dropout(0.1)(x)
x = layers.LSTM(4)(x)
model = keras.Model(inputs, x)
""", "KGL103")
    assert line == 7
    assert (4, "'flatten' makes it 2-D") in related


def test_a_merge_mismatch_points_at_the_layer_that_changed_the_size(cli, tmp_path):
    line, related = related_lines(cli, tmp_path, """\
import keras
from keras import layers
inputs = keras.Input(shape=(32, 32, 3))
a = layers.Conv2D(8, 3, strides=2, padding="same")(inputs)
a = layers.BatchNormalization()(a)
a = layers.Activation("relu")(a)
b = layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
model = keras.Model(inputs, layers.add([a, b]))
""", "KGL101")
    assert line == 8
    assert any(line == 4 and message.startswith("'conv2d' gives the path through 'activation' its size on axes 1, 2")
               for line, message in related)


def test_sarif_carries_the_related_locations(cli):
    program = FIXTURES / "data" / "flat_mnist.py"
    findings = cli("check", "--format", "json", program).json()
    [run] = cli("check", "--format", "sarif", program).json()["runs"]
    for finding, result in zip(findings, run["results"]):
        assert [(r["physicalLocation"]["region"]["startLine"], r["message"]["text"]) for r in result["relatedLocations"]] \
            == [(r["line"], r["message"]) for r in finding["related"]]
