"""Idioms of real library code that the corpus benchmark (benchmarks/corpus.py) measures,
each read as Keras reads it; truth from the fixtures' expected files (real Keras)."""

from __future__ import annotations

import json
import textwrap

from conftest import FIXTURES, ROOT

SQUEEZE_EXCITE_TF_KERAS = """
import tensorflow.compat.v2 as tf
from tf_keras.src.engine import training
from tf_keras.src.layers import VersionAwareLayers

layers = VersionAwareLayers()
inputs = layers.Input(shape=(16, 16, 8))
x = layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
se = layers.GlobalAveragePooling2D(keepdims=True)(x)
se = layers.Conv2D(2, 1, activation="relu")(se)
se = layers.Conv2D(8, 1, activation="sigmoid")(se)
x = tf.math.multiply(se, x)
x = layers.GlobalAveragePooling2D()(x)
outputs = layers.Dense(3, activation="softmax")(x)
model = training.Model(inputs, outputs, name="se_block")
"""


def rows(model: dict) -> list[tuple]:
    return [(row["output_shape"], row["params"]) for row in model["layers"]]


def test_tf_keras_applications_layers_and_tensorflow_compat_v2(cli, write):
    """tf_keras's applications reach layers through ``VersionAwareLayers()`` and TensorFlow
    through ``tensorflow.compat.v2``; a TensorFlow function on tf_keras tensors is a
    TFOpLambda layer (Keras 2), whatever Keras the program is read as. The same block in
    Keras 3, with a Multiply layer, gives the same shapes and weights."""
    [expected] = json.loads((FIXTURES / "models" / "squeeze_excite.expected.json").read_text())
    [model] = cli("summary", "--format", "json", write(SQUEEZE_EXCITE_TF_KERAS)).json()
    assert rows(model) == rows(expected)
    assert model["total_params"] == expected["total_params"]
    assert [row["class"] for row in model["layers"]][5] == "TFOpLambda"
    stats = cli("summary", "--stats", "--format", "json", write(SQUEEZE_EXCITE_TF_KERAS)).json()["stats"]
    assert stats["fully_known"] == stats["layer_calls"]


def test_tensorflow_functions_on_keras3_tensors_make_no_layer(cli, write):
    """Keras 3 refuses a TensorFlow function on its symbolic tensors (no TFOpLambda there):
    nothing past it is made up. The model is what is known up to there, its outputs one
    opaque node fed by the tensors that went into the TensorFlow function, its totals
    unknown; --stats says where it was lost and why."""
    program = SQUEEZE_EXCITE_TF_KERAS.replace(
        "from tf_keras.src.engine import training\nfrom tf_keras.src.layers import VersionAwareLayers\n\n"
        "layers = VersionAwareLayers()", "import keras as training\nfrom keras import layers")
    path = write(program)
    [expected] = json.loads((FIXTURES / "models" / "squeeze_excite.expected.json").read_text())
    [model] = cli("summary", "--format", "json", path).json()
    assert rows(model)[:5] == rows(expected)[:5]  # the Input, a Conv2D, the squeeze and excitation
    assert [row["class"] for row in model["layers"]][5:] == ["outputs not followed"]
    assert model["layers"][5]["connected_to"] == ["conv2d", "conv2d_2"]
    assert model["total_params"] is None
    stats = cli("summary", "--stats", "--format", "json", path).json()["stats"]
    assert stats["unextracted_models"] == []
    assert stats["reasons"][0]["reason"].startswith("tensorflow.math.multiply on Keras 3 tensors")
    assert cli("check", "--format", "json", path).json() == []


def test_an_unseen_call_s_result_used_as_a_number_is_no_dead_branch(cli, write):
    """``static_shape(x)[-1] * 2`` sizes a layer: what the unseen call returned may be no
    tensor, so indexing and arithmetic on it are no dead graph nodes (main called them an
    unused branch); the model stays, with the unknown width unknown."""
    program = write("""
import keras
from keras import layers
from mystery import static_shape


def block(x):
    channels = static_shape(x)[-1]
    x = layers.Conv2D(int(channels * 2), 1)(x)
    return layers.ReLU()(x)


inputs = keras.Input(shape=(8, 8, 4))
outputs = layers.GlobalAveragePooling2D()(block(inputs))
model = keras.Model(inputs, outputs)
""")
    result = cli("check", "--no-cache", "--format", "json", program)
    assert result.json() == []
    [model] = cli("summary", "--format", "json", program).json()
    assert [row["output_shape"] for row in model["layers"]][:1] == [[None, 8, 8, 4]]
    assert model["total_params"] is None


