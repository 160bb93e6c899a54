"""`kgraphlint summary` against the truth real Keras wrote (scripts/generate_expected.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import FIXTURES

MODEL_FIXTURES = sorted((FIXTURES / "models").glob("*.py"))
#: models whose automatic names or output order are the point (not cross-checked with
#: --build: the build worker cannot rebuild attention called on two tensors yet)
NAMING_FIXTURES = sorted((FIXTURES / "naming").glob("*.py"))


def without_path(summaries: list[dict]) -> list[dict]:
    return [{k: v for k, v in s.items() if k != "path"} for s in summaries]


@pytest.mark.parametrize("fixture", MODEL_FIXTURES + NAMING_FIXTURES, ids=lambda p: p.stem)
def test_summary_matches_keras(cli, fixture):
    expected = json.loads(fixture.with_suffix(".expected.json").read_text())
    result = cli("summary", "--format", "json", fixture)
    assert result.code == 0, result.err
    assert without_path(result.json()) == expected


def test_every_fixture_has_keras_truth():
    assert len(MODEL_FIXTURES) >= 12
    for fixture in MODEL_FIXTURES:
        assert fixture.with_suffix(".expected.json").exists(), f"run scripts/generate_expected.py {fixture}"


def test_json_contract_fields(cli):
    [model] = cli("summary", "--format", "json", FIXTURES / "models" / "two_output_lstm.py").json()
    assert set(model) == {"path", "line", "name", "kind", "inputs", "outputs", "layers", "total_params",
                          "trainable_params", "non_trainable_params"}
    assert model["path"].endswith("two_output_lstm.py") and model["line"] == 13
    assert model["kind"] == "functional" and model["outputs"] == ["category", "tags"]
    for layer in model["layers"]:
        assert set(layer) == {"name", "class", "output_shape", "params", "trainable_params", "connected_to"}


def test_directory_is_searched_recursively(cli):
    summaries = cli("summary", "--format", "json", FIXTURES / "models").json()
    files = {s["path"].rsplit("/", 1)[-1] for s in summaries}
    assert {p.name for p in MODEL_FIXTURES} <= files


def test_table_output_shows_layers_and_totals(cli):
    result = cli("summary", "--no-color", FIXTURES / "models" / "mlp.py")
    assert result.code == 0
    for text in ("h1 (Dense)", "(None, 512)", "401,920", "Total params: 541,794", "mlp.py:10"):
        assert text in result.out


def test_static_path_never_imports_tensorflow_or_keras():
    code = (
        "import sys; from kgraphlint.cli import main; "
        f"main(['summary', '--format', 'json', {str(FIXTURES / 'models')!r}]); "
        "bad = [m for m in ('tensorflow', 'keras', 'tf_keras') if m in sys.modules]; "
        "sys.exit(f'imported {bad}' if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_bad_files_get_one_line_and_the_run_goes_on(cli, write, tmp_path):
    write("import keras\nx = (\n", "broken.py")
    (tmp_path / "latin1.py").write_bytes("import keras\n# caf\xe9\n".encode("latin-1"))
    write("print('no model here')\n", "plain.py")
    (tmp_path / "good.py").write_text((FIXTURES / "models" / "mlp.py").read_text())
    result = cli("summary", "--format", "json", tmp_path)
    assert result.code == 0
    assert [s["name"] for s in result.json()] == ["functional"]
    lines = result.err.strip().splitlines()
    assert len(lines) == 2
    assert "broken.py:2:" in result.err and "syntax error" in result.err
    assert "latin1.py" in result.err and "not UTF-8" in result.err
    assert "Traceback" not in result.err


MLP_VARIANTS = {
    "tf_keras_attribute": """
import tensorflow as tf
pixels = tf.keras.layers.Input(shape=(784,), name="pixels")
h1 = tf.keras.layers.Dense(512, activation="relu", name="h1")(pixels)
h2 = tf.keras.layers.Dense(216, activation="relu", name="h2")(h1)
h3 = tf.keras.layers.Dense(128, activation="relu", name="h3")(h2)
digit = tf.keras.layers.Dense(10, activation="softmax", name="digit")(h3)
model = tf.keras.models.Model(pixels, digit)
""",
    "module_alias": """
import keras.layers as L
from tensorflow.keras.models import Model
from keras.layers import Dense as D
pixels = L.Input(shape=(784,), name="pixels")
h1 = D(512, activation="relu", name="h1")(pixels)
h2 = L.Dense(216, activation="relu", name="h2")(h1)
h3 = D(128, activation="relu", name="h3")(h2)
digit = D(10, activation="softmax", name="digit")(h3)
model = Model(inputs=[pixels], outputs=[digit])
""",
    "keras2_paths": """
