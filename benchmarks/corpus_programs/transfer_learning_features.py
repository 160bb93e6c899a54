"""keras.applications for transfer learning and feature extraction, as the keras.io guides
do it: a new head on ``base.output``, multi-scale features from ``get_layer(name).output``,
the penultimate layer through ``model.layers[-2]``, and a backbone on ``input_tensor=``."""
import keras
from keras import layers

base = keras.applications.MobileNetV2(input_shape=(96, 96, 3), include_top=False, weights=None, alpha=0.35)
base.trainable = False

x = base.output
x = layers.GlobalAveragePooling2D()(x)
x = layers.Dense(64, activation="relu")(x)
outputs = layers.Dense(5, activation="softmax")(x)
model = keras.Model(base.input, outputs)
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])

names = ["block_3_expand_relu", "block_6_expand_relu", "out_relu"]
extractor = keras.Model(inputs=base.input, outputs=[base.get_layer(name).output for name in names])

embedder = keras.Model(model.inputs, model.layers[-2].output, name="embedder")

inputs = layers.Input(shape=(64, 64, 3))
augmented = layers.RandomFlip("horizontal")(inputs)
effnet = keras.applications.EfficientNetB0(include_top=False, input_tensor=augmented, weights=None)
effnet.trainable = False
x = layers.GlobalAveragePooling2D(name="avg_pool")(effnet.output)
x = layers.BatchNormalization()(x)
x = layers.Dropout(0.2, name="top_dropout")(x)
outputs = layers.Dense(3, activation="softmax", name="pred")(x)
finetuned = keras.Model(inputs, outputs, name="EfficientNet")
