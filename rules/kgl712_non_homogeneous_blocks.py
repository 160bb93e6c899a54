from kgraphlint.graph.cnn import DEEP, plain_cnn, window
from kgraphlint.keras.shapes import is_int
from kgraphlint.rule import Invalid, Rule, Severity


class NonHomogeneousBlocks(Rule):
    """A block of convolutions, in a deep plain CNN, whose layers differ.

    ## What it does
    In a deep plain CNN (one path of at least 5 Conv2D/Conv3D layers with windows larger
    than 1, no branch, merge, depthwise or separable convolution, a vector output; see
    ``kgraphlint.graph.cnn``) it splits the convolutions into blocks at each pooling or
    strided convolution and reports a convolution that differs from the one before it in
    its block: more filters, a larger window, or another activation. NeuraLint's
    "non-homogeneous blocks" smell (Nikanjam et al., "Automatic Fault Detection for Deep
    Learning Programs Using Graph Transformations", TOSEM 2021): "deep CNN should favor
    blocks of 2, 3 or even 4 homogeneous convolutional layers".

    Fewer filters or a smaller window within a block are left to unusual-width-progression
    (KGL708) and decreasing-window-size (KGL709), which report them wherever they occur.
    VGG's blocks (the same filters, 3x3 and relu, widening only after each pooling) are the
    pattern the rule asks for.

    ## Why is this bad?
    Within one resolution the layers of a block refine the same features; changing the
    width or the window mid-block mixes two designs, and a block that widens belongs to
    the next resolution, after the pooling.

    ## How to fix
    Give the convolutions of a block the same filters, window and activation, and change
    them at a pooling (or strided convolution).
    """

    code = "KGL712"
    name = "non-homogeneous-blocks"
    severity = Severity.INFO
    category = "design"
    summary = "a block of convolutions in a deep plain CNN whose layers differ in filters, window or activation"
    bad = (Invalid("""
import keras
from keras import layers
model = keras.Sequential([
    keras.Input(shape=(96, 96, 3)),
    layers.Conv2D(32, 3, padding="same", activation="relu"),
    layers.Conv2D(64, 3, padding="same", activation="relu"),
    layers.MaxPooling2D(2),
    layers.Conv2D(64, 3, padding="same", activation="relu"),
    layers.Conv2D(64, 3, padding="same", activation="relu"),
    layers.MaxPooling2D(2),
    layers.Conv2D(128, 3, padding="same", activation="relu"),
    layers.GlobalAveragePooling2D(),
    layers.Dense(10, activation="softmax"),
])
""", spans=((7, 5, 7, 60),)),)
    good = ("""
import keras
from keras import layers
model = keras.Sequential([
    keras.Input(shape=(96, 96, 3)),
    layers.Conv2D(32, 3, padding="same", activation="relu"),
    layers.Conv2D(32, 3, padding="same", activation="relu"),
    layers.MaxPooling2D(2),
    layers.Conv2D(64, 3, padding="same", activation="relu"),
    layers.Conv2D(64, 3, padding="same", activation="relu"),
    layers.MaxPooling2D(2),
    layers.Conv2D(128, 3, padding="same", activation="relu"),
    layers.GlobalAveragePooling2D(),
    layers.Dense(10, activation="softmax"),
])
""",)

    def check(self, ctx):
        for model in ctx.models:
            cnn = plain_cnn(model)
            if cnn is None:
                continue
            for block in cnn.blocks():
                for before, conv in zip(block, block[1:]):
                    why = self.difference(cnn, before, conv)
                    if why is not None:
                        yield ctx.finding(conv.node, (
                            f"{ctx.call_name(conv)} {why} {ctx.call_name(before)} ({ctx.where(before.node)}) "
                            f"before it in the same block (no pooling or strided convolution between them), in the "
                            f"deep CNN '{model.name}' ({len(cnn.convs)} convolutions on one path, at least {DEEP} make "
                            f"one deep here): the convolutions of a block should be homogeneous. Give them the same "
                            f"filters, window and activation, and change them after a pooling."))
                        break

    @staticmethod
    def difference(cnn, before, conv) -> str | None:
        old, new = before.layer.config.get("filters"), conv.layer.config.get("filters")
        if is_int(old) and is_int(new) and new > old:
            return f"has more filters ({new}) than the {old} of"
        old_window, new_window = window(before), window(conv)
        if old_window and new_window and all(n >= o for n, o in zip(new_window, old_window)) and \
                new_window != old_window:
            return (f"has a larger window ({'x'.join(map(str, new_window))}) than the "
                    f"{'x'.join(map(str, old_window))} of")
        old_activation, new_activation = cnn.activation_of(before), cnn.activation_of(conv)
        if old_activation is not None and new_activation is not None and old_activation != new_activation:
            return f"has another activation ({new_activation}) than the {old_activation} of"
        return None
