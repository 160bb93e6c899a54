"""Merging layers: element-wise merges, Concatenate, Dot."""

from __future__ import annotations

from kgraphlint.keras.families import MERGES
from kgraphlint.keras.layers.base import Config, register
from kgraphlint.keras.shapes import add_dims, dims_conflict, is_int, normalize_axis, Shape, UNKNOWN


# ---------------------------------------------------------------- merging


def elementwise_shape(a: tuple, b: tuple) -> tuple | None:
    """keras.layers.Merge._compute_elemwise_op_output_shape, on shapes without the batch
    axis; None where Keras raises "Inputs have incompatible shapes"."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return a
    out = list(a[: len(a) - len(b)])
    for i, j in zip(a[len(a) - len(b):], b):
        if i is UNKNOWN or j is UNKNOWN:
            out.append(UNKNOWN)
        elif i is None or j is None:
            out.append(None)
        elif i == 1:
            out.append(j)
        elif j == 1 or i == j:
            out.append(i)
        else:
            return None
    return tuple(out)


def merge_output(config: Config, shapes: list) -> Shape:
    """Element-wise merge (Add, Multiply, ...), broadcasting as keras.layers.Merge does."""
    if not shapes or any(s is None or not s for s in shapes):
        return None
    out = tuple(shapes[0][1:])
    for shape in shapes[1:]:
        out = elementwise_shape(out, tuple(shape[1:]))
        if out is None:
            return None
    batch = next((s[0] for s in shapes if is_int(s[0])), shapes[0][0])
    return (batch, *out)


register(*MERGES, merges=True)(merge_output)


@register("Concatenate", merges=True)
def concatenate_output(config: Config, shapes: list) -> Shape:
    if not shapes or any(s is None for s in shapes):
        return None
    rank = len(shapes[0])
    if any(len(s) != rank for s in shapes):
        return None
    axis = normalize_axis(config.get("axis", -1), rank)
    if axis is None:
        return None
    out = list(shapes[0])
    for shape in shapes[1:]:
        for i, (a, b) in enumerate(zip(out, shape)):
            if i == axis:
                out[i] = add_dims(a, b)
            elif dims_conflict(a, b):
                return None
            elif not is_int(a):
                out[i] = b if is_int(b) else a
    return tuple(out)


def dot_axes(config: Config, shapes: list) -> tuple | None:
    axes = config.get("axes")
    if len(shapes) != 2 or any(s is None for s in shapes):
        return None
    if is_int(axes):
        axes = (axes, axes)
    if not (isinstance(axes, (tuple, list)) and len(axes) == 2 and all(is_int(a) for a in axes)):
        return None
    a0, a1 = normalize_axis(axes[0], len(shapes[0])), normalize_axis(axes[1], len(shapes[1]))
    return None if a0 is None or a1 is None else (a0, a1)


@register("Dot", merges=True)
def dot_output(config: Config, shapes: list) -> Shape:
    axes = dot_axes(config, shapes)
    if axes is None:
        return None
    s1, s2 = list(shapes[0]), list(shapes[1])
    if dims_conflict(s1[axes[0]], s2[axes[1]]):
        return None
    s1.pop(axes[0])
    s2.pop(axes[1])
    s2.pop(0)
    out = s1 + s2
    return tuple(out + [1] if len(out) == 1 else out)
