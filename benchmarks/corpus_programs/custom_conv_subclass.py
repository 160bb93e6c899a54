"""Custom layers that extend built-in ones: a Conv2D subclass whose call() adds a learned
scale, a Dense subclass that only changes its defaults, both registered for serialization;
an optional activation layer tested with ``if activation:``; keras.activations on tensors."""
import keras
from keras import activations, layers, ops


@keras.saving.register_keras_serializable(package="blocks")
class ScaledConv2D(layers.Conv2D):
    def build(self, input_shape):
        super().build(input_shape)
        self.scale = self.add_weight(shape=(self.filters,), initializer="ones", name="scale")

    def call(self, inputs):
        return super().call(inputs) * self.scale


@keras.saving.register_keras_serializable(package="blocks")
class ReluDense(layers.Dense):
    def __init__(self, units, **kwargs):
        kwargs.setdefault("activation", "relu")
        super().__init__(units, **kwargs)


def conv_block(x, filters, use_activation=True):
    activation = layers.Activation("relu") if use_activation else None
    x = ScaledConv2D(filters, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    if activation:
        x = activation(x)
    return x


inputs = keras.Input(shape=(32, 32, 3))
x = conv_block(inputs, 8)
x = conv_block(x, 16, use_activation=False)
x = activations.swish(x)
x = layers.MaxPooling2D()(x)
x = layers.Flatten()(x)
x = ReluDense(32)(x)
x = keras.activations.gelu(x)
x = ops.sigmoid(x)
outputs = layers.Dense(10, activation="softmax")(x)
model = keras.Model(inputs, outputs, name="scaled_convnet")