def test_keras2_int_shape_is_the_static_shape(cli, write):
    """tf_keras's applications size layers by ``backend.int_shape(x)[axis]``."""
    program = write("""
from tf_keras import backend, layers, Model

inputs = layers.Input(shape=(8, 8, 4))
x = layers.Conv2D(backend.int_shape(inputs)[-1] * 2, 1)(inputs)
model = Model(inputs, x)
""")
    reference = write("""
import keras
from keras import layers

inputs = keras.Input(shape=(8, 8, 4))
model = keras.Model(inputs, layers.Conv2D(8, 1)(inputs))
""", "reference.py")
    [model] = cli("summary", "--format", "json", program).json()
    [expected] = cli("summary", "--format", "json", reference).json()
    assert rows(model) == rows(expected) and model["total_params"] == expected["total_params"] is not None


def test_a_model_class_s_init_is_analysed_once_with_its_instance(cli, write):
    """A keras.Model subclass nobody in the file makes (a keras-hub backbone) is analysed
    with its defaults, ``self`` its instance; main ran its methods a second time with
    ``self`` unknown, so every ``self.layer(x)`` also counted as an opaque call (and
    keras-hub's PaliGemma vision model was listed twice). A method no instance runs is
    still analysed."""
    program = write("""
import keras
from keras import layers


class Block(layers.Layer):
    def __init__(self, units=8, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(units)

    def call(self, x):
        return self.dense(x)


class Net(keras.Model):
    def __init__(self, hidden_dim=8, **kwargs):
        self.block = Block(hidden_dim)
        inputs = keras.Input(shape=(4,))
        outputs = self.block(inputs)
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)

    def head(self):
        inputs = keras.Input(shape=(4,))
        return keras.Model(inputs, layers.Dense(2)(inputs), name="head")
""")
    stats = cli("summary", "--stats", "--format", "json", program).json()["stats"]
    assert stats["reasons"] == [] and stats["fully_known"] == stats["layer_calls"]
    models = cli("summary", "--format", "json", program).json()
    assert sorted(m["name"] for m in models) == ["head", "net?"]


UNSEEN_ENCODER = """
import keras
from keras import layers
from mystery import pyramid


class Encoder(layers.Layer):
    def __init__(self, units=8, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(units)

    def call(self, x):
        return pyramid(self.dense(x))


inputs = keras.Input(shape=(4,))
x, features = Encoder()(inputs)
stages = Encoder()(inputs)
y = layers.Dense(3)(stages[1])
x = layers.LayerNormalization()(x)
outputs = layers.Dense(2)(layers.Concatenate()([x, y]))
model = keras.Model(inputs, outputs)
"""


def test_a_custom_layer_whose_result_is_not_seen_may_return_several_tensors(cli, write):
    """``x, features = self.encoder(x)`` and ``stages[1]`` on a custom layer whose call()
    returns what kgraphlint could not see (keras-hub's DINOV2 and HGNetV2 backbones): each
    item is an opaque node fed by the layer, so the model is still a model, partly seen,
    its unknown shapes and counts unknown; main dropped it."""
    path = write(UNSEEN_ENCODER)
    [model] = cli("summary", "--format", "json", path).json()
    rows = {row["name"]: row for row in model["layers"]}
    assert rows["input_layer"]["output_shape"] == [None, 4]
    assert all(row["output_shape"] == "?" for name, row in rows.items() if name != "input_layer")
    assert model["total_params"] is None
    # both branches reach the output through the layers kgraphlint knows
    [merge] = [row for row in model["layers"] if row["class"] == "Concatenate"]
    assert [rows[name]["class"] for name in merge["connected_to"]] == ["LayerNormalization", "Dense"]
    assert cli("check", "--no-cache", "--format", "json", path).json() == []


