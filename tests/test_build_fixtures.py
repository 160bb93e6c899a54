"""--build over every correct fixture, in one worker process for all of them: no Keras
error and no disagreement, every model rebuilt or listed with the reason it was not, and
the static summary equal to the rebuilt model's, row by row."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json

import pytest

from conftest import FIXTURES
from kgraphlint.cli import main

pytestmark = pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None, reason="TensorFlow is not installed")

CORRECT = [FIXTURES / "models", FIXTURES / "applications", *sorted((FIXTURES / "data").glob("*_fixed.py")),
           FIXTURES / "documents", FIXTURES / "project" / "netlib" / "model.py"]
#: (file, model) -> words of the reason it is not rebuilt: what --build does not rebuild yet
NOT_REBUILT = {
    ("subclassed_models.py", "mlp"): "built by model.build(...)",
}
#: models the differential test must cover, by what they show
COVERED = {
    "applications with a head": [("transfer_learning.py", "functional"), ("transfer_learning.py", "functional_1"),
                                 ("backbone_input_tensor.py", "flowers")],
    "applications": [("builders.py", name) for name in (
        "resnet50", "vgg16", "mobilenetv2_1.00_224", "densenet121", "inception_v3", "xception", "efficientnetb0",
        "convnext_tiny", "convnext_tiny_stem")],
    "nested models": [("nested_model.py", "pair_scorer"), ("models_from_models.py", "retrained"),
                      ("transfer_learning.py", "functional")],
    "layers made in another module of the project": [("model.py", "small_resnet")],
    "shared layers": [("shared_input_branches.py", "functional"), ("siamese_lstm.py", "functional")],
    "subclassed models": [("subclassed_models.py", "called"), ("subclassed_models.py", "mlp_1")],
    "custom layers": [("layer_subclasses.py", "derived_layers"), ("ops_and_custom_layer.py", "mixer"),
                      ("custom_decoder_layer.py", "functional")],
    "tensors in several arguments": [("models_from_models.py", "seq2seq"), ("custom_decoder_layer.py", "functional")],
    "operations": [("tensor_ops.py", "tensor_ops"), ("ops_and_custom_layer.py", "mixer")],
}


@pytest.fixture(scope="module")
def summaries():
    """summary --build over all of them, once for the tests of this module."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["summary", "--build", "--device", "cpu", "--format", "json", *map(str, CORRECT)])
    assert code == 0, err.getvalue()
    return {(s["path"].rsplit("/", 1)[-1], s["name"]): s for s in json.loads(out.getvalue())}


def test_correct_fixtures_build_without_errors_or_disagreements(cli):
    result = cli("check", "--build", "--device", "cpu", "--no-cache", "--select", "KGL9", "--format", "json",
                 *CORRECT)
    assert result.json() == [], [f"{f['path']}:{f['line']}: {f['message']}" for f in result.json()]
    notes = [line for line in result.err.splitlines() if "was not built with Keras" in line]
    assert len(notes) == len(NOT_REBUILT), notes  # one line per model


def test_every_fixture_model_is_rebuilt_or_listed_with_its_reason(summaries):
    not_rebuilt = {key: s["keras_build"]["note"] for key, s in summaries.items() if s["keras_build"]["note"]}
    assert set(not_rebuilt) == set(NOT_REBUILT), not_rebuilt
    for key, words in NOT_REBUILT.items():
        assert words in not_rebuilt[key], (key, not_rebuilt[key])
    assert all(s["keras_build"]["error"] is None for s in summaries.values())
    rebuilt = [s for s in summaries.values() if not s["keras_build"]["note"]]
    assert len(rebuilt) >= 80 and all(row["confirmed"] for s in rebuilt for row in s["layers"] if row["keras"])


def test_static_summary_equals_the_rebuilt_models_row_by_row(summaries):
    compared = []
    for key, summary in summaries.items():
        build = summary["keras_build"]
        if build["note"]:
            continue
        # a subclassed model's sublayer the code never calls is unbuilt in Keras too: no row to compare
        rows = [row for row in summary["layers"] if not row.get("unbuilt")]
        assert [row["name"] for row in rows] == build["layers"], key
        for row in rows:
            static = {"output_shape": row["output_shape"], "params": row["params"],
                      "trainable_params": row["trainable_params"]}
            if summary["kind"] == "subclassed" and row["output_shape"] == "?":
                # Keras's summary of a subclassed model shows no output shape for a layer without
                # weights; the rebuilt model (its layers' calls) has one
                static["output_shape"] = row["keras"]["output_shape"]
            assert row["keras"] == static, (key, row["name"])
        if summary["kind"] != "subclassed":
            assert build["totals"] == {"params": summary["total_params"],
                                       "trainable_params": summary["trainable_params"]}, key
        compared.append(key)
    assert len(compared) >= 20
    for what, keys in COVERED.items():
        assert set(keys) <= set(compared), (what, set(keys) - set(compared))
