"""Subclassed models as the Keras guides write them: layers made in ``__init__``, wired in
``call()``; one built with ``model.build(shape)``, one called on a ``keras.Input``, one fitted
for a step on random data. The script guards its main code."""
import numpy as np
import keras
from keras import layers


class MLP(keras.Model):
    def __init__(self, hidden=32, num_classes=4, **kwargs):
        super().__init__(**kwargs)
        self.dense1 = layers.Dense(hidden, activation="relu")
        self.dropout = layers.Dropout(0.1)
        self.dense2 = layers.Dense(num_classes, activation="softmax")

    def call(self, inputs, training=False):
        x = self.dense1(inputs)
        x = self.dropout(x, training=training)
        return self.dense2(x)


class ResidualTower(keras.Model):
    def __init__(self, width=16, depth=2):
        super().__init__()
        self.project = layers.Dense(width)
        self.blocks = [layers.Dense(width, activation="relu") for _ in range(depth)]
        self.norm = layers.LayerNormalization()
        self.head = layers.Dense(1)

    def call(self, x):
        x = self.project(x)
        for block in self.blocks:
            x = x + block(x)
        return self.head(self.norm(x))


def main():
    mlp = MLP()
    mlp.build((None, 16))

    tower = ResidualTower()
    tower(keras.Input(shape=(8,)))

    fitted = MLP(hidden=8, num_classes=2, name="fitted_mlp")
    fitted.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    fitted.fit(np.random.rand(8, 5), np.random.randint(0, 2, size=(8,)), epochs=1, verbose=0)


if __name__ == "__main__":
    main()