def test_an_unbuilt_sequential_is_listed_as_keras_lists_it(cli):
    """A Sequential with no input shape that nothing builds is listed with its layers, no
    shapes and unbuilt weights, as Keras's summary prints it (truth: the fixture's expected
    file, from Keras)."""
    fixture = FIXTURES / "models" / "unbuilt_sequential.py"
    expected = json.loads(fixture.with_suffix(".expected.json").read_text())
    got = cli("summary", "--format", "json", fixture).json()
    assert [{k: v for k, v in m.items() if k != "path"} for m in got] == expected
    stats = cli("summary", "--stats", "--format", "json", fixture).json()["stats"]
    assert stats["models"] == stats["partial_models"] == 2 and stats["unextracted_models"] == []


BLOCK_WITH_SEQUENTIAL = """
import keras
from keras import layers


class Aspp(layers.Layer):
    def __init__(self, channels=8, **kwargs):
        super().__init__(**kwargs)
        self.channels = channels

    def build(self, input_shape):
        self.branch = keras.Sequential([layers.Conv2D(self.channels, 1), layers.BatchNormalization()])

    def call(self, x):
        return self.branch(x)
"""


def test_a_sequential_a_layer_may_build_is_not_called_unbuilt(cli, write):
    """keras-hub's layers make Sequentials in build() and call them in call(): Keras builds
    one when the layer is built, so its layers are listed with their shapes and weights
    unknown, never as unbuilt zeros; so too when the layer is called on a tensor whose shape
    kgraphlint does not know."""
    [listed] = cli("summary", "--format", "json", write(BLOCK_WITH_SEQUENTIAL)).json()
    assert listed["kind"] == "sequential" and listed["line"] == 12
    assert [(r["class"], r["output_shape"], r["params"]) for r in listed["layers"]] == [
        ("Conv2D", "?", None), ("BatchNormalization", "?", None)]
    assert listed["total_params"] is None
    called = BLOCK_WITH_SEQUENTIAL + """
from mystery import stem
inputs = keras.Input(shape=(16, 16, 3))
model = keras.Model(inputs, Aspp()(stem(inputs)))
"""
    path = write(called, "called.py")
    models = cli("summary", "--format", "json", path).json()
    assert sorted(m["kind"] for m in models) == ["functional", "sequential"]
    assert all(r["params"] is None for m in models if m["kind"] == "sequential" for r in m["layers"])
    assert cli("check", "--no-cache", "--format", "json", path).json() == []


def test_an_unbuilt_subclassed_model_is_listed_as_keras_lists_it(cli, write):
    """A keras.Model subclass made and never called nor fed (flux's and SAM's building
    blocks): its tracked layers, unbuilt (truth: the fixture's expected file, from Keras).
    Called on what kgraphlint could not follow, Keras builds it: its weights unknown."""
    fixture = FIXTURES / "models" / "unbuilt_subclassed.py"
    expected = json.loads(fixture.with_suffix(".expected.json").read_text())
    got = cli("summary", "--format", "json", fixture).json()
    assert [{k: v for k, v in m.items() if k != "path"} for m in got] == expected
    called = write(fixture.read_text() + "\nfrom mystery import features\ntower(features())\n")
    [model] = cli("summary", "--format", "json", called).json()
    assert model["total_params"] is None
    assert [r["params"] for r in model["layers"] if r["class"] == "Dense"] == [None, None]


def test_attention_masks_by_keyword_and_returned_scores(cli):
    """``MultiHeadAttention(...)(query=q, value=v, attention_mask=m,
    return_attention_scores=True)``: the mask feeds the call but gives no shape, and the
    (output, scores) pair unpacks; main lost both. Truth from Keras (the fixture's file)."""
    fixture = FIXTURES / "models" / "attention_masks_and_scores.py"
    expected = json.loads(fixture.with_suffix(".expected.json").read_text())
    got = cli("summary", "--format", "json", fixture).json()
    assert [{k: v for k, v in m.items() if k != "path"} for m in got] == expected
    assert cli("check", "--no-cache", "--format", "json", fixture).json() == []


def test_a_backbone_with_a_dict_of_outputs_called_as_a_layer_returns_the_dict(cli):
    """``backbone(inputs)["pooled_output"]``, the head a keras-hub README puts on a
    backbone: main lost the head (the call gave a list). Truth from Keras (the fixture)."""
    fixture = FIXTURES / "models" / "dict_outputs_head.py"
    expected = json.loads(fixture.with_suffix(".expected.json").read_text())
    got = cli("summary", "--format", "json", fixture).json()
    assert [{k: v for k, v in m.items() if k != "path"} for m in got] == expected


