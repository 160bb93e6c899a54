"""keras.applications builders, read from the installed Keras source, against what real
Keras builds from them (fixtures/applications/builders.expected.json, written by
scripts/generate_expected.py)."""

from __future__ import annotations

import importlib.metadata
import json

import pytest

from conftest import FIXTURES

BUILDERS = FIXTURES / "applications" / "builders.py"
#: the Keras whose applications builders.expected.json was generated from; another
#: release may change the builders themselves (regenerate, then update this)
GENERATED_WITH = "3.15.1"


def installed_keras() -> str | None:
    try:
        return importlib.metadata.version("keras")
    except importlib.metadata.PackageNotFoundError:
        return None


needs_same_keras = pytest.mark.skipif(
    installed_keras() != GENERATED_WITH,
    reason=f"the truth was generated from keras {GENERATED_WITH}; installed: {installed_keras()}")


@pytest.fixture
def summaries(cli):
    result = cli("summary", "--format", "json", BUILDERS)
    assert result.code == 0, result.err
    return {s["name"]: s for s in result.json()}


EXPECTED = {m["name"]: m for m in json.loads(BUILDERS.with_suffix(".expected.json").read_text())}


@needs_same_keras
@pytest.mark.parametrize("name", ["resnet50", "vgg16", "mobilenetv2_1.00_224", "densenet121", "inception_v3",
                                  "xception", "efficientnetb0", "convnext_tiny"])
def test_total_parameters_equal_keras(summaries, name):
    expected = EXPECTED[name]
    got = summaries[name]
    assert (got["total_params"], got["trainable_params"], got["non_trainable_params"]) == (
        expected["total_params"], expected["trainable_params"], expected["non_trainable_params"])


@needs_same_keras
def test_every_layer_equals_keras(summaries):
    """Names, classes, output shapes, parameters and connections, row by row (ConvNeXt's
    custom LayerScale and its ``inputs + x`` residual Add included)."""
    assert set(summaries) == set(EXPECTED)
    for name, expected in EXPECTED.items():
        got = {k: v for k, v in summaries[name].items() if k != "path"}
        assert got == expected, name


@needs_same_keras
def test_transfer_learning_on_an_application_equals_keras(cli):
    """A frozen base called like a layer after its preprocess_input (TrueDivide and
    Subtract operations), and a head on a base's .output."""
    program = FIXTURES / "applications" / "transfer_learning.py"
    result = cli("summary", "--format", "json", program)
    assert result.code == 0, result.err
    expected = json.loads(program.with_suffix(".expected.json").read_text())
    assert [{k: v for k, v in s.items() if k != "path"} for s in result.json()] == expected
    assert cli("check", "--no-cache", program).code == 0


@needs_same_keras
def test_applications_are_fully_known(cli):
    result = cli("summary", "--stats", "--format", "json", BUILDERS)
    assert result.code == 0, result.err
    stats = result.json()["stats"]
    assert stats["layer_calls"] > 1500
    assert stats["fully_known"] == stats["layer_calls"]


@needs_same_keras
def test_design_smells_on_keras_applications_are_the_ones_the_readme_names(cli):
    import importlib.util
    from pathlib import Path

    folder = Path(importlib.util.find_spec("keras").origin).parent / "src" / "applications"
    result = cli("check", "--format", "json", "--select", "KGL7", folder)
    assert {(Path(f["path"]).name, f["code"]) for f in result.json()} == {
        ("resnet.py", "KGL703"), ("efficientnet_v2.py", "KGL708")}
