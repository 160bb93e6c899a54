"""Differential tests for the data rules: kgraphlint's verdict on x and y against what real
Keras does with them.

Hypothesis draws an input shape and the shape of an array given to predict (KGL405), or an
output shape, a loss and the shape of the targets given to fit (KGL406). kgraphlint checks
the program; Keras runs it:

- where kgraphlint says Keras raises, Keras raises;
- where kgraphlint reports nothing, or says the loss broadcasts, Keras runs.

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
np = pytest.importorskip("numpy")

from kgraphlint.checking import check_source  # noqa: E402

EXAMPLES = int(os.environ.get("KGRAPHLINT_DIFFERENTIAL_EXAMPLES", "100")) // 2
SAMPLES = 4
small = st.sampled_from([1, 2, 3, 5])
LOSSES = ["categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy", "mse", "mae"]


def findings(program: str, code: str) -> list[str]:
    return [f.message for f in check_source(program, "program.py") if f.code == code]


def keras_raises(action) -> bool:
    try:
        action()
    except Exception:  # any refusal counts: Keras's message varies with the backend
        return True
    return False


def related_shape(reference: tuple):
    """Array shapes near a reference: the same, one axis more or fewer, a size changed."""
    return st.one_of(
        st.just(reference),
        st.just(reference[:-1]),
        st.just((*reference, 1)),
        st.just(reference[1:]),
        st.lists(small, min_size=1, max_size=len(reference) + 1).map(tuple),
    )


@st.composite
def input_cases(draw):
    sample = tuple(draw(st.lists(small, min_size=1, max_size=3)))
    array = draw(related_shape((SAMPLES, *sample)))
    return sample, array


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(input_cases())
def test_input_verdict_matches_keras(case):
    sample, array = case
    program = (
        "import numpy as np\nimport keras\nfrom keras import layers\n"
        f"inputs = keras.Input(shape={sample!r})\n"
        "model = keras.Model(inputs, layers.Dense(1)(layers.Flatten()(inputs)))\n"
        f"model.predict(np.zeros({array!r}))\n"
    )
    said = findings(program, "KGL405")
    inputs = keras.Input(shape=sample)
    model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Flatten()(inputs)))
    raised = keras_raises(lambda: model.predict(np.zeros(array), verbose=0))
    if said:
        assert raised, (sample, array, said)
    else:
        assert not raised, (sample, array)


@st.composite
def target_cases(draw):
    features = tuple(draw(st.lists(small, min_size=1, max_size=2)))
    units = draw(small)
    loss = draw(st.sampled_from(LOSSES))
    output = (SAMPLES, *features[:-1], units)
    target = draw(related_shape(output))
    return features, units, loss, target


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(target_cases())
def test_target_verdict_matches_keras(case):
    features, units, loss, target = case
    program = (
        "import numpy as np\nimport keras\nfrom keras import layers\n"
        f"inputs = keras.Input(shape={features!r})\n"
        f"model = keras.Model(inputs, layers.Dense({units})(inputs))\n"
        f"model.compile(optimizer='sgd', loss={loss!r})\n"
        f"model.fit(np.zeros({(SAMPLES, *features)!r}), np.zeros({target!r}))\n"
    )
    said = findings(program, "KGL406")
    inputs = keras.Input(shape=features)
    model = keras.Model(inputs, keras.layers.Dense(units)(inputs))
    model.compile(optimizer="sgd", loss=loss, run_eagerly=True)
    y = np.zeros(target) if target and target[0] == SAMPLES else None
    if y is None:
        return  # a sample count mismatch is KGL407's business
    raised = keras_raises(lambda: model.fit(np.zeros((SAMPLES, *features)), y, epochs=1, verbose=0))
    same_rank = len(target) == len(features) + 1
    if any("Keras raises" in message for message in said):
        assert raised, (features, units, loss, target, said)
    elif not said or same_rank:  # a broadcast across different ranks may also fail: either is right
        assert not raised, (features, units, loss, target, said)