def test_reversible_embedding_forwards_and_in_reverse(cli, write):
    """keras.layers.ReversibleEmbedding (keras-hub's token embeddings): forwards an
    Embedding, its weights doubled without tie_weights (truth: the fixture, from Keras);
    called with reverse=True its shape is left unknown, not made up."""
    fixture = FIXTURES / "models" / "reversible_embedding.py"
    expected = json.loads(fixture.with_suffix(".expected.json").read_text())
    got = cli("summary", "--format", "json", fixture).json()
    assert [{k: v for k, v in m.items() if k != "path"} for m in got] == expected
    program = write("""
import keras
from keras import layers

tokens = keras.Input(shape=(10,), dtype="int32")
embedding = layers.ReversibleEmbedding(50, 8)
hidden = layers.Dense(8)(embedding(tokens))
model = keras.Model(tokens, embedding(hidden, reverse=True))
""")
    [model] = cli("summary", "--format", "json", program).json()
    # a shared layer's row shows its last call (Keras: the reverse projection's shape)
    assert [r["output_shape"] for r in model["layers"] if r["class"] == "ReversibleEmbedding"] == ["?"]


INJECTED_MODULES = '''
from keras_applications import get_submodules_from_kwargs

layers = None
models = None


def conv_block(filters):
    def wrapper(x):
        return layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    return wrapper


def TinyNet(input_shape=(32, 32, 3), classes=10, **kwargs):
    global layers, models
    _, layers, models, _ = get_submodules_from_kwargs(kwargs)
    inputs = layers.Input(shape=input_shape)
    x = conv_block(16)(inputs)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(classes, activation="softmax")(x)
    return models.Model(inputs, outputs)
'''


def test_keras_modules_injected_by_get_submodules_from_kwargs_into_globals(cli, write):
    """segmentation_models and classification_models take Keras's modules from
    keras-applications' ``get_submodules_from_kwargs(kwargs)`` and keep them in module
    globals (``global layers``) that their blocks read: the model is the one the same code
    builds with ``from keras import layers, models``."""
    injected = cli("summary", "--format", "json", write(INJECTED_MODULES)).json()
    plain = INJECTED_MODULES.replace("from keras_applications import get_submodules_from_kwargs",
                                     "from keras import layers as keras_layers, models as keras_models")
    plain = plain.replace("_, layers, models, _ = get_submodules_from_kwargs(kwargs)",
                          "layers, models = keras_layers, keras_models")
    expected = cli("summary", "--format", "json", write(plain, "plain.py")).json()
    assert len(injected) == 1 and injected[0]["total_params"] is not None
    assert [{k: v for k, v in m.items() if k != "path"} for m in injected] == \
        [{k: v for k, v in m.items() if k != "path"} for m in expected]


ARGPARSE_SCRIPT = '''
import argparse

import keras
from keras import layers

parser = argparse.ArgumentParser(description="train a classifier")
parser.add_argument("--hidden-units", type=int, default=64)
parser.add_argument("--dropout", type=float, default="0.25")
parser.add_argument("--classes", dest="num_classes", type=int, default=10)
parser.add_argument("--no-batchnorm", action="store_true")
group = parser.add_argument_group("data")
group.add_argument("--features", type=int, default=20)
args = parser.parse_args()
if args.features < 1:
    raise SystemExit("no features")

inputs = keras.Input(shape=(args.features,))
x = layers.Dense(args.hidden_units, activation="relu")(inputs)
if not args.no_batchnorm:
    x = layers.BatchNormalization()(x)
x = layers.Dropout(args.dropout)(x)
outputs = layers.Dense(args.num_classes, activation="softmax")(x)
model = keras.Model(inputs, outputs)
'''
ARGPARSE_PLAIN = {"args.features": "20", "args.hidden_units": "64", "args.no_batchnorm": "False",
                  "args.dropout": "0.25", "args.num_classes": "10"}


def test_argparse_options_are_their_defaults_as_in_a_plain_run(cli, write):
    """``python train.py`` with no arguments: each option is its default (a string default
    converted by type=, as argparse does); the model is the one the literal values build."""
    plain = ARGPARSE_SCRIPT
    for name, value in ARGPARSE_PLAIN.items():
        plain = plain.replace(name, value)
    got = cli("summary", "--format", "json", write(ARGPARSE_SCRIPT)).json()
    expected = cli("summary", "--format", "json", write(plain, "plain.py")).json()
    assert got[0]["total_params"] is not None
    assert [{k: v for k, v in m.items() if k != "path"} for m in got] == \
        [{k: v for k, v in m.items() if k != "path"} for m in expected]