from keras.engine.input_layer import Input
from keras.layers.core import Dense
from keras.engine.training import Model
pixels = Input(shape=(784,), name="pixels")
h1 = Dense(512, activation="relu", name="h1")(pixels)
h2 = Dense(216, activation="relu", name="h2")(h1)
h3 = Dense(128, activation="relu", name="h3")(h2)
digit = Dense(10, activation="softmax", name="digit")(h3)
model = Model(outputs=digit, inputs=pixels)
""",
    "helpers_and_arithmetic": """
from tensorflow import keras
from keras import layers
WIDTHS = [512, 216, 128]
def stack(x, widths):
    for i, width in enumerate(widths):
        x = layers.Dense(width, activation="relu", name=f"h{i + 1}")(x)
    return x
pixels = keras.Input(shape=(28 * 28,), name="pixels")
digit = layers.Dense(100 // 10, activation="softmax", name="digit")(stack(pixels, WIDTHS))
model = keras.Model(pixels, digit)
""",
}


@pytest.mark.parametrize("variant", sorted(MLP_VARIANTS))
def test_import_styles_reach_the_same_model(cli, write, variant):
    """Each spelling builds the MLP fixture's model; Keras's truth for it applies to all."""
    [expected] = json.loads((FIXTURES / "models" / "mlp.expected.json").read_text())
    [model] = cli("summary", "--format", "json", write(MLP_VARIANTS[variant])).json()
    for key in ("layers", "total_params", "trainable_params", "inputs", "outputs"):
        assert model[key] == expected[key], key


def test_unknown_values_stay_unknown(cli, write):
    path = write("""
import keras
from keras import layers
width = int(open("config.txt").read())
inp = keras.Input(shape=(None, 8))
x = layers.Dense(width)(inp)
x = layers.LSTM(4)(x)
model = keras.Model(inp, x)
""")
    [model] = cli("summary", "--format", "json", path).json()
    dense, lstm = model["layers"][1:]
    assert dense["output_shape"] == [None, None, "?"] and dense["params"] is None
    assert lstm["output_shape"] == [None, 4] and lstm["params"] is None
    assert model["total_params"] is None


def test_stats_say_where_shapes_were_lost(cli, write):
    path = write('''
import sys
import keras
from keras import layers
import mystery

inputs = keras.Input(shape=(28, 28, 1))
x = layers.Conv2D(8, 3)(inputs)
x = mystery.block(x)
x = layers.Flatten()(x)
if sys.argv[1:]:
    x = layers.Dense(32)(x)
outputs = layers.Dense(10)(x)
model = keras.Model(inputs, outputs)
''')
    result = cli("summary", "--stats", "--format", "json", path)
    assert result.code == 0, result.err
    stats = result.json()["stats"]
    assert set(stats) == {"files", "models", "partial_models", "layer_calls", "fully_known", "fully_known_share",
                          "reasons", "unextracted_models"}
    # The model is still a model, partly seen: Conv2D is known; the opaque call, what follows
    # it, the branch's Dense and the node that joins the two branches are not.
    assert (stats["files"], stats["models"], stats["partial_models"]) == (1, 1, 1)
    assert (stats["layer_calls"], stats["fully_known"]) == (6, 1)
    reasons = {r["reason"]: r for r in stats["reasons"]}
    assert reasons["opaque call mystery.block"]["example"] == f"{path}:9"
    table = cli("summary", "--stats", "--no-color", path).out
    assert "Models:       1 (1 partly seen)" in table and "Fully known:  1 (16.7%)" in table
    assert "opaque call mystery.block" in table
    model = cli("summary", "--format", "json", path).json()[0]
    rows = [(row["name"], row["class"], row.get("opaque")) for row in model["layers"]]
    assert rows[2] == ("?", "mystery.block", "mystery.block") and model["total_params"] is None
    assert rows[-2] == ("?", "undecided branch", "undecided branch")


def test_stats_name_unsupported_layers_and_undecided_branches(cli, write):
    path = write('''
import os
import keras
from keras import layers

inputs = keras.Input(shape=(16,))
x = layers.Dense(8)(inputs)
y = layers.EinsumDense("ab,bc->ac", output_shape=4)(x)
if os.environ.get("WIDE"):
    x = layers.Dense(64)(x)
model = keras.Model(inputs, [x, y])
''')
    stats = cli("summary", "--stats", "--format", "json", path).json()["stats"]
    reasons = [r["reason"] for r in stats["reasons"]]
    assert f"undecided branch at {path}:9" in reasons
    assert "unsupported layer EinsumDense" in reasons
    # Dense(8), EinsumDense, the branch's Dense(64), and the node joining the branches
    assert stats["layer_calls"] == 4 and stats["fully_known"] == 2 and stats["partial_models"] == 1


def test_keras2_embedding_input_length_builds_the_sequential(cli, write):
    """tf_keras turns Embedding(input_length=n) into the model's input (n,); Keras 3 ignores
    input_length (the model stays unbuilt, as Keras 3 leaves it)."""
    layers = "layers.Embedding(1000, 64, input_length=10), layers.LSTM(32), layers.Dense(1)"
    legacy = write(f"from tf_keras import layers, Sequential\nmodel = Sequential([{layers}])\n", "legacy.py")
    modern = write(f"from keras import layers, Sequential\nmodel = Sequential([{layers}])\n", "modern.py")
    explicit = write("from keras import Input, layers, Sequential\n"
                     f"model = Sequential([Input((10,)), {layers}])\n", "explicit.py")
    [built] = cli("summary", "--format", "json", legacy).json()
    [reference] = cli("summary", "--format", "json", explicit).json()
    assert [(r["output_shape"], r["params"]) for r in built["layers"]] == [
        (r["output_shape"], r["params"]) for r in reference["layers"]]
    # Keras 3 lists the unbuilt Sequential's layers with no shapes
    [unbuilt] = cli("summary", "--format", "json", modern).json()
    assert {r["output_shape"] for r in unbuilt["layers"]} == {"?"}


def test_a_model_thousands_of_layers_deep_is_summarised(cli, write):
    """The graph walk must not recurse once per layer (Python's limit is 1,000 frames)."""
    body = "\n".join("x = layers.Dense(8)(x)" for _ in range(3000))
    path = write(f"import keras\nfrom keras import layers\nx = inputs = keras.Input((8,))\n{body}\n"
                 "model = keras.Model(inputs, x)\n")
    result = cli("summary", "--format", "json", path)
    assert result.code == 0, result.err
    [model] = result.json()
    assert len(model["layers"]) == 3001 and model["layers"][-1]["output_shape"] == [None, 8]
    assert cli("check", "--no-cache", "--select", "KGL1,KGL2", path).code == 0


def test_no_models_found_says_what_was_seen_and_why(cli, write):
    path = write("""
import keras
from keras import layers
model = keras.Sequential([layers.Dense(8, activation="relu"), layers.Dense(1)])
model.compile("adam", "mse")


class Tower(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(4)

    def call(self, inputs):
        return self.dense(inputs)


tower = Tower()
""")
    # The unbuilt models are listed as Keras's summary lists them (their layers, no shapes)
    listed = cli("summary", "--format", "json", path).json()
    assert [(m["line"], m["kind"]) for m in listed] == [(4, "sequential"), (17, "subclassed")]
    assert {r["output_shape"] for m in listed for r in m["layers"]} == {"?"}
    stats = cli("summary", "--stats", "--format", "json", path).json()["stats"]
    assert stats["unextracted_models"] == [] and stats["models"] == stats["partial_models"] == 2
    unseen = write("""
import keras
from keras import layers
from mystery import make_inputs
inputs = make_inputs()
model = keras.Model(inputs, layers.Dense(1)(inputs))
""", "unseen.py")
    text = cli("summary", "--no-color", unseen).out
    assert "No Keras models found." in text
    assert f"{unseen}:6: Functional model 'functional': its inputs or outputs are not all tensors" in text


def test_a_built_in_layer_subclass_whose_build_is_not_followed_has_unknown_weights(cli, write):
    """Its build() adds a weight of a size kgraphlint cannot compute: the count is unknown,
    not the Dense's alone (fixtures/models/builtin_overrides.py has the followed cases, with
    Keras's truth). The shape is the Dense's: Keras 3 takes it from compute_output_shape."""
    path = write('''
import keras
from keras import layers
from mystery import extra_width


class Widened(layers.Dense):
    def build(self, input_shape):
        super().build(input_shape)
        self.extra = self.add_weight(shape=(extra_width(),))


inputs = keras.Input(shape=(8,))
model = keras.Model(inputs, Widened(4)(inputs))
''')
    [model] = cli("summary", "--format", "json", path).json()
    widened = model["layers"][1]
    assert (widened["name"], widened["class"]) == ("widened", "Widened")
    assert widened["output_shape"] == [None, 4]
    assert widened["params"] is None and model["total_params"] is None


def test_a_custom_layer_whose_call_is_partly_unfollowed_has_unknown_weights(cli, write):
    """keras.io's TokenAndPositionEmbedding with its positions made by a function kgraphlint
    does not read: the position embedding's call is not seen, so the count is unknown, never
    the token embedding's alone (fixtures/models/position_embedding.py is the followed one)."""
    program = (FIXTURES / "models" / "position_embedding.py").read_text()
    program = program.replace("ops.arange(start=0, stop=maxlen, step=1)", "mystery.positions(maxlen)")
    assert "mystery.positions" in program
    [model] = cli("summary", "--format", "json", write("import mystery\n" + program)).json()
    embedding = model["layers"][1]
    assert embedding["class"] == "TokenAndPositionEmbedding"
    assert embedding["params"] is None and model["total_params"] is None
