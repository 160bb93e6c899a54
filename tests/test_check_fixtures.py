"""The buggy programs in fixtures/bugs yield exactly the findings their `# expect:` comments
mark; the correct programs in fixtures/models yield none."""

from __future__ import annotations

import json
import re

import pytest

from conftest import FIXTURES

EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>KGL\d{3}(?:\s*,\s*KGL\d{3})*)")
BUGGY = sorted(p for folder in ("bugs", "snippets") for p in (FIXTURES / folder).iterdir()
               if p.suffix in (".py", ".ipynb", ".md") and p.name != "README.md")


def code_lines(path) -> list[tuple[int | None, int, str]]:
    """(cell, line, text) for each line: notebook lines count within their code cell."""
    if path.suffix != ".ipynb":
        return [(None, n, line) for n, line in enumerate(path.read_text().splitlines(), 1)]
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    return [(index, n, line) for index, cell in enumerate(cells, 1)
            for n, line in enumerate("".join(cell["source"]).splitlines(), 1)]


def expected_findings(path) -> set[tuple]:
    expected = set()
    for cell, line_number, line in code_lines(path):
        match = EXPECT.search(line)
        if match:
            expected |= {(cell, line_number, code.strip()) for code in match.group("codes").split(",")}
    return expected


@pytest.mark.parametrize("fixture", BUGGY, ids=lambda p: p.stem)
def test_buggy_fixture_findings(cli, fixture):
    expected = expected_findings(fixture)
    assert expected, f"{fixture.name} marks no expected finding"
    result = cli("check", "--format", "json", fixture)
    found = {(f.get("cell"), f["line"], f["code"]) for f in result.json()}
    assert found == expected
    assert result.code == 1


def test_every_rule_has_a_realistic_fixture():
    from kgraphlint.registry import all_rules

    data_programs = [p for p in (FIXTURES / "data").glob("*.py") if not p.stem.endswith("_fixed")]
    codes = {code for path in BUGGY + data_programs for *_, code in expected_findings(path)}
    missing = [r.code for r in all_rules() if r.category == "correctness" and r.code not in codes]
    assert not missing, f"no fixture in fixtures/bugs or fixtures/data expects {missing}"


def test_correct_programs_have_no_findings(cli):
    result = cli("check", "--format", "json", "--ignore", "KGL7", FIXTURES / "models")
    assert result.json() == []
    assert result.code == 0


def test_design_smells_in_correct_programs_are_the_agreed_ones(cli):
    """These programs build and train, and each smell listed is one a reader would agree with
    (the README's design-smells section discusses them)."""
    result = cli("check", "--format", "json", "--select", "KGL7", FIXTURES / "models")
    found = sorted({(f["path"].rsplit("/", 1)[-1], f["code"]) for f in result.json()})
    assert found == [
        ("layer_zoo.py", "KGL701"),  # Conv1D without activation into Conv1D
        ("layer_zoo.py", "KGL705"),  # SpatialDropout1D straight into GlobalMaxPooling1D
        ("layer_zoo.py", "KGL708"),  # Conv1D 24 filters then 16
        ("residual_helper.py", "KGL701"),  # the stem Conv2D has no activation
        ("residual_helper.py", "KGL703"),  # Conv2D with a bias straight into BatchNormalization
        ("sequential_list.py", "KGL701"),  # the tutorial's Sequential([Dense(2), Dense(1)])
        ("tutorial_models.py", "KGL708"),  # the tutorial's feature extractor: Conv2D 32 then 16 filters
        ("two_input_cnn.py", "KGL708"),  # likewise
    ]
    assert result.code == 0  # info findings never fail the run


def test_messages_name_layers_shapes_and_the_fix(cli):
    findings = cli("check", "--format", "json", FIXTURES / "bugs" / "inception_block.py").json()
    concat = next(f for f in findings if f["code"] == "KGL102")
    for text in ("(None, 16, 16, 128)", "(None, 13, 13, 128)", "'conv2d_3'", "padding='same'"):
        assert text in concat["message"]
    assert len(concat["related"]) == 4
    dead = cli("check", "--format", "json", FIXTURES / "bugs" / "dead_branch.py").json()[0]
    assert "hidden1" in dead["message"] and "did you mean it to read hidden1" in dead["message"]


def test_unbuilt_sequential_models_are_not_judged_by_their_outputs(cli, write):
    """A Sequential never given an input shape has no outputs until it sees data."""
    path = write(
        "import keras\n"
        "model = keras.Sequential([keras.layers.Dense(1), keras.layers.Dense(1)])\n"
        "model.compile(optimizer='adam', loss='mse', metrics=[keras.metrics.Hinge(), 'mse'])\n"
        "model.fit([[1.0], [2.0]], [1.0, 2.0])\n")
    assert cli("check", "--format", "json", "--ignore", "KGL7", path).json() == []


PARTIAL = sorted((FIXTURES / "partial").glob("*.py"))


@pytest.mark.parametrize("fixture", PARTIAL, ids=lambda p: p.stem)
def test_partly_followed_correct_programs_report_nothing(cli, fixture):
    """What the analysis could not follow (a loop over data read at run time, keywords a caller
    passes, an operation it does not model) is unknown, and unknown values never report."""
    result = cli("check", "--format", "json", fixture)
    assert result.json() == [] and result.code == 0
