"""A keras-hub ResNet backbone made from explicit arguments, extended through
``backbone.output`` with a pooling head, and keras-hub's own image classifier on it."""
import keras
import keras_hub
from keras import layers

backbone = keras_hub.models.ResNetBackbone(
    input_conv_filters=[64],
    input_conv_kernel_sizes=[3],
    stackwise_num_filters=[64, 64],
    stackwise_num_blocks=[1, 1],
    stackwise_num_strides=[1, 2],
    block_type="basic_block",
    image_shape=(32, 32, 3),
)

x = backbone.output
x = layers.GlobalAveragePooling2D()(x)
x = layers.Dropout(0.2)(x)
outputs = layers.Dense(10, activation="softmax")(x)
model = keras.Model(backbone.input, outputs)

classifier = keras_hub.models.ResNetImageClassifier(backbone=backbone, num_classes=10, preprocessor=None)
