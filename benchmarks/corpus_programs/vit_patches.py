"""keras.io's "Image classification with Vision Transformer", small: patches from
``ops.image.extract_patches``, a patch encoder with a position embedding; then keras.ops
on tensors in the functional graph (einsum, pad, split, stack, tile, transpose, squeeze)."""
import keras
from keras import layers, ops

image_size = 32
patch_size = 8
num_patches = (image_size // patch_size) ** 2
projection_dim = 16
num_heads = 2
transformer_layers = 2


class Patches(layers.Layer):
    def __init__(self, patch_size):
        super().__init__()
        self.patch_size = patch_size

    def call(self, images):
        input_shape = ops.shape(images)
        batch_size = input_shape[0]
        height = input_shape[1]
        width = input_shape[2]
        channels = input_shape[3]
        num_patches_h = height // self.patch_size
        num_patches_w = width // self.patch_size
        patches = keras.ops.image.extract_patches(images, size=self.patch_size)
        patches = ops.reshape(
            patches, (batch_size, num_patches_h * num_patches_w, self.patch_size * self.patch_size * channels))
        return patches


class PatchEncoder(layers.Layer):
    def __init__(self, num_patches, projection_dim):
        super().__init__()
        self.num_patches = num_patches
        self.projection = layers.Dense(units=projection_dim)
        self.position_embedding = layers.Embedding(input_dim=num_patches, output_dim=projection_dim)

    def call(self, patch):
        positions = ops.expand_dims(ops.arange(start=0, stop=self.num_patches, step=1), axis=0)
        projected_patches = self.projection(patch)
        return projected_patches + self.position_embedding(positions)


def mlp(x, hidden_units, dropout_rate):
    for units in hidden_units:
        x = layers.Dense(units, activation=keras.activations.gelu)(x)
        x = layers.Dropout(dropout_rate)(x)
    return x


inputs = keras.Input(shape=(image_size, image_size, 3))
patches = Patches(patch_size)(inputs)
encoded_patches = PatchEncoder(num_patches, projection_dim)(patches)
for _ in range(transformer_layers):
    x1 = layers.LayerNormalization(epsilon=1e-6)(encoded_patches)
    attention_output = layers.MultiHeadAttention(num_heads=num_heads, key_dim=projection_dim, dropout=0.1)(x1, x1)
    x2 = layers.Add()([attention_output, encoded_patches])
    x3 = layers.LayerNormalization(epsilon=1e-6)(x2)
    x3 = mlp(x3, hidden_units=[projection_dim * 2, projection_dim], dropout_rate=0.1)
    encoded_patches = layers.Add()([x3, x2])
representation = layers.LayerNormalization(epsilon=1e-6)(encoded_patches)
representation = layers.Flatten()(representation)
features = mlp(representation, hidden_units=[32], dropout_rate=0.5)
logits = layers.Dense(10)(features)
vit = keras.Model(inputs=inputs, outputs=logits)

tokens = keras.Input(shape=(6, 4))
gram = ops.einsum("bik,bjk->bij", tokens, tokens)
padded = ops.pad(tokens, [[0, 0], [1, 1], [0, 0]])
first, second = ops.split(padded, 2, axis=1)
stacked = ops.stack([first, second], axis=1)
tiled = ops.tile(ops.expand_dims(ops.mean(tokens, axis=1), 1), [1, 3, 1])
swapped = ops.transpose(stacked, (0, 2, 1, 3))
squeezed = ops.squeeze(ops.expand_dims(tiled, -1), axis=-1)
merged = layers.Concatenate()([layers.Flatten()(gram), layers.Flatten()(swapped), layers.Flatten()(squeezed)])
ops_model = keras.Model(tokens, layers.Dense(1)(merged), name="ops_model")