def test_argparse_options_a_plain_run_does_not_decide_stay_unknown(cli, write):
    """Arguments given on purpose, a required option, and an option set in code that may not
    run are not the defaults."""
    for change in ('parser.parse_args()', 'parser.parse_args(["--hidden-units", "8"])'), (
            'default=64)', 'default=64, required=True)'):
        [model] = cli("summary", "--format", "json", write(ARGPARSE_SCRIPT.replace(*change))).json()
        assert model["total_params"] is None, change
    overridden = ARGPARSE_SCRIPT.replace("args = parser.parse_args()\n",
                                         "args = parser.parse_args()\nargs.hidden_units = 32\n")
    [model] = cli("summary", "--format", "json", write(overridden)).json()
    assert model["layers"][1]["output_shape"] == [None, 32]


def test_a_reshape_to_the_symbolic_batch_size_keeps_the_other_dimensions(cli):
    """keras.io's ViT ``Patches`` layer reshapes to ``(ops.shape(images)[0], n, size)``: the
    batch size is None symbolically, which Keras 3's reshape keeps as None (truth: the
    corpus program's Keras summary)."""
    program = ROOT / "benchmarks" / "corpus_programs" / "vit_patches.py"
    expected = json.loads(program.with_suffix(".expected.json").read_text())[0]
    [model] = [m for m in cli("summary", "--format", "json", program).json() if m["name"] == expected["name"]]
    rows = {row["name"]: row for row in model["layers"]}
    assert rows["patches"] == next(row for row in expected["layers"] if row["name"] == "patches")


def test_a_transformer_block_with_a_position_embedding_counts_as_keras_does(cli):
    """keras.io's text-classification transformer: the position embedding's ``ops.arange``
    is a constant tensor; the feed-forward Sequential called inside the block counts once,
    as itself; the Dropout MultiHeadAttention makes inside the block uses up a name (truth:
    the corpus program's Keras summary)."""
    program = ROOT / "benchmarks" / "corpus_programs" / "transformer_text_classifier.py"
    expected = json.loads(program.with_suffix(".expected.json").read_text())
    got = {m["name"]: m for m in cli("summary", "--format", "json", program).json()}
    functional = next(m for m in expected if m["name"] == "functional_1")
    assert {k: v for k, v in got["functional_1"].items() if k != "path"} == functional


def test_a_builder_run_with_its_defaults_gets_no_kwargs(cli, write):
    """tf_keras's applications pick their layers module with ``if "layers" in kwargs``; run
    with its defaults (nobody here calls it), a builder's ``**kwargs`` are empty as in a
    plain call, so the model is the one ``SENet()`` builds, equal to real Keras. Spread into
    a layer they still hide arguments: no "missing argument" from ``Dense(**kwargs)``."""
    header, block = SQUEEZE_EXCITE_TF_KERAS.split("layers = VersionAwareLayers()\n")
    block = block.replace('model = training.Model(inputs, outputs, name="se_block")',
                          'return training.Model(inputs, outputs, name=kwargs.get("name", "se_block"))')
    program = header + """layers = None


def dense(x, **kwargs):
    return layers.Dense(**kwargs)(x)


def SENet(**kwargs):
    global layers
    if "layers" in kwargs:
        layers = kwargs.pop("layers")
    else:
        layers = VersionAwareLayers()
""" + textwrap.indent(block, "    ")
    path = write(program)
    [expected] = json.loads((FIXTURES / "models" / "squeeze_excite.expected.json").read_text())
    [model] = cli("summary", "--format", "json", path).json()
    assert model["name"] == "se_block"
    assert rows(model) == rows(expected)
    assert model["total_params"] == expected["total_params"]
    assert cli("check", "--no-cache", "--format", "json", path).json() == []


