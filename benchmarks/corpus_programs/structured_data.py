"""keras.io's structured-data classification style: one Input per feature made in a dict
comprehension over the feature names, encoded features gathered in Python lists and joined
with ``+``, a model on the dict of inputs fitted for a step on a dict of random arrays."""
import numpy as np
import keras
from keras import layers

NUMERIC_FEATURES = ["age", "trestbps", "chol", "thalach", "oldpeak"]
INTEGER_CATEGORICAL = {"sex": 2, "cp": 5, "fbs": 2, "restecg": 3, "exang": 2, "ca": 4}

inputs = {name: keras.Input(shape=(1,), name=name) for name in NUMERIC_FEATURES}
inputs.update({name: keras.Input(shape=(1,), name=name, dtype="int32") for name in INTEGER_CATEGORICAL})

numeric = [layers.Normalization(axis=-1, mean=0.0, variance=1.0)(inputs[name]) for name in NUMERIC_FEATURES]
categorical = [
    layers.Flatten()(layers.Embedding(input_dim=size, output_dim=2)(inputs[name]))
    for name, size in INTEGER_CATEGORICAL.items()
]
all_features = layers.concatenate(numeric + categorical)
x = layers.Dense(32, activation="relu")(all_features)
x = layers.Dropout(0.5)(x)
output = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, output)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])

samples = 8
data = {name: np.random.rand(samples, 1) for name in NUMERIC_FEATURES}
data.update({name: np.random.randint(0, size, size=(samples, 1)) for name, size in INTEGER_CATEGORICAL.items()})
model.fit(data, np.random.randint(0, 2, size=(samples, 1)), epochs=1, verbose=0)
