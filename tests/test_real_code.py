"""Patterns from real Keras code (Keras's own tests and applications) that once produced
false alarms, each checked through the public API."""

from __future__ import annotations

import textwrap

from kgraphlint.checking import check_source


def codes(program: str) -> list[str]:
    return [f.code for f in check_source(textwrap.dedent(program), "program.py")]


def test_keyword_arguments_a_layer_takes_out_of_kwargs_are_accepted():
    assert codes("""
        from keras import layers
        lstm = layers.LSTM(8, implementation=1)
        norm = layers.LayerNormalization(rms_scaling=True)
        lookup = layers.StringLookup(vocabulary_size=10, has_input_vocabulary=False)
    """) == []


def test_keras_src_operations_and_initializers_are_not_layers():
    assert codes("""
        from keras.src import initializers
        from keras.src.ops import numpy as knp
        init = initializers.Identity(gain=2.0)
        op = knp.Average(axis=1)
        dot = knp.Dot()
    """) == []
    # while keras.src.layers is the layers package
    assert codes("""
        from keras.src import layers
        dense = layers.Dense(4, unit=3)
    """) == ["KGL302"]


def test_tensors_in_other_arguments_connect_the_graph():
    assert codes("""
        import keras
        from keras import layers
        query = keras.Input(shape=(4, 8))
        value = keras.Input(shape=(6, 8))
        attended = layers.MultiHeadAttention(num_heads=2, key_dim=4)(query, value)
        model = keras.Model([query, value], attended)
    """) == []


def test_dict_outputs_are_keyed_by_their_dict_keys():
    program = """
        import keras
        import numpy as np
        from keras import layers
        x = keras.Input(shape=(3,))
        model = keras.Model(x, {"price": layers.Dense(1)(x), "sold": layers.Dense(1, activation="sigmoid")(x)})
        model.compile(optimizer="sgd", loss=LOSS)
        model.fit(np.zeros((8, 3)), {"price": np.zeros((8, 1)), "sold": np.zeros((8, 1))})
    """
    assert codes(program.replace("LOSS", '{"price": "mse", "sold": "binary_crossentropy"}')) == []
    # Keras 3 trains a dict-output model whose loss dict leaves an output out: that output learns nothing
    findings = check_source(textwrap.dedent(program.replace("LOSS", '{"sold": "binary_crossentropy"}')), "p.py")
    assert [(f.code, f.severity.value) for f in findings] == [("KGL403", "warning")]
    assert "'price' gets no loss" in findings[0].message


def test_methods_of_test_cases_and_subclassed_models_are_analysed():
    assert codes("""
        import unittest
        import keras
        from keras import layers

        class ModelTest(unittest.TestCase):
            def test_dense(self):
                model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(2, activaton="relu")])
    """) == ["KGL302"]


def test_input_shape_ignored_in_a_functional_model_is_said_so():
    findings = check_source(textwrap.dedent("""
        import keras
        from keras import layers
        inputs = keras.Input(shape=(28, 28, 1))
        x = layers.Flatten(input_shape=(28, 28))(inputs)
        model = keras.Model(inputs, layers.Dense(10, activation="softmax")(x))
    """), "program.py")
    assert [f.code for f in findings] == ["KGL304"]
    assert "functional API" in findings[0].message and "Sequential" not in findings[0].message


def test_a_layer_with_an_error_gets_no_design_smell_on_its_line():
    program = """
        import keras
        from keras import layers
        inputs = keras.Input(shape=(32,))
        x = layers.Dense(0)(inputs)
        model = keras.Model(inputs, layers.Dense(10, activation="softmax")(x))
    """
    # Dense(0) without an activation feeding a Dense: the error, not "missing-nonlinearity" too
    assert codes(program) == ["KGL304"]


def test_a_model_that_trains_its_own_way_is_not_judged_by_compile_and_fit():
    # keras/src/models/model_test.py: compute_loss splits the one output into two losses
    assert codes("""
        import numpy as np
        from keras import Input, Model, layers

        class MyModel(Model):
            def __init__(self):
                inputs = Input(shape=(3,), name="inputs")
                outputs = layers.Dense(1, name="a")(inputs)
                super().__init__(inputs=inputs, outputs=outputs)

            def compute_loss(self, x, y, y_pred, sample_weight=None, **kwargs):
                return super().compute_loss(x=x, y=y, y_pred=[y_pred, y_pred], sample_weight=sample_weight)

        model = MyModel()
        model.compile(optimizer="sgd", loss=["mean_squared_error", "binary_crossentropy"])
        model.fit(np.random.rand(8, 3), (np.random.rand(8, 1), np.random.rand(8, 1)), epochs=1)
    """) == []
