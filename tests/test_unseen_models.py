"""Models built on models kgraphlint cannot see (a backbone given as an argument, a model
loaded from a file), helpers it loses track in, and Model(...) inputs it cannot follow:
the model is still extracted, with opaque nodes where it is blind, the rules run on what
is known, and --stats says why each shape is unknown."""

from __future__ import annotations

import json

from conftest import FIXTURES

UNSEEN = FIXTURES / "partial" / "unseen_backbones.py"


def by_name(models: list[dict]) -> dict[str, dict]:
    return {model["name"]: model for model in models}


def test_heads_on_unseen_backbones_are_models_with_opaque_rows(cli):
    models = by_name(cli("summary", "--format", "json", UNSEEN).json())
    assert set(models) == {"text_classifier?", "masked_lm?", "staged_backbone?", "transfer"}
    for model in models.values():
        assert model["total_params"] is None  # never a guessed number

    head = models["text_classifier?"]
    assert [(row["name"], row["class"]) for row in head["layers"]] == [
        ("?", "backbone"), ("?", "GetItem"), ("output_dropout", "Dropout"), ("logits", "Dense")]
    assert all(row["opaque"] for row in head["layers"][:2])
    assert head["layers"][2]["params"] == 0  # a Dropout has no weights, whatever its input

    # inputs={**backbone.input, "mask_positions": ...}: taken as what the output is computed from
    assert [row["class"] for row in models["masked_lm?"]["layers"]] == [
        "backbone", "backbone['sequence_output']", "Dense"]

    transfer = models["transfer"]
    assert transfer["layers"][0]["opaque"] == "base.get_layer('top_pool').output"
    assert [row["name"] for row in transfer["layers"][1:]] == ["hidden", "probabilities"]
    assert transfer["layers"][2]["connected_to"] == ["hidden"]

    # a helper looping over a configuration only the caller knows: the stem is known
    staged = models["staged_backbone?"]["layers"]
    assert [(row["name"], row["output_shape"], row["params"]) for row in staged[:3]] == [
        ("image", [None, None, None, 3], 0), ("stem", [None, None, None, 16], 448),
        ("stem_pool", [None, None, None, 16], 0)]


def stats_and_reason_lines(cli, path) -> tuple[dict, dict[str, str]]:
    """``summary --stats`` of a program, and the line of each reason's first example."""
    stats = cli("summary", "--stats", "--format", "json", path).json()["stats"]
    return stats, {r["reason"]: r["example"].rsplit(":", 1)[1] for r in stats["reasons"]}


def test_stats_give_a_reason_for_each_blind_spot(cli):
    stats, reasons = stats_and_reason_lines(cli, UNSEEN)
    assert stats["models"] == stats["partial_models"] == 4 and stats["unextracted_models"] == []
    assert reasons["model backbone not known (an argument, or made where kgraphlint cannot see)"] == "18"
    assert reasons["model base not known (an argument, or made where kgraphlint cannot see)"] == "65"
    assert reasons["indexing a tensor with an index not known"] == "19"
    assert reasons["inputs of Model(...) not followed"] == "37"


def test_bugs_in_heads_on_unseen_backbones_are_found(cli):
    findings = cli("check", "--format", "json", FIXTURES / "bugs" / "backbone_heads.py").json()
    assert [(f["line"], f["code"]) for f in findings] == [(16, "KGL401"), (29, "KGL402")]


def test_a_helper_kgraphlint_loses_track_in_keeps_the_model(cli, write):
    """``block`` returns from an undecided branch: its result is unknown, but it is computed
    from the tensor given, so the model stays a model and the layers after it are checked."""
    path = write('''
import keras
from keras import layers


def block(x, kind):
    if kind == "wide":
        return layers.Dense(64)(x)
    return layers.Dense(8)(x)


def build(kind):
    inputs = keras.Input(shape=(16,))
    x = block(inputs, kind)
    outputs = layers.Dense(1, activation="softmax")(x)
    return keras.Model(inputs, outputs)
''')
    [model] = cli("summary", "--format", "json", path).json()
    assert [row["class"] for row in model["layers"]] == ["InputLayer", "block", "Dense"]
    assert model["layers"][1]["opaque"] == "block(...)"
    stats = cli("summary", "--stats", "--format", "json", path).json()["stats"]
    assert "result of block(...) not followed" in {r["reason"] for r in stats["reasons"]}
    assert [f["code"] for f in cli("check", "--format", "json", path).json()] == ["KGL401"]


DEFAULTS_BRANCHES = '''
import keras
from keras import layers


def build(extra_input=False):
    x = keras.Input(shape=(16,))
    aux = keras.Input(shape=(4,))
    hidden = layers.Dense(32, activation="relu")(x)
    if extra_input:
        hidden = layers.Concatenate()([hidden, aux])
    output = layers.Dense(10, activation="softmax")(hidden)
    return keras.Model([x, aux], output)
'''


