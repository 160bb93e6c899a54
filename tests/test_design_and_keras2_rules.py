"""Where the rules of issue #21 must stay quiet: what they cannot be certain of, and the
designs of well-known networks, each through the public API."""

from __future__ import annotations

import textwrap

from kgraphlint.checking import check_source


def codes(program: str) -> list[str]:
    return [f.code for f in check_source(textwrap.dedent(program), "program.py")]


SEQUENCE_CLASSIFIER = """
    import numpy as np
    import keras
    from keras import layers
    x = np.random.rand(400, 50, 8)
    y = TARGETS
    model = keras.Sequential([keras.Input(shape=(50, 8)), layers.LSTM(16, return_sequences=True),
                              layers.Dense(4, activation="softmax")])
    model.compile(optimizer="adam", loss=LOSS)
    model.fit(x, y)
"""


def test_missing_flatten_on_a_sequence_needs_targets_of_one_label_per_sample():
    def run(targets, loss):
        return codes(SEQUENCE_CLASSIFIER.replace("TARGETS", targets).replace("LOSS", loss))

    one_hot = "keras.utils.to_categorical(np.random.randint(0, 4, size=(400,)), 4)"
    assert run(one_hot, '"categorical_crossentropy"') == ["KGL107", "KGL406"]
    assert run("np.random.randint(0, 4, size=(400,))", '"sparse_categorical_crossentropy"') == ["KGL107", "KGL406"]
    # one label per step: the sequence output is meant
    assert run("np.random.randint(0, 4, size=(400, 50))", '"sparse_categorical_crossentropy"') == []
    assert run("keras.utils.to_categorical(np.random.randint(0, 4, size=(400, 50)), 4)",
               '"categorical_crossentropy"') == []
    # targets that are not known say nothing
    assert run("np.load('labels.npy')", '"categorical_crossentropy"') == []


def test_the_model_alone_never_says_a_sequence_needed_flattening():
    assert codes("""
        import keras
        from keras import layers
        model = keras.Sequential([keras.Input(shape=(50,)), layers.Embedding(1000, 16),
                                  layers.Conv1D(16, 3, activation="relu"), layers.Dense(4, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy")
    """) == []


def test_decreasing_window_leaves_factorised_and_strided_windows_alone():
    assert codes("""
        import keras
        from keras import layers
        x = keras.Input(shape=(64, 64, 3))
        a = layers.Conv2D(16, 7, strides=2, padding="same", activation="relu")(x)
        a = layers.MaxPooling2D(2)(a)
        a = layers.Conv2D(16, 3, padding="same", activation="relu")(a)
        b = layers.Conv2D(16, (1, 7), padding="same", activation="relu")(a)
        b = layers.Conv2D(16, (7, 1), padding="same", activation="relu")(b)
        b = layers.Conv2D(16, 3, padding="same", activation="relu")(b)
        model = keras.Model(x, layers.Dense(2, activation="softmax")(layers.GlobalAveragePooling2D()(b)))
    """) == []


DEEP_STRIDED = """
    import keras
    from keras import layers
    x = keras.Input(shape=(64, 64, 3))
    y = layers.Conv2D(32, 3, padding="same", activation="relu")(x)
    y = layers.Conv2D(32, 3, padding="same", activation="relu")(y)
    y = layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(y)
    y = layers.Conv2D(64, 3, padding="same", activation="relu")(y)
    z = layers.Conv2D(128, 3, strides=2, padding="same", activation="relu")(y)
    z = layers.Conv2D(128, 3, padding="same", activation="relu")(z)
    z = MERGE
    model = keras.Model(x, layers.Dense(10, activation="softmax")(layers.GlobalAveragePooling2D()(z)))
"""


def test_deep_cnn_rules_judge_only_plain_networks():
    assert codes(DEEP_STRIDED.replace("MERGE", "z")) == ["KGL710"]
    # a residual connection: a network of another design
    residual = "layers.add([z, layers.Conv2D(128, 1, strides=2)(y)])"
    assert codes(DEEP_STRIDED.replace("MERGE", residual)) == []


def test_batch_normalization_axis_is_judged_only_where_the_format_is_known():
    program = """
        import keras
        from keras import layers
        SETTING
        model = keras.Sequential([keras.Input(shape=(3, 32, 32)), layers.Conv2D(8, 3, use_bias=False),
                                  layers.BatchNormalization(axis=1), layers.Activation("relu"),
                                  layers.Flatten(), layers.Dense(2, activation="softmax")])
    """
    assert codes(program.replace("SETTING", "")) == ["KGL305"]
    assert codes(program.replace("SETTING", 'keras.config.set_image_data_format("channels_first")')) == []
    unknown = "import os\nkeras.config.set_image_data_format(os.environ['FORMAT'])"
    assert codes(program.replace("SETTING", textwrap.indent(unknown, " " * 8).lstrip())) == []


def test_a_data_format_setting_that_may_not_run_is_not_reported():
    assert codes("""
        import sys
        import keras
        from keras import layers
        if sys.argv[1:] == ["theano"]:
            keras.backend.set_image_data_format("channels_first")
        model = keras.Sequential([keras.Input(shape=(64, 64, 3)), layers.Conv2D(8, 3, padding="same", activation="relu"),
                                  layers.Flatten(), layers.Dense(2, activation="softmax")])
    """) == []


def test_mean_squared_error_is_judged_only_on_labels_known_to_be_0_or_1():
    program = """
        import numpy as np
        import keras
        from keras import layers
        x = np.random.rand(100, 4)
        y = TARGETS
        model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="sgd", loss="mse")
        model.fit(x, y)
    """
    assert codes(program.replace("TARGETS", "np.random.randint(2, size=(100, 1))")) == ["KGL408"]
    assert codes(program.replace("TARGETS", "np.random.randint(0, 5, size=(100, 1)) / 4")) == []
    assert codes(program.replace("TARGETS", "np.random.rand(100, 1)")) == []


def test_a_channels_first_program_is_read_as_keras_reads_it():
    """Layers given no data_format take the one the program set (Keras reads it in their
    constructors): (1, 28, 28) images are then 28x28 with one channel, no error."""
    program = """
        from keras import backend as K
        from keras.models import Sequential
        from keras.layers import Conv2D, MaxPooling2D, Flatten, Dense
        SETTING
        model = Sequential()
        model.add(Conv2D(32, (3, 3), activation="relu", input_shape=(1, 28, 28)))
        model.add(MaxPooling2D(pool_size=(2, 2)))
        model.add(Flatten())
        model.add(Dense(10, activation="softmax"))
    """
    assert codes(program.replace("SETTING", 'K.set_image_dim_ordering("th")')) == []
    assert codes(program.replace("SETTING", 'K.set_image_data_format("channels_first")')) == []
    # without the setting Keras reads (1, 28, 28) as 1x28 images of 28 channels
    assert codes(program.replace("SETTING", "")) == ["KGL104"]
