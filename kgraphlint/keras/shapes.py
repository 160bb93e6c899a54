"""Tensor shapes as the static analysis knows them.

A dimension is a known ``int``, ``None`` (what Keras itself prints as None: the batch
axis or a variable length), or ``UNKNOWN`` (not known statically). A shape is a tuple of
dimensions, or ``None`` when even the rank is not known. Unknown never becomes a finding:
every helper here propagates it instead of guessing.
"""

from __future__ import annotations

from math import prod
from typing import Iterable, Union

from kgraphlint.interpret.values import UNKNOWN, _Unknown, is_int, is_known  # noqa: F401 (shapes speak of them)

Dim = Union[int, None, _Unknown]
Shape = Union[tuple, None]  # tuple[Dim, ...], or None when the rank is unknown


def fully_known(shape: Shape) -> bool:
    """Every dimension past the batch axis is a known int or Keras's own None."""
    return shape is not None and UNKNOWN not in shape  # dimensions are ints, None or UNKNOWN


def format_dim(dim: Dim) -> str:
    if dim is None:
        return "None"
    if dim is UNKNOWN:
        return "?"
    return str(dim)


def format_shape(shape: Shape) -> str:
    if shape is None:
        return "?"
    inner = ", ".join(format_dim(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def shape_to_json(shape: Shape) -> object:
    """SHAPE in the JSON contract: ints, null for None, "?" for a dimension not known."""
    if shape is None:
        return "?"
    return [None if d is None else ("?" if d is UNKNOWN else d) for d in shape]


def dim_product(dims: Iterable[Dim]) -> Dim:
    """Product of dimensions: None if any is None, UNKNOWN if any is unknown."""
    dims = list(dims)
    if any(d is UNKNOWN for d in dims):
        return UNKNOWN
    if any(d is None for d in dims):
        return None
    return prod(dims)


def add_dims(a: Dim, b: Dim) -> Dim:
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    if a is None or b is None:
        return None
    return a + b


def dims_conflict(a: Dim, b: Dim) -> bool:
    """Two dimensions that are certainly different ints."""
    return is_int(a) and is_int(b) and a != b


def conv_output_length(length: Dim, kernel: Dim, stride: Dim, padding: object, dilation: Dim = 1) -> Dim:
    """One spatial axis of a convolution or pooling, as keras.src.ops.operation_utils computes it.

    May return an int <= 0: the caller decides what an impossible size means.
    """
    if length is None:
        return None
    if not all(is_int(v) for v in (length, kernel, stride, dilation)) or padding is UNKNOWN:
        return UNKNOWN
    if stride <= 0:
        return UNKNOWN
    padding = padding.lower() if isinstance(padding, str) else padding  # Keras accepts "SAME"
    if padding == "valid":
        return (length - dilation * (kernel - 1) - 1) // stride + 1
    if padding in ("same", "causal"):
        return (length - 1) // stride + 1
    return UNKNOWN


def normalize_axis(axis: object, rank: int) -> int | None:
    """A Python axis index into a shape of the given rank, or None if out of range/unknown."""
    if not is_int(axis):
        return None
    if -rank <= axis < rank:
        return axis % rank
    return None
