"""A classification head on a keras-hub BERT backbone built from explicit arguments (no
preset, no weights), as keras-hub's README shows for a custom backbone: once by hand on the
backbone's pooled output, once with the task model keras-hub provides."""
import keras
import keras_hub

NUM_CLASSES = 3

backbone = keras_hub.models.BertBackbone(
    vocabulary_size=1000,
    num_layers=2,
    num_heads=2,
    hidden_dim=32,
    intermediate_dim=64,
    max_sequence_length=64,
)

# the head by hand: the backbone's dict of inputs in, its pooled output through a new Dense
inputs = backbone.input
features = backbone(inputs)["pooled_output"]
features = keras.layers.Dropout(0.1)(features)
outputs = keras.layers.Dense(NUM_CLASSES, activation="softmax", name="logits")(features)
classifier = keras.Model(inputs, outputs, name="bert_head")
classifier.compile(optimizer="adam", loss="sparse_categorical_crossentropy")

# the task keras-hub ships, on the same backbone
task = keras_hub.models.BertTextClassifier(backbone=backbone, num_classes=NUM_CLASSES, preprocessor=None)
