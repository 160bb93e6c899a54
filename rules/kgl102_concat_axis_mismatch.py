from kgraphlint.rule import Invalid, Rule, Severity
from kgraphlint.keras.shapes import format_shape, is_int, normalize_axis


def _axis_label(axis: int, rank: int) -> str:
    if rank == 3:  # (batch, steps, features): sequences
        return f"axis {axis}" + {1: " (steps)", 2: " (features)"}.get(axis, "")
    return f"axis {axis}" + (" (channels)" if axis == rank - 1 and rank > 2 else "")


def _advice(bad_axes: list[tuple[int, list[int]]], rank: int, producers: list[str]) -> str:
    axes = [i for i, _ in bad_axes]
    if rank > 3 and all(i < rank - 1 for i in axes):
        return ("The branches shrink the feature map by different amounts: give them the same "
                "strides and padding='same' so their spatial sizes agree.")
    if rank == 3 and axes == [1]:
        lengths = " and ".join(map(str, bad_axes[0][1]))
        strided = any(name.endswith("1D") for name in producers)
        return (f"The inputs are sequences of different lengths ({lengths} steps): pad or crop them to one "
                f"length (ZeroPadding1D, Cropping1D, or padding the data)"
                + (", give the branches the same strides and padding='same'," if strided else ",")
                + " or concatenate along axis 1 to join them end to end.")
    return f"Make the inputs agree on those axes, or concatenate along {axes[0]}."


class ConcatAxisMismatch(Rule):
    """Concatenate inputs that differ on an axis other than the one joined, or an axis out of range.

    ## What it does
    Checks Concatenate and ``concatenate([...])``: every input must have the same rank and
    the same size on every axis except the concatenation axis, and the axis must exist.

    ## Why is this bad?
    Keras raises "A `Concatenate` layer requires inputs with matching shapes except for the
    concatenation axis" when the model is built. Inception-style blocks hit it when their
    branches shrink the feature map by different amounts.

    ## How to fix
    Make the branches agree on the other axes (the same strides, padding='same'; for
    sequences of different lengths, pad or crop them to one length), or concatenate along
    the axis where they differ.
    """

    code = "KGL102"
    name = "concat-axis-mismatch"
    severity = Severity.ERROR
    summary = "Concatenate inputs that differ off the concatenation axis, or an axis out of range"
    bad = (Invalid("""
import keras
from keras import layers
x = keras.Input(shape=(32, 32, 64))
a = layers.Conv2D(32, 1, strides=2)(x)
b = layers.Conv2D(32, 3, strides=2)(x)
model = keras.Model(x, layers.concatenate([a, b]))
""", spans=((7, 24, 7, 50),)), Invalid("""
import keras
from keras import layers
a = keras.Input(shape=(8,))
b = keras.Input(shape=(8,))
model = keras.Model([a, b], layers.Concatenate(axis=2)([a, b]))
""", spans=((6, 29, 6, 63),)))
    good = ("""
import keras
from keras import layers
x = keras.Input(shape=(32, 32, 64))
a = layers.Conv2D(32, 1, strides=2)(x)
b = layers.Conv2D(32, 3, strides=2, padding="same")(x)
model = keras.Model(x, layers.concatenate([a, b]))
""",)

    @staticmethod
    def listing(ctx, call) -> str:
        """The inputs with their shapes and lines (only for a finding: lines cost positions)."""
        return ", ".join(ctx.describe(t) for t in call.inputs)

    def check(self, ctx):
        for call in ctx.certain_calls("Concatenate"):
            shapes = [t.shape for t in call.inputs]
            axis = call.layer.config.get("axis", -1)
            if len(shapes) < 2 or any(not s for s in shapes) or not is_int(axis):
                continue
            ranks = {len(s) for s in shapes}
            related = [(t.producer.node, f"'{t.producer.layer.name}' produces {format_shape(t.shape)}")
                       for t in call.inputs]
            where = f"Concatenate '{call.layer.name}'"
            if len(ranks) > 1:
                listing = self.listing(ctx, call)
                if any(d == 1 for s in shapes for d in s):
                    continue  # Keras squeezes size-1 axes first; stay quiet
                yield ctx.finding(call.node, (
                    f"{where} joins tensors of different ranks: {listing}. Keras raises \"A `Concatenate` "
                    f"layer requires inputs with matching shapes\". Flatten or reshape them to one rank first."),
                    related=related)
                continue
            rank = ranks.pop()
            joined = normalize_axis(axis, rank)
            if joined is None:
                listing = self.listing(ctx, call)
                yield ctx.finding(call.node, (
                    f"{where} uses axis={axis}, but its inputs have rank {rank} ({listing}): the axis does "
                    f"not exist and Keras fails when the layer is called. Use an axis from {-rank} to "
                    f"{rank - 1} (usually -1)."), related=related)
                continue
            bad_axes = []
            for i in range(1, rank):
                sizes = {s[i] for s in shapes if is_int(s[i])}
                if i != joined and len(sizes) > 1 and 1 not in sizes:
                    bad_axes.append((i, sorted(sizes)))
            if not bad_axes:
                continue
            detail = "; ".join(f"{_axis_label(i, rank)} has sizes {', '.join(map(str, sizes))}"
                               for i, sizes in bad_axes)
            advice = _advice(bad_axes, rank, [t.producer.layer.class_name for t in call.inputs])
            yield ctx.finding(call.node, (
                f"{where} joins along {_axis_label(joined, rank)}, but the inputs also differ elsewhere: "
                f"{detail}. Inputs: {self.listing(ctx, call)}. Keras raises \"A `Concatenate` layer requires inputs with "
                f"matching shapes except for the concatenation axis\". {advice}"), related=related)