def test_what_code_run_with_its_defaults_leaves_out_is_not_called_unused(cli, write):
    """Nobody here calls ``build``: with its default it leaves ``aux`` unused, but a caller
    passing extra_input=True uses it. Called with that default, the input is unused for sure."""
    assert cli("check", "--format", "json", write(DEFAULTS_BRANCHES)).json() == []
    called = write(DEFAULTS_BRANCHES + "\nmodel = build()\n", "called.py")
    assert [f["code"] for f in cli("check", "--format", "json", called).json()] == ["KGL202"]


def test_a_dead_branch_in_an_uncalled_builder_without_branches_is_still_reported(cli, write):
    path = write('''
import keras
from keras import layers


def build(width=32):
    x = keras.Input(shape=(16,))
    merged = layers.Dense(width, activation="relu")(x)
    hidden = layers.Dense(64, activation="relu")(merged)
    output = layers.Dense(10, activation="softmax")(merged)
    return keras.Model(x, output)
''')
    assert [f["code"] for f in cli("check", "--format", "json", path).json()] == ["KGL201"]


def test_only_a_model_s_own_attributes_make_an_unknown_value_a_model(cli, write):
    """An OpenVINO node's ``x.output(0)`` (keras/src's backend) is a call, not a model's
    tensor; keras-tcn's ``self.layers_outputs`` is a list on the layer itself."""
    path = write('''
import keras
from keras import layers


def convert(x):
    return x.output(0).get_element_type()


class Stack(layers.Layer):
    def call(self, inputs):
        x = inputs
        for block in self.blocks:
            x = block(x)
            self.layers_outputs.append(x)
        return self.layers_outputs[-1]
''')
    stats = cli("summary", "--stats", "--format", "json", path).json()["stats"]
    assert not [r for r in stats["reasons"] if r["reason"].startswith("model ")]
    assert stats["layer_calls"] == 0


LOST = FIXTURES / "partial" / "lost_outputs.py"


def test_models_whose_outputs_are_lost_stay_models_with_what_is_known_as_keras_says(cli):
    """Heads made in a loop of unknown length, a layer made by code kgraphlint cannot
    follow, a subclassed model whose call() it cannot follow: each is a model, its known
    rows as Keras gives them (for the environment's defaults), the rest "?", its totals
    unknown. A row whose name is not known matches a Keras row of its class."""
    truth = by_name(json.loads(LOST.with_suffix(".expected.json").read_text()))
    models = by_name(cli("summary", "--format", "json", LOST).json())
    assert set(models) == set(truth)
    for name, model in models.items():
        assert model["total_params"] is None
        keras_rows = truth[name]["layers"]
        for row in model["layers"]:
            if row.get("opaque"):
                continue
            candidates = [r for r in keras_rows if r["class"] == row["class"]
                          and (r["name"] == row["name"] or row.get("name_certain") is False)]
            assert any(all(row[key] in ("?", None) or row[key] == r[key] for key in ("output_shape", "params"))
                       for r in candidates), (name, row)
    assert [row.get("opaque") for row in models["multi_task"]["layers"]][-1] == "outputs not followed"
    assert [row.get("opaque") for row in models["classifier"]["layers"]] == [None, "layer not followed", None]
    assert [row["params"] for row in models["pyramid"]["layers"]] == [144, None, None, None, 0]


def test_stats_say_where_a_model_s_outputs_were_lost(cli):
    stats, reasons = stats_and_reason_lines(cli, LOST)
    assert stats["models"] == stats["partial_models"] == 3 and stats["unextracted_models"] == []
    assert reasons["outputs of Model(...) not followed"] == "17"
    assert reasons["a layer of Sequential(...) not followed"] == "23"
    assert reasons["result of Pyramid.call() not followed"] == "46"  # pyramid(keras.Input(...))


def test_a_custom_layer_s_weights_are_those_its_build_builds_as_keras_counts_them(cli):
    """FeedForward builds its Dense sublayers explicitly in build() and runs them in a call()
    kgraphlint does not run (the layer states its own output shape): the weights are those
    builds', as Keras counts them (at c3b3a49: 0)."""
    path = FIXTURES / "partial" / "sublayers_in_call.py"
    [truth] = json.loads(path.with_suffix(".expected.json").read_text())
    [model] = cli("summary", "--format", "json", path).json()
    assert [(r["name"], r["params"]) for r in model["layers"]] == [(r["name"], r["params"]) for r in truth["layers"]]
    assert model["total_params"] == truth["total_params"]


def test_a_build_given_a_shape_per_tensor_leaves_the_weights_unknown_never_partial(cli):
    """Decoder.build(decoder_sequence_shape, encoder_sequence_shape=None) makes its
    cross-attention only for an encoder sequence; Keras hands it both shapes, kgraphlint
    would build from the first only, so the weights are unknown (at c3b3a49: 0; Keras 1,344)."""
    path = FIXTURES / "partial" / "two_tensor_build.py"
    [truth] = json.loads(path.with_suffix(".expected.json").read_text())
    [model] = cli("summary", "--format", "json", path).json()
    ours = {row["name"]: row["params"] for row in model["layers"]}
    assert {row["name"]: row["params"] for row in truth["layers"]}["decoder"] > 0 and ours["decoder"] is None
    assert model["total_params"] is None
