"""Differential tests: kgraphlint's static shapes and parameter counts against real Keras.

For every layer kgraphlint has a shape rule for, Hypothesis draws configurations and input
shapes, kgraphlint analyses a one-layer program, and Keras builds the same layer:

- when Keras builds it, kgraphlint reports no error and every shape and parameter count it
  knows equals Keras's;
- when Keras refuses it, kgraphlint does not present it as a valid layer: it reports an
  error, or leaves the output shape (partly) unknown.

Each test names the classes it draws cases for with ``covers``; every class in kgraphlint's
catalogue of layer knowledge has one.

Needs TensorFlow (pip install 'kgraphlint[build]'); skipped cleanly without it.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("tensorflow")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
keras = pytest.importorskip("keras")

from kgraphlint.analysis import analyze_source  # noqa: E402
from kgraphlint.checking import check_source  # noqa: E402
from kgraphlint.rule import Severity  # noqa: E402
from kgraphlint.source.source_file import SourceFile  # noqa: E402
from kgraphlint.graph.summary import model_summary  # noqa: E402
from kgraphlint.keras.layers.base import CATALOGUE  # noqa: E402 (importing the package registers every family)

EXAMPLES = int(os.environ.get("KGRAPHLINT_DIFFERENTIAL_EXAMPLES", "100"))
dims = st.integers(1, 9)
#: the layer classes the tests below draw cases for
COVERED: set[str] = set()


def covers(*class_names: str):
    """Records that the decorated test draws cases for these layer classes."""
    def mark(test):
        COVERED.update(class_names)
        return test

    return mark


def shape_of_rank(low: int, high: int):
    return st.integers(low, high).flatmap(lambda rank: st.tuples(*[dims] * rank))


def window(rank: int, high: int = 4):
    return st.one_of(st.integers(1, high), st.tuples(*[st.integers(1, high)] * rank))


def conv(rank: int):
    paddings = ["valid", "same", "causal"] if rank == 1 else ["valid", "same"]
    return st.fixed_dictionaries({
        "filters": st.integers(1, 6), "kernel_size": window(rank, 5),
        "strides": st.integers(1, 3), "padding": st.sampled_from(paddings),
        "dilation_rate": st.integers(1, 2), "use_bias": st.booleans(),
        "data_format": st.sampled_from(["channels_last", "channels_first"]),
    })


def pooling(rank: int):
    return st.fixed_dictionaries({
        "pool_size": window(rank, 3), "strides": st.one_of(st.none(), st.integers(1, 3)),
        "padding": st.sampled_from(["valid", "same"]),
    })


def edges(rank: int, name: str):
    pair = st.tuples(st.integers(0, 3), st.integers(0, 3))
    value = st.one_of(st.integers(0, 3), st.tuples(*[st.one_of(st.integers(0, 3), pair)] * rank))
    if rank == 1:
        value = st.one_of(st.integers(0, 3), pair)
    formats = {"data_format": st.sampled_from(["channels_last", "channels_first"])} if rank > 1 else {}
    if name == "padding" and rank == 1:
        formats = {}
    return st.fixed_dictionaries({name: value, **formats})


def transpose(rank: int):
    return st.fixed_dictionaries({
        "filters": st.integers(1, 6), "kernel_size": window(rank, 4), "strides": st.integers(1, 3),
        "padding": st.sampled_from(["valid", "same"]), "output_padding": st.one_of(st.none(), st.integers(0, 2)),
        "data_format": st.sampled_from(["channels_last", "channels_first"]), "use_bias": st.booleans(),
    })


def depthwise(rank: int, separable: bool):
    extra = {"filters": st.integers(1, 6)} if separable else {}
    return st.fixed_dictionaries({
        **extra, "kernel_size": window(rank, 4), "strides": st.integers(1, 2),
        "padding": st.sampled_from(["valid", "same"]), "depth_multiplier": st.integers(1, 3),
        "use_bias": st.booleans(), "data_format": st.sampled_from(["channels_last", "channels_first"]),
    })


def recurrent(cell: str):
    extra = {"reset_after": st.booleans()} if cell == "GRU" else {}
    return st.fixed_dictionaries({"units": st.integers(1, 8), "return_sequences": st.booleans(),
                                  "return_state": st.booleans(), "use_bias": st.booleans(), **extra})


SINGLE = {
    "Dense": (st.fixed_dictionaries({"units": st.integers(1, 16), "use_bias": st.booleans()}), shape_of_rank(1, 3)),
    "Flatten": (st.just({}), shape_of_rank(1, 4)),
    "Dropout": (st.fixed_dictionaries({"rate": st.floats(-0.5, 1.5)}), shape_of_rank(1, 3)),
    "Activation": (st.fixed_dictionaries({"activation": st.sampled_from(["relu", "softmax", "tanh"])}),
                   shape_of_rank(1, 3)),
    "BatchNormalization": (st.fixed_dictionaries({"axis": st.sampled_from([-1, 1]), "center": st.booleans(),
                                                  "scale": st.booleans()}), shape_of_rank(1, 3)),
    "LayerNormalization": (st.fixed_dictionaries({"center": st.booleans(), "scale": st.booleans()}),
                           shape_of_rank(1, 3)),
    "Embedding": (st.fixed_dictionaries({"input_dim": st.integers(1, 50), "output_dim": st.integers(1, 8)}),
                  shape_of_rank(1, 2)),
    "ReversibleEmbedding": (st.fixed_dictionaries({"input_dim": st.integers(1, 50), "output_dim": st.integers(1, 8),
                                                   "tie_weights": st.booleans()}), shape_of_rank(1, 2)),
    "RepeatVector": (st.fixed_dictionaries({"n": st.integers(1, 5)}), shape_of_rank(1, 2)),
    "Reshape": (st.fixed_dictionaries({"target_shape": st.lists(st.sampled_from([-1, 1, 2, 3, 4, 6]), min_size=1,
                                                                max_size=3).map(tuple)}), shape_of_rank(1, 3)),
    "Permute": (st.sampled_from([(1,), (2, 1), (1, 2), (3, 1, 2), (2, 3, 1)]).map(lambda d: {"dims": d}),
                shape_of_rank(1, 3)),
    **{f"Conv{r}D": (conv(r), shape_of_rank(2, 5)) for r in (1, 2, 3)},
    **{f"{kind}Pooling{r}D": (pooling(r), shape_of_rank(2, 5)) for kind in ("Max", "Average") for r in (1, 2, 3)},
    **{f"Global{kind}Pooling{r}D": (st.fixed_dictionaries({"keepdims": st.booleans()}), shape_of_rank(2, 5))
       for kind in ("Max", "Average") for r in (1, 2, 3)},
    **{cell: (recurrent(cell), shape_of_rank(1, 3)) for cell in ("SimpleRNN", "LSTM", "GRU")},
    **{f"ZeroPadding{r}D": (edges(r, "padding"), shape_of_rank(2, 5)) for r in (1, 2, 3)},
    **{f"Cropping{r}D": (edges(r, "cropping"), shape_of_rank(2, 5)) for r in (1, 2, 3)},
    "UpSampling1D": (st.fixed_dictionaries({"size": st.integers(1, 3)}), shape_of_rank(2, 4)),
    **{f"UpSampling{r}D": (st.fixed_dictionaries({"size": window(r, 3), "data_format": st.sampled_from(
        ["channels_last", "channels_first"])}), shape_of_rank(2, 5)) for r in (2, 3)},
    **{f"Conv{r}DTranspose": (transpose(r), shape_of_rank(2, 5)) for r in (1, 2, 3)},
    **{f"DepthwiseConv{r}D": (depthwise(r, False), shape_of_rank(2, 4)) for r in (1, 2)},
    **{f"SeparableConv{r}D": (depthwise(r, True), shape_of_rank(2, 4)) for r in (1, 2)},
    "Rescaling": (st.fixed_dictionaries({"scale": st.floats(0.001, 2), "offset": st.floats(-1, 1)}),
                  shape_of_rank(1, 3)),
    "Resizing": (st.fixed_dictionaries({"height": st.integers(1, 12), "width": st.integers(1, 12)}),
                 shape_of_rank(2, 4)),
    "GroupNormalization": (st.fixed_dictionaries({"groups": st.sampled_from([-1, 1, 2, 3, 4]),
                                                  "axis": st.sampled_from([-1, 1]), "center": st.booleans(),
                                                  "scale": st.booleans()}), shape_of_rank(1, 3)),
    "PReLU": (st.fixed_dictionaries({"shared_axes": st.one_of(st.none(), st.just(1), st.just([1, 2]))}),
              shape_of_rank(2, 3)),
    **{f"ConvLSTM{r}D": (st.fixed_dictionaries({
        "filters": st.integers(1, 4), "kernel_size": window(r, 3), "strides": st.integers(1, 2),
        "padding": st.sampled_from(["valid", "same"]), "use_bias": st.booleans(),
        "return_sequences": st.booleans(), "data_format": st.sampled_from(["channels_last", "channels_first"]),
    }), shape_of_rank(r + 2, r + 2)) for r in (1, 2, 3)},
    "CenterCrop": (st.fixed_dictionaries({"height": st.integers(1, 9), "width": st.integers(1, 9)}),
                   shape_of_rank(3, 3)),
    "Normalization": (st.fixed_dictionaries({"axis": st.sampled_from([-1, 1, None, (1, -1)])}), shape_of_rank(1, 3)),
    **{name: (st.just({"factor": 0.1} if name != "RandomFlip" else {"mode": "horizontal"}), shape_of_rank(3, 3))
       for name in ("RandomFlip", "RandomRotation", "RandomZoom", "RandomContrast", "RandomBrightness")},
    "RandomTranslation": (st.just({"height_factor": 0.1, "width_factor": 0.1}), shape_of_rank(3, 3)),
    "RandomCrop": (st.fixed_dictionaries({"height": st.integers(1, 9), "width": st.integers(1, 9)}),
                   shape_of_rank(3, 3)),
    "CategoryEncoding": (st.fixed_dictionaries({"num_tokens": st.integers(1, 12), "output_mode": st.sampled_from(
        ["multi_hot", "one_hot", "count"])}), shape_of_rank(1, 2)),
    # rates, penalties and slopes drawn on both sides of what Keras accepts
    **{name: (st.fixed_dictionaries({"rate": st.floats(-0.5, 1.5)}), shape_of_rank(1, 3))
       for name in ("AlphaDropout", "GaussianDropout")},
    **{f"SpatialDropout{r}D": (st.fixed_dictionaries({"rate": st.floats(-0.5, 1.5)}), shape_of_rank(1, 5))
       for r in (1, 2, 3)},
    "GaussianNoise": (st.fixed_dictionaries({"stddev": st.floats(-0.5, 1.5)}), shape_of_rank(1, 3)),
    "ActivityRegularization": (st.fixed_dictionaries({"l1": st.floats(-0.5, 1), "l2": st.floats(-0.5, 1)}),
                               shape_of_rank(1, 3)),
    "Masking": (st.fixed_dictionaries({"mask_value": st.floats(-1, 1)}), shape_of_rank(1, 3)),
    "Identity": (st.just({}), shape_of_rank(1, 3)),
    "ReLU": (st.fixed_dictionaries({"max_value": st.one_of(st.none(), st.floats(-1, 6)),
                                    "negative_slope": st.floats(-0.5, 1), "threshold": st.floats(-0.5, 1)}),
             shape_of_rank(1, 3)),
    "LeakyReLU": (st.fixed_dictionaries({"negative_slope": st.floats(-0.5, 1)}), shape_of_rank(1, 3)),
    "ELU": (st.fixed_dictionaries({"alpha": st.floats(-1, 2)}), shape_of_rank(1, 3)),
    "Softmax": (st.fixed_dictionaries({"axis": st.integers(-4, 3)}), shape_of_rank(1, 3)),
    "UnitNormalization": (st.fixed_dictionaries({"axis": st.one_of(
        st.integers(-5, 4), st.lists(st.integers(-5, 4), min_size=1, max_size=2))}), shape_of_rank(1, 3)),
    # lookups and hashing take a fixed valid vocabulary and draw the sizes Keras checks against it
    "Hashing": (st.fixed_dictionaries({"num_bins": st.integers(-1, 12), "output_mode": st.sampled_from(
        ["int", "one_hot", "multi_hot", "count"])}), shape_of_rank(1, 2)),
    **{name: (st.fixed_dictionaries({
        "vocabulary": st.just(vocabulary), "num_oov_indices": st.integers(-1, 2),
        "max_tokens": st.one_of(st.none(), st.integers(0, 7)), "mask_token": st.one_of(st.none(), st.just(mask)),
        "output_mode": st.sampled_from(["int", "one_hot", "multi_hot", "count"]),
    }), shape_of_rank(1, 2)) for name, vocabulary, mask in (("StringLookup", ["a", "b", "c"], "[MASK]"),
                                                            ("IntegerLookup", [4, 8, 15], 0))},
    "TextVectorization": (st.fixed_dictionaries({
        "vocabulary": st.just(["a", "b", "c"]), "max_tokens": st.one_of(st.none(), st.integers(0, 7)),
        "output_mode": st.sampled_from(["int", "multi_hot", "count"]),
        "output_sequence_length": st.one_of(st.none(), st.integers(-1, 6)),
    }), shape_of_rank(0, 2)),
}
#: the input dtype where the layer takes no floats
DTYPES = {"Hashing": "int64", "IntegerLookup": "int64", "StringLookup": "string", "TextVectorization": "string"}

MERGES = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot"]


def static(program: str):
    """(errors reported, the layer's JSON row or None) for a program whose last layer is checked."""
    errors = [f for f in check_source(program, "d.py") if f.severity is Severity.ERROR]
    analysis = analyze_source(SourceFile("d.py", program))
    if not analysis.models:
        return errors, None
    return errors, model_summary(analysis, analysis.models[0])["layers"][-1]


def fully_known(shape: object) -> bool:
    if shape == "?":
        return False
    return all(fully_known(s) if isinstance(s, list) else s != "?" for s in shape)


def compare(program: str, build) -> None:
    try:
        layer, outputs = build()
        from keras.src import tree

        flat = [[None if d is None else int(d) for d in t.shape] for t in tree.flatten(outputs)]
        keras_shape, keras_params = (flat[0] if len(flat) == 1 else flat), layer.count_params()
    except Exception:
        keras_shape = None
    errors, row = static(program)
    if keras_shape is None:
        assert errors or row is None or not fully_known(row["output_shape"]), (
            f"Keras refuses this, kgraphlint calls it valid:\n{program}\n{row}")
        return
    assert not errors, f"Keras builds this, kgraphlint reports {[e.message for e in errors]}:\n{program}"
    assert row is not None, program
    shape = row["output_shape"]
    if fully_known(shape):
        assert shape == keras_shape, f"{program}\nstatic {shape}, Keras {keras_shape}"
    if row["params"] is not None:
        assert row["params"] == keras_params, f"{program}\nstatic {row['params']}, Keras {keras_params}"


def layer_program(class_name: str, kwargs: dict, shapes: list[tuple], listed: bool = False,
                  dtype: str | None = None) -> str:
    lines = ["import keras", "from keras import layers"]
    typed = f", dtype={dtype!r}" if dtype else ""
    lines += [f"x{i} = keras.Input(shape={shape!r}{typed})" for i, shape in enumerate(shapes)]
    arguments = ", ".join(f"x{i}" for i in range(len(shapes)))
    call = f"[{arguments}]" if listed else arguments
    lines.append(f"y = layers.{class_name}(**{kwargs!r})({call})")
    lines.append(f"model = keras.Model([{arguments}], y)")
    return "\n".join(lines) + "\n"


def build_layer(class_name: str, kwargs: dict, shapes: list[tuple], listed: bool = False,
                dtype: str | None = None):
    def build():
        layer = getattr(keras.layers, class_name)(**kwargs)
        inputs = [keras.Input(shape=shape, dtype=dtype) for shape in shapes]
        return layer, layer(inputs if listed else inputs[0])

    return build


@covers(*SINGLE)
@pytest.mark.parametrize("class_name", sorted(SINGLE))
def test_single_input_layer_matches_keras(class_name):
    config_strategy, shape_strategy = SINGLE[class_name]
    dtype = DTYPES.get(class_name)

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(config_strategy, shape_strategy)
    def check(config, shape):
        compare(layer_program(class_name, config, [shape], dtype=dtype),
                build_layer(class_name, config, [shape], dtype=dtype))

    check()


@covers(*MERGES)
@pytest.mark.parametrize("class_name", MERGES)
def test_merge_layer_matches_keras(class_name):
    extra = {"Concatenate": st.fixed_dictionaries({"axis": st.sampled_from([-1, 1, 2])}),
             "Dot": st.fixed_dictionaries({"axes": st.sampled_from([1, 2, -1])})}.get(class_name, st.just({}))
    shapes = st.integers(1, 3).flatmap(lambda rank: st.tuples(st.tuples(*[st.integers(1, 4)] * rank),
                                                              st.tuples(*[st.integers(1, 4)] * rank)))

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(extra, shapes)
    def check(config, pair):
        compare(layer_program(class_name, config, list(pair), listed=True),
                build_layer(class_name, config, list(pair), listed=True))

    check()


@covers("Bidirectional")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(recurrent("LSTM"), st.sampled_from(["concat", "sum", "mul", "ave"]), shape_of_rank(2, 2))
def test_bidirectional_matches_keras(inner, mode, shape):
    inner = {**inner, "return_state": False}
    program = ("import keras\nfrom keras import layers\nx0 = keras.Input(shape=%r)\n"
               "y = layers.Bidirectional(layers.LSTM(**%r), merge_mode=%r)(x0)\nmodel = keras.Model([x0], y)\n"
               % (shape, inner, mode))

    def build():
        layer = keras.layers.Bidirectional(keras.layers.LSTM(**inner), merge_mode=mode)
        return layer, layer(keras.Input(shape=shape))

    compare(program, build)


@covers("TimeDistributed")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(1, 8), shape_of_rank(2, 3))
def test_time_distributed_matches_keras(units, shape):
    program = ("import keras\nfrom keras import layers\nx0 = keras.Input(shape=%r)\n"
               "y = layers.TimeDistributed(layers.Dense(%d))(x0)\nmodel = keras.Model([x0], y)\n" % (shape, units))

    def build():
        layer = keras.layers.TimeDistributed(keras.layers.Dense(units))
        return layer, layer(keras.Input(shape=shape))

    compare(program, build)


