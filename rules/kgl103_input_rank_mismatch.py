import math

from kgraphlint.keras.layers import knowledge
from kgraphlint.graph.origins import rank_origin
from kgraphlint.rule import Invalid, Rule, Severity
from kgraphlint.keras.shapes import dim_product, format_shape, is_int


def advice(class_name: str, expected: int, shape: tuple) -> str:
    rank = len(shape)
    size = dim_product(shape[1:])
    if expected == 4 and rank == 2 and is_int(size):
        side = math.isqrt(size)
        if side * side == size:
            return (f"If the {size} features are a {side}x{side} image, add layers.Reshape(({side}, {side}, 1)) "
                    f"before it; otherwise use Dense layers.")
        return "Reshape the features into (height, width, channels) first, or use Dense layers."
    if expected == 4 and rank == 3:
        return "Images need a channel axis: add layers.Reshape((height, width, 1)), or use the 1D layer."
    if expected == 3 and rank == 2:
        return (f"Give it a time axis, e.g. layers.Reshape(({shape[1]}, 1)) or layers.RepeatVector(n), "
                f"or use return_sequences=True on the recurrent layer before it.")
    if expected == 2 and rank > 2:
        return "Flatten it first (layers.Flatten()) or pool it (a Global pooling layer)."
    for dims in (1, 2, 3):
        if rank == dims + 2 and class_name[-2:] in ("1D", "2D", "3D") and class_name[-2] != str(dims):
            return f"For {rank}-D input use {class_name[:-2]}{dims}D."
    return "Reshape its input to the rank it expects."


class InputRankMismatch(Rule):
    """A layer applied to a tensor of a rank it cannot take.

    ## What it does
    Compares the rank of each layer's input with what the layer accepts: Conv2D and
    MaxPooling2D take 4-D image batches, LSTM/GRU/Conv1D 3-D sequences, RepeatVector 2-D
    batches, Dense anything of rank 2 or more.

    ## Why is this bad?
    Keras raises "Input 0 of layer ... is incompatible with the layer: expected ndim=3, found
    ndim=2" (or a kernel-shape error) when the model is built.

    ## How to fix
    Reshape the tensor (add a channel or time axis, or Flatten), or use the layer of the
    right dimensionality.
    """

    code = "KGL103"
    name = "input-rank-mismatch"
    severity = Severity.ERROR
    summary = "a layer applied to a tensor of a rank it cannot take (Conv2D on vectors, LSTM on rank 2)"
    bad = (Invalid("""
import keras
from keras import layers
pixels = keras.Input(shape=(784,))
x = layers.Conv2D(32, 3)(pixels)
model = keras.Model(pixels, x)
""", spans=((5, 5, 5, 33),)), Invalid("""
import keras
from keras import layers
tokens = keras.Input(shape=(20,))
x = layers.Dense(16)(tokens)
x = layers.LSTM(8)(x)
model = keras.Model(tokens, x)
""", spans=((6, 5, 6, 22),)))
    good = ("""
import keras
from keras import layers
pixels = keras.Input(shape=(784,))
x = layers.Reshape((28, 28, 1))(pixels)
x = layers.Conv2D(32, 3)(x)
model = keras.Model(pixels, x)
""",)

    def check(self, ctx):
        for call in ctx.certain_calls():
            found = knowledge(call.layer.class_name)
            if found is None or found.merges or len(call.inputs) != 1 or call.layer.inner_model is not None:
                continue
            tensor = call.inputs[0]
            if tensor.shape is None:
                continue
            rank = len(tensor.shape)
            if found.ranks is not None and rank not in found.ranks:
                expected = min(found.ranks)
                wants = found.expects or f"{expected}-D input"
            elif rank < found.min_rank:
                expected = found.min_rank
                wants = f"input of rank {found.min_rank} or more"
            else:
                continue
            layer = call.layer
            message = (f"{layer.class_name} '{layer.name}' expects {wants}, but is called on a {rank}-D tensor "
                       f"{ctx.describe(tensor)}. Keras raises \"expected ndim={expected}, found ndim={rank}\" "
                       f"when the model is built. {advice(layer.class_name, expected, tensor.shape)}")
            related = [(tensor.producer.node, f"'{tensor.producer.layer.name}' produces {format_shape(tensor.shape)}")]
            origin = rank_origin(tensor)
            if origin is not None and ctx.place(origin.node) not in (
                    ctx.place(tensor.producer.node), ctx.place(call.node)):
                what = (f"the model input '{origin.layer.name}' is" if origin.layer.class_name == "InputLayer"
                        else f"'{origin.layer.name}' makes it")
                related.append((origin.node, f"{what} {rank}-D"))
            yield ctx.finding(call.node, message, related=related)