def test_an_undecided_conditional_expression_keeps_the_model(cli, write):
    """``a if test else b`` with a test not known runs both arms: the layers either makes are
    seen, the value is an opaque node fed by both, and a bug after it is still found."""
    path = write('''
import keras
from keras import layers


def head(backbone, flag, index):
    inputs = keras.Input(shape=(16,))
    x = layers.Dense(8)(inputs) if flag else layers.Dense(8, activation="relu")(inputs)
    x = layers.Conv2D(4, 3)(x)
    return keras.Model(inputs, x)


def pyramid_head(backbone, index):
    x = (backbone.get_layer(name=index).output if isinstance(index, str)
         else backbone.get_layer(index=index).output)
    x = layers.Conv2D(4, 3, name="head_conv")(x)
    return keras.Model(backbone.input, x)
''')
    findings = cli("check", "--no-cache", "--format", "json", path).json()
    assert [(f["code"], f["line"]) for f in findings] == [("KGL103", 9)]
    models = cli("summary", "--format", "json", path).json()
    assert [[row["class"] for row in m["layers"]] for m in models][0] == [
        "InputLayer", "Dense", "Dense", "undecided branch", "Conv2D"]
    assert "head_conv" in [row["name"] for row in models[1]["layers"]]
    stats = cli("summary", "--stats", "--format", "json", path).json()["stats"]
    assert any(r["reason"].startswith("undecided branch at ") for r in stats["reasons"])


def test_a_tensorflow_constant_from_python_numbers_broadcasts_like_an_array(cli, write):
    """tf_keras's EfficientNet scales its input by ``tf.reshape`` of a Python list: a
    constant, not a tensor of the graph, shaped as NumPy's reshape shapes it. The TFOpLambda
    keeps the image's shape, so everything after it is known, as with the NumPy array."""
    scale = "x = tf.math.multiply(inputs, {}.reshape([1.0 / math.sqrt(s) for s in [0.2] * 8], [1, 1, 1, 8]))\n"
    program = SQUEEZE_EXCITE_TF_KERAS.replace("import tensorflow", "import math\n\nimport numpy as np\nimport tensorflow")
    program = program.replace("(inputs)\nse", "(x)\nse").replace("x = layers.Conv2D(8, 3", scale.format("tf") + "x = layers.Conv2D(8, 3")
    [expected] = json.loads((FIXTURES / "models" / "squeeze_excite.expected.json").read_text())
    [model] = cli("summary", "--format", "json", write(program)).json()
    assert [row["class"] for row in model["layers"]][1] == "TFOpLambda"
    assert model["layers"][1]["output_shape"] == expected["layers"][0]["output_shape"]
    assert rows(model)[:1] + rows(model)[2:] == rows(expected)
    assert model["total_params"] == expected["total_params"]
    [with_numpy] = cli("summary", "--format", "json", write(program.replace("tf.reshape(", "np.reshape("))).json()
    assert rows(with_numpy) == rows(model)


def test_an_input_shape_only_a_caller_gives_is_a_reason_in_stats(cli, write):
    """image-classifiers' builders default to ``input_shape=None``, which keras.Input refuses:
    run with their defaults (nobody here calls them) they raise there and build nothing, so
    no model with shapes that are not Keras's is shown; --stats says why, nothing is
    reported, and a caller that gives the shape gets its model checked."""
    builder = textwrap.dedent("""
        import keras
        from keras import layers


        def tower(input_shape=None, width=32, classes=10):
            inputs = keras.Input(shape=input_shape, name="data")
            x = layers.Dense(64, activation="relu")(inputs)
            x = layers.Dense(width, activation="relu")(x)
            return keras.Model(inputs, layers.Dense(classes, activation="softmax")(x))
        """)
    path = write(builder)
    stats = cli("summary", "--stats", "--format", "json", path).json()["stats"]
    assert stats["models"] == 0 and stats["layer_calls"] == 0
    assert [r["reason"] for r in stats["reasons"]] == [
        "Input(shape=None), which Keras refuses: the shape is its callers'"]
    assert cli("check", "--format", "json", path).json() == []
    called = write(builder + "\n\nmodel = tower((16,))\n")
    [model] = cli("summary", "--format", "json", called).json()
    assert model["total_params"] is not None and "?" not in [row["output_shape"] for row in model["layers"]]


