from kgraphlint.keras.families import MERGES
from kgraphlint.keras.layers.merge import elementwise_shape
from kgraphlint.keras.operations import broadcast
from kgraphlint.graph.origins import size_origin
from kgraphlint.rule import Invalid, Rule, Severity
from kgraphlint.keras.shapes import format_shape, fully_known, is_int

#: operations on two tensors that broadcast them (``x + y``, ``ops.multiply(x, y)``, ...)
BROADCASTING_OPERATIONS = frozenset({"Add", "Subtract", "Multiply", "TrueDivide", "Divide", "FloorDivide", "Mod",
                                     "Power", "Maximum", "Minimum", "Greater", "GreaterEqual", "Less", "LessEqual",
                                     "NotEqual"})


def conflicting_axes(a: tuple, b: tuple) -> list[tuple[int, object, object]]:
    """(axis, size in a, size in b) for the trailing-aligned axes that cannot broadcast."""
    longer = max(len(a), len(b))
    out = []
    for offset in range(1, min(len(a), len(b))):
        i, j = a[-offset], b[-offset]
        if is_int(i) and is_int(j) and i != j and 1 not in (i, j):
            out.append((longer - offset, i, j))
    return sorted(out)


class MergeShapeMismatch(Rule):
    """Element-wise merge of tensors whose shapes cannot be broadcast together.

    ## What it does
    Checks the inputs of Add, Subtract, Multiply, Average, Maximum and Minimum (and their
    functional forms ``add([...])`` ...) with Keras's broadcasting rule: aligned from the
    last axis, two sizes must be equal or one of them 1. Operators on tensors (``x + y``,
    ``x * gate``, in a functional model or a subclassed model's ``call``) and ``keras.ops``
    arithmetic are checked with NumPy's broadcasting, as Keras 3 does.

    ## Why is this bad?
    Keras raises "Inputs have incompatible shapes" when the model is built. The usual cause
    is a residual or skip connection whose two paths downsample differently.

    ## How to fix
    Make both paths produce the same shape: the same strides and padding, or a 1x1
    convolution with matching filters and strides on the shortcut.
    """

    code = "KGL101"
    name = "merge-shape-mismatch"
    severity = Severity.ERROR
    summary = "Add/Subtract/Multiply/Average/Maximum/Minimum of shapes that cannot broadcast"
    bad = (Invalid("""
import keras
from keras import layers
x = keras.Input(shape=(32, 32, 64))
y = layers.Conv2D(128, 3, activation="relu")(x)
y = layers.MaxPooling2D(2)(y)
shortcut = layers.Conv2D(128, 1, strides=2)(x)
out = layers.add([y, shortcut])
model = keras.Model(x, out)
""", spans=((8, 7, 8, 32),)),)
    good = ("""
import keras
from keras import layers
x = keras.Input(shape=(32, 32, 64))
y = layers.Conv2D(128, 3, activation="relu", padding="same")(x)
y = layers.MaxPooling2D(2)(y)
shortcut = layers.Conv2D(128, 1, strides=2)(x)
out = layers.add([y, shortcut])
model = keras.Model(x, out)
""",)

    def check(self, ctx):
        yield from self.check_operations(ctx)
        for call in ctx.certain_calls(*MERGES):
            first = call.inputs[0]
            for other in call.inputs[1:]:
                if not first.shape or not other.shape:
                    continue
                if elementwise_shape(tuple(first.shape[1:]), tuple(other.shape[1:])) is not None:
                    continue
                yield self.report(ctx, call, first, other)
                break

    def check_operations(self, ctx):
        for call in ctx.analysis.facts.calls:
            layer = call.layer
            if not (call.certain and layer.operation and not layer.library and len(call.inputs) == 2
                    and layer.class_name in BROADCASTING_OPERATIONS):
                continue
            first, other = call.inputs
            if fully_known(first.shape) and fully_known(other.shape) and broadcast(first.shape, other.shape) is None:
                axes = conflicting_axes(tuple(first.shape), tuple(other.shape))
                detail = ", ".join(f"axis {axis} is {i} vs {j}" for axis, i, j in axes) or "different ranks"
                message = (f"The {layer.class_name} operation '{layer.name}' cannot broadcast {ctx.describe(first)} "
                           f"with {ctx.describe(other)}: {detail}. Keras raises \"Cannot broadcast shape\" when "
                           f"the model is built (or first called). Give both tensors the same size on that axis.")
                related = [(t.producer.node, f"'{t.producer.layer.name}' produces {format_shape(t.shape)}")
                           for t in (first, other)]
                yield ctx.finding(call.node, message, related=related)

    def report(self, ctx, call, first, other):
        axes = conflicting_axes(tuple(first.shape), tuple(other.shape))
        detail = ", ".join(f"axis {axis} is {i} vs {j}" for axis, i, j in axes)
        last = len(first.shape) - 1
        if axes and all(axis == last for axis, _, _ in axes):
            advice = "Give both paths the same number of channels (filters or units)."
        else:
            advice = ("Make both paths downsample alike: the same strides and pooling, or "
                      "padding='same' on the convolutions, so their sizes agree.")
        channels = [(t, s) for t, s in ((first, first.shape[-1]), (other, other.shape[-1])) if s == 1]
        if channels and len(first.shape) == len(other.shape) and first.shape[-1] != other.shape[-1]:
            t, _ = channels[0]
            advice += (f" Note also that '{t.producer.layer.name}' has 1 channel, which Keras would "
                       f"silently broadcast across {other.shape[-1] if t is first else first.shape[-1]}.")
        message = (f"{call.layer.class_name} '{call.layer.name}' cannot merge {ctx.describe(first)} with "
                   f"{ctx.describe(other)}: {detail or 'the shapes cannot broadcast'}. Keras raises "
                   f"\"Inputs have incompatible shapes\" when the model is built. {advice}")
        related = [(t.producer.node, f"'{t.producer.layer.name}' produces {format_shape(t.shape)}")
                   for t in (first, other)]
        if len(first.shape) == len(other.shape):
            related.extend(self.size_origins(ctx, call, (first, other), [axis for axis, _, _ in axes]))
        return ctx.finding(call.node, message, related=related)

    @staticmethod
    def size_origins(ctx, call, tensors, axes):
        """The earlier layers that set the conflicting sizes, where that is not the layer
        right before the merge (a strided convolution a few layers back)."""
        shown = {ctx.place(node) for node in (call.node, *(t.producer.node for t in tensors))}
        for tensor in tensors:
            origins = {size_origin(tensor, axis) for axis in axes}
            if len(origins) != 1:
                continue
            origin = origins.pop()
            if origin is None or ctx.place(origin.node) in shown:
                continue
            shown.add(ctx.place(origin.node))
            sizes = ", ".join(str(tensor.shape[axis]) for axis in axes)
            on = "axis" if len(axes) == 1 else "axes"
            yield (origin.node, f"'{origin.layer.name}' gives the path through '{tensor.producer.layer.name}' "
                                f"its size on {on} {', '.join(map(str, axes))} ({sizes})")
