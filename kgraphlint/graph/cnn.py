"""Plain convolutional networks in a model graph: what NeuraLint's design heuristics for a
"deep CNN" speak of (Nikanjam et al., TOSEM 2021), defined narrowly enough that modern
architectures built on other principles are not judged by them.

A model is a *deep plain CNN* when
- it has one input and one output, the output a vector per sample (a classifier or a
  regressor, not a feature map),
- its layer calls form a single path: no branch, no merge, no residual connection (Inception,
  ResNet, DenseNet, NASNet and ConvNeXt all branch),
- it has no depthwise or separable convolution (MobileNet, Xception and EfficientNet
  downsample by strides by design) and no upsampling,
- and at least ``DEEP`` of its layers are image convolutions (Conv2D, Conv3D) with a window
  larger than 1, each with a known window and strides.

Anything kgraphlint could not follow (an opaque call, a model called as a layer, an unknown
kernel size) or Keras could not build (a layer with an error) makes the model not one:
unknown never makes a finding, and a design is not judged before its errors are fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

from kgraphlint.graph.model_graph import ModelGraph
from kgraphlint.keras.facts import LayerCall
from kgraphlint.keras.families import ACTIVATION_LAYERS, DROPOUTS, UPSAMPLING
from kgraphlint.keras.layers.base import int_tuple

#: the convolutions of image models, which the heuristics are about (Conv1D stacks over text
#: and signals follow other designs)
IMAGE_CONVS = {"Conv2D": 2, "Conv3D": 3}
#: windowed poolings of images
MAX_POOLING = ("MaxPooling2D", "MaxPooling3D")
AVERAGE_POOLING = ("AveragePooling2D", "AveragePooling3D")
#: convolutions of designs that downsample by strides on purpose
FACTORISED_CONVS = ("DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D")
#: the fewest image convolutions (window larger than 1) a deep CNN has: VGG-11 has 8, the
#: LeNet-style tutorial networks 2 or 3
DEEP = 5


def window(call: LayerCall) -> tuple | None:
    """An image convolution's kernel size as a tuple of ints, or None where not known."""
    rank = IMAGE_CONVS.get(call.layer.class_name)
    value = int_tuple(call.layer.config.get("kernel_size"), rank) if rank else None
    return value if isinstance(value, tuple) else None


def strides(call: LayerCall) -> tuple | None:
    rank = IMAGE_CONVS.get(call.layer.class_name)
    value = int_tuple(call.layer.config.get("strides", 1), rank) if rank else None
    return value if isinstance(value, tuple) else None


def downsampling(call: LayerCall) -> str | None:
    """"max", "average" or "strided" for a call that downsamples an image feature map."""
    name = call.layer.class_name
    if name in MAX_POOLING:
        return "max"
    if name in AVERAGE_POOLING:
        return "average"
    step = strides(call)
    return "strided" if step is not None and max(step) > 1 else None


@dataclass(frozen=True)
class PlainCNN:
    model: ModelGraph
    #: the model's calls along its one path, input first
    path: tuple[LayerCall, ...]
    #: its image convolutions with a window larger than 1, in order
    convs: tuple[LayerCall, ...]

    def blocks(self) -> list[list[LayerCall]]:
        """Runs of convolutions at one resolution: a pooling ends a block, a strided
        convolution starts one (1x1 convolutions belong to none)."""
        blocks: list[list[LayerCall]] = []
        current: list[LayerCall] = []
        for call in self.path:
            kind = downsampling(call)
            if call in self.convs:
                if kind == "strided" and current:
                    blocks.append(current)
                    current = []
                current.append(call)
            elif kind is not None and current:
                blocks.append(current)
                current = []
        if current:
            blocks.append(current)
        return blocks

    def activation_of(self, conv: LayerCall) -> object:
        """The activation applied to a convolution's output: its own, or that of an
        activation layer after it (a BatchNormalization or Dropout may sit between); None
        when none is known."""
        own = conv.layer.config.get("activation")
        if isinstance(own, str) and own != "linear":
            return own
        if own not in (None, "linear"):
            return None
        for call in self.path[self.path.index(conv) + 1:]:
            name = call.layer.class_name
            if name in ACTIVATION_LAYERS:
                fixed = ACTIVATION_LAYERS[name]
                given = call.layer.config.get("activation") if fixed is None else fixed
                return given if isinstance(given, str) else None
            if name not in DROPOUTS and name != "BatchNormalization":
                return "linear"
        return "linear"


def plain_cnn(model: ModelGraph) -> PlainCNN | None:
    """The model as a deep plain CNN, or None when it is not one (see the module's docstring)."""
    record = model.record
    if not record.complete or len(record.inputs) != 1 or len(record.outputs) != 1:
        return None
    output = record.outputs[0]
    if output.shape is None or len(output.shape) != 2:
        return None
    path = model.calls
    members = set(path)
    fed: dict[LayerCall, int] = {}
    for call in path:
        layer = call.layer
        if (not call.certain or layer.library or layer.opaque is not None or layer.inner_model is not None
                or layer.class_name in FACTORISED_CONVS or layer.class_name in UPSAMPLING
                or not call.outputs or call.outputs[0].shape is None):
            return None
        producers = [t.producer for t in call.inputs if t.producer in members]
        if len(producers) > 1 or (not producers and not layer.is_input):
            return None
        for producer in producers:
            fed[producer] = fed.get(producer, 0) + 1
    if any(count > 1 for count in fed.values()):
        return None
    convs = []
    for call in path:
        if call.layer.class_name in IMAGE_CONVS:
            kernel, step = window(call), strides(call)
            if kernel is None or step is None:
                return None
            if max(kernel) > 1:
                convs.append(call)
    if len(convs) < DEEP:
        return None
    return PlainCNN(model, tuple(path), tuple(convs))