def test_a_sequential_of_layers_not_followed_is_a_model_with_what_it_holds_unknown(cli, write):
    """keras/src's clone_model builds ``Sequential([clone_function(layer) for layer in
    model.layers])``: however many layers that is, the model is extracted with one opaque
    row for them, and a layer after them may be built by an Input among them, so its
    weights are not 0 "unbuilt" but unknown. A file with no layer calls is not "100%
    known"."""
    path = write(textwrap.dedent("""
        import keras
        from keras import layers


        def clone(model, clone_function):
            copied = keras.Sequential([clone_function(layer) for layer in model.layers], name="copied")
            copied.add(layers.Dense(3, name="logits"))
            return copied
        """))
    [model] = cli("summary", "--format", "json", path).json()
    assert (model["name"], model["kind"]) == ("copied", "sequential")
    assert [(row.get("opaque"), row["params"]) for row in model["layers"]] == [
        ("layers not followed", None), (None, None)]
    assert model["total_params"] is None
    stats = cli("summary", "--stats", path).out
    assert "layers of Sequential(...) not followed" in stats and "Fully known:  0 (no layer calls)" in stats
    assert cli("check", "--format", "json", path).json() == []


def test_code_after_a_raise_does_not_run_and_a_try_keeps_only_what_every_way_agrees_on(cli, write):
    """``else: raise`` leaves the one branch that does not raise (the layers after it are
    known); ``except KeyError: width = 64`` does not make the width 64 (it is 64 only when
    WIDTH is not set); an import fallback still binds Keras."""
    path = write(textwrap.dedent("""
        import os

        try:
            from tensorflow import keras
        except ImportError:
            import keras
        from keras import layers

        try:
            width = int(os.environ["WIDTH"])
        except KeyError:
            width = 64


        def stem(x, kind):
            if kind == "conv":
                x = layers.Conv2D(8, 3, name="stem_conv")(x)
            else:
                raise ValueError(kind)
            return layers.BatchNormalization(name="stem_bn")(x)


        inputs = keras.Input((16, 16, 3))
        x = stem(inputs, os.environ.get("STEM", "conv"))
        x = layers.GlobalAveragePooling2D(name="pool")(x)
        model = keras.Model(inputs, layers.Dense(width, name="head")(x))
        """))
    [model] = cli("summary", "--format", "json", path).json()
    rows = {row["name"]: row for row in model["layers"]}
    # the shapes' values are Keras's in fixtures/models/raising_guards.py; here: known or not
    assert "?" not in rows["stem_bn"]["output_shape"] + rows["pool"]["output_shape"]
    assert rows["head"]["params"] is None and rows["head"]["output_shape"][-1] == "?"


def test_a_guard_refusing_guessed_defaults_does_not_stop_their_run_but_a_call_that_raises_does(cli, write):
    """keras-hub's CSPNetBackbone raises when ``stage_type`` keeps its default None: run with
    its defaults (nobody here calls it) the guard is not what callers meet, so the model
    after it is still extracted and checked; a program that calls it so gets no model,
    as Keras gives none."""
    builder = textwrap.dedent("""
        import keras
        from keras import layers


        def backbone(stage_type=None, width=16):
            if stage_type not in ("dark", "csp"):
                raise ValueError(f"unknown stage_type {stage_type}")
            inputs = keras.Input((8,), name="features")
            return keras.Model(inputs, layers.Dense(width, name="proj")(inputs), name="backbone")
        """)
    [model] = cli("summary", "--format", "json", write(builder)).json()
    assert model["name"] == "backbone" and model["total_params"] is not None
    called = write(builder + "\n\nmodel = backbone()\n", name="called.py")
    assert cli("summary", "--format", "json", called).json() == []
    fixed = write(builder + "\n\nmodel = backbone('csp')\n", name="fixed.py")
    assert [m["name"] for m in cli("summary", "--format", "json", fixed).json()] == ["backbone"]


def test_a_handler_that_returns_leaves_the_function_s_result_to_its_body(cli, write):
    """``except ImportError: return None`` guards the environment; the model the function
    returns otherwise is the one compiled after it (checked: its loss wants probabilities)."""
    path = write(textwrap.dedent("""
        import keras
        from keras import layers


        def build():
            try:
                import tensorflow as tf  # noqa: F401
            except ImportError:
                return None
            inputs = keras.Input((8,))
            return keras.Model(inputs, layers.Dense(2, name="scores")(inputs))


        model = build()
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        """))
    assert [f["code"] for f in cli("check", "--format", "json", path).json()] == ["KGL706"]
