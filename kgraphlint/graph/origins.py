"""Where a tensor got the rank or the size that a finding is about: the earlier layer a fix
usually goes to (``Dense`` applied before ``LSTM`` made the sequence 2-D; a strided
convolution three layers back halved one branch's width).

The walk goes back through layers with one input while the property stays what it is, and
answers the layer that set it (the first whose input differs, or the model's Input). It
answers None where it cannot be sure: an unknown shape, several inputs, a nested model, or
a layer that may move axes around.
"""

from __future__ import annotations

from kgraphlint.keras.facts import LayerCall, Tensor
from kgraphlint.keras.shapes import is_int

#: layers and operations that may move a size from one axis to another
MOVES_AXES = frozenset({"Permute", "Reshape", "reshape", "transpose", "swapaxes", "moveaxis", "TimeDistributed"})
#: how far back the walk goes (a long chain of layers that keep the property)
MAX_STEPS = 256


def rank_origin(tensor: Tensor) -> LayerCall | None:
    """The layer call that gave ``tensor`` its rank."""
    return _origin(tensor, lambda t: len(t.shape), moves=False)


def size_origin(tensor: Tensor, axis: int) -> LayerCall | None:
    """The layer call that gave ``tensor`` its size on ``axis`` (a non-negative index)."""
    def size(t: Tensor) -> object:
        return (len(t.shape), t.shape[axis]) if axis < len(t.shape) and is_int(t.shape[axis]) else None
    return _origin(tensor, size, moves=True)


def _origin(tensor: Tensor, measure, moves: bool) -> LayerCall | None:
    if tensor.shape is None:
        return None
    wanted = measure(tensor)
    if wanted is None:
        return None
    for _ in range(MAX_STEPS):
        call = tensor.producer
        if call.layer.inner_model is not None or call.layer.opaque or (moves and call.layer.class_name in MOVES_AXES):
            return None
        if not call.inputs:
            return call if call.layer.class_name == "InputLayer" else None
        if len(call.inputs) != 1 or call.inputs[0].shape is None:
            return None
        source = call.inputs[0]
        found = measure(source)
        if found is None:
            return None
        if found != wanted:
            return call
        tensor = source
    return None
