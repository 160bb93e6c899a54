"""A script configured by argparse defaults and a config dict: a Sequential with no Input
built by ``model.build(shape)``, and a Sequential block with no Input built only by being
called inside a functional model; the main code is guarded."""
import argparse

import keras
from keras import layers

CONFIG = {"filters": [8, 16], "dense_units": 32, "dropout": 0.25}


def make_classifier(num_classes, config):
    model = keras.Sequential(name="convnet")
    for filters in config["filters"]:
        model.add(layers.Conv2D(filters, kernel_size=(3, 3), activation="relu"))
        model.add(layers.MaxPooling2D(pool_size=(2, 2)))
    model.add(layers.Flatten())
    model.add(layers.Dropout(config["dropout"]))
    model.add(layers.Dense(num_classes, activation="softmax"))
    return model


def make_siamese(config):
    encoder = keras.Sequential(
        [layers.Dense(config["dense_units"], activation="relu"), layers.Dense(8)], name="shared_encoder")
    left = keras.Input(shape=(12,), name="left")
    right = keras.Input(shape=(12,), name="right")
    distance = layers.Subtract()([encoder(left), encoder(right)])
    return keras.Model([left, right], layers.Dense(1, activation="sigmoid")(distance), name="siamese")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--num-classes", type=int, default=10)
    parser.add_argument("--image-size", type=int, default=28)
    args = parser.parse_args([])

    model = make_classifier(args.num_classes, CONFIG)
    model.build((None, args.image_size, args.image_size, 1))
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])

    siamese = make_siamese(CONFIG)
    siamese.compile(loss="binary_crossentropy", optimizer="adam")


if __name__ == "__main__":
    main()
