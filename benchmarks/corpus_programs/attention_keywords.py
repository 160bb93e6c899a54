"""MultiHeadAttention called with keyword tensors (query=, value=, key=, attention_mask=),
self- and cross-attention between two inputs, as the Keras API docs show it."""
import keras
from keras import layers

target = keras.Input(shape=(8, 16), name="target")
source = keras.Input(shape=(4, 16), name="source")
mask = keras.Input(shape=(8, 4), dtype="bool", name="mask")

self_attended = layers.MultiHeadAttention(num_heads=2, key_dim=8)(query=target, value=target, key=target)
x = layers.LayerNormalization()(target + self_attended)
cross = layers.MultiHeadAttention(num_heads=2, key_dim=8, name="cross_attention")(
    query=x, value=source, key=source, attention_mask=mask)
x = layers.LayerNormalization()(x + cross)
x = layers.GlobalAveragePooling1D()(x)
outputs = layers.Dense(2, activation="softmax")(x)
model = keras.Model(inputs=[target, source, mask], outputs=outputs)

scores_inputs = keras.Input(shape=(6, 12))
attended, scores = layers.MultiHeadAttention(num_heads=3, key_dim=4)(
    scores_inputs, scores_inputs, return_attention_scores=True)
scores_model = keras.Model(scores_inputs, [attended, scores])