@covers("Attention", "AdditiveAttention")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.fixed_dictionaries({"use_scale": st.booleans(), "score_mode": st.sampled_from(["dot", "concat"])}),
       st.integers(1, 5), st.integers(1, 5), st.integers(1, 6), st.booleans())
def test_attention_matches_keras(config, query_steps, value_steps, dim, with_key):
    shapes = [(query_steps, dim), (value_steps, dim)] + ([(value_steps, dim)] if with_key else [])
    compare(layer_program("Attention", config, shapes, listed=True),
            build_layer("Attention", config, shapes, listed=True))
    additive = {"use_scale": config["use_scale"]}
    compare(layer_program("AdditiveAttention", additive, shapes, listed=True),
            build_layer("AdditiveAttention", additive, shapes, listed=True))


@covers("MultiHeadAttention")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.fixed_dictionaries({
    "num_heads": st.integers(1, 3), "key_dim": st.integers(1, 4),
    "value_dim": st.one_of(st.none(), st.integers(1, 4)), "use_bias": st.booleans(),
    "output_shape": st.one_of(st.none(), st.integers(1, 5), st.tuples(st.integers(1, 3), st.integers(1, 3))),
}), shape_of_rank(2, 3), st.integers(1, 6), st.integers(0, 2))
def test_multi_head_attention_matches_keras(config, query, value_dim, tensors):
    """mha(query), mha(query, value) and mha(query, value, key), value and key sized by query."""
    value = (*query[:-1], value_dim)
    shapes = [query, value, (*query[:-1], value_dim + 1)][: tensors + 1]
    if tensors == 0:  # self-attention: the same tensor as query and value
        program = layer_program("MultiHeadAttention", config, [query]).replace("(x0)\n", "(x0, x0)\n")

        def build():
            layer = keras.layers.MultiHeadAttention(**config)
            x = keras.Input(shape=query)
            return layer, layer(x, x)

        compare(program, build)
        return

    def build():
        layer = keras.layers.MultiHeadAttention(**config)
        inputs = [keras.Input(shape=s) for s in shapes]
        return layer, layer(*inputs)

    compare(layer_program("MultiHeadAttention", config, shapes), build)


#: Lambda's functions, by the source the program writes for them
FUNCTIONS = {"lambda t: t * 2": lambda t: t * 2, "keras.ops.tanh": keras.ops.tanh}


@covers("Lambda")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(sorted(FUNCTIONS)), st.one_of(
    st.none(), st.integers(1, 5), shape_of_rank(0, 2), shape_of_rank(1, 2).map(list)), shape_of_rank(1, 3))
def test_lambda_matches_keras(function, output_shape, shape):
    """Keras trusts a Lambda's output_shape (without the batch axis), or traces the function."""
    config = {} if output_shape is None else {"output_shape": output_shape}
    program = layer_program("Lambda", config, [shape]).replace("layers.Lambda(", f"layers.Lambda({function}, ")

    def build():
        layer = keras.layers.Lambda(FUNCTIONS[function], **config)
        return layer, layer(keras.Input(shape=shape))

    compare(program, build)


def test_every_catalogued_layer_has_a_differential_case():
    missing = sorted(set(CATALOGUE) - COVERED)
    assert not missing, f"{len(missing)} catalogued layers have no differential case: {', '.join(missing)}"


def test_every_differential_case_is_a_catalogued_layer():
    """A case for a class kgraphlint has no knowledge of compares nothing: every shape is unknown."""
    unknown = sorted(COVERED - set(CATALOGUE))
    assert not unknown, f"differential cases for layers kgraphlint does not know: {', '.join(unknown)}"
