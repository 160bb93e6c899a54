from kgraphlint.keras.families import CONV_CHAIN_LINKS as BETWEEN, SPATIAL_CONVS, UPSAMPLING
from kgraphlint.keras.layers.base import int_tuple
from kgraphlint.rule import Invalid, Rule, Severity
from kgraphlint.keras.shapes import is_int

DENSE_BETWEEN = frozenset({"Dropout", "Activation", "BatchNormalization", "LayerNormalization", "ReLU"})


def kernel_area(call) -> int:
    rank = int(call.layer.class_name[4])
    kernel = int_tuple(call.layer.config.get("kernel_size"), rank)
    return 0 if not isinstance(kernel, tuple) else max(kernel)


class UnusualWidthProgression(Rule):
    """Convolution widths that shrink along a feature extractor, or Dense widths that grow towards the output.

    ## What it does
    Follows chains of spatial convolutions (kernel larger than 1; BatchNormalization,
    activations, pooling and dropout may sit between them) and reports one with fewer
    filters than the convolution before it. In a classifier's dense head it reports a
    hidden Dense wider than the Dense before it. Models that upsample (decoders, U-Nets) and
    1x1 bottleneck convolutions are not reported, nor models with an output of the same
    shape as an input (autoencoders), convolutions in models whose outputs are feature maps
    (decoders, segmenters), or Dense layers that grow towards an output at least as wide
    (dense decoders, generators).

    ## Why is this bad?
    Feature extractors usually widen as they downsample, to keep capacity as the map
    shrinks, and dense heads narrow towards the output. The reverse usually means widths
    were swapped, or a layer throws away information it later has to recover.

    ## How to fix
    Check the widths: swap them, or say in a comment why this model needs them.
    """

    code = "KGL708"
    name = "unusual-width-progression"
    severity = Severity.INFO
    category = "design"
    summary = "conv filters that decrease along the feature extractor, or dense widths that grow to the output"
    bad = (Invalid("""
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(32, 32, 3)), layers.Conv2D(64, 3, activation="relu"),
                          layers.MaxPooling2D(2), layers.Conv2D(32, 3, activation="relu"),
                          layers.GlobalAveragePooling2D(), layers.Dense(10, activation="softmax")])
""", spans=((5, 51, 5, 90),)), Invalid("""
import keras
from keras import layers
x = keras.Input(shape=(64,))
a = layers.Dense(16, activation="relu")(x)
a = layers.Dense(48, activation="relu")(a)
b = layers.Dense(8, activation="relu")(x)
model = keras.Model(x, layers.Dense(1)(layers.concatenate([a, b])))
""", spans=((6, 5, 6, 43),)))
    good = ("""
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(32, 32, 3)), layers.Conv2D(32, 3, activation="relu"),
                          layers.MaxPooling2D(2), layers.Conv2D(64, 3, activation="relu"),
                          layers.GlobalAveragePooling2D(), layers.Dense(10, activation="softmax")])
""",)

    def check(self, ctx):
        for model in ctx.models:
            if any(c.layer.class_name in UPSAMPLING for c in model.calls) or self.reconstructs(model):
                continue
            members = set(model.calls)
            # A model whose outputs are all feature maps (a decoder, a denoiser, a segmenter)
            # narrows its convolutions towards the output channels by design.
            maps_out = all(t.shape is not None and len(t.shape) >= 3 and t.producer.layer.class_name != "Dense"
                           for t in model.record.outputs)
            for call in model.calls:
                if not call.certain:
                    continue
                if call.layer.class_name in SPATIAL_CONVS and kernel_area(call) > 1 and not maps_out:
                    yield from self.narrowing_conv(ctx, call, members)
                elif call.layer.class_name == "Dense" and call not in {t.producer for t in model.record.outputs}:
                    yield from self.widening_dense(ctx, call, members, model)

    @staticmethod
    def reconstructs(model) -> bool:
        """An autoencoder-like model: some output has the shape of some input."""
        ins = [tuple(t.shape[1:]) for t in model.record.inputs if t.shape]
        return any(t.shape and tuple(t.shape[1:]) in ins for t in model.record.outputs)

    def narrowing_conv(self, ctx, call, members):
        filters = call.layer.config.get("filters")
        for consumer, _ in ctx.consumers(call, BETWEEN):
            later = consumer.layer.config.get("filters")
            if (consumer in members and consumer.layer.class_name in SPATIAL_CONVS and kernel_area(consumer) > 1
                    and is_int(filters) and is_int(later) and later < filters):
                yield ctx.finding(consumer.node, (
                    f"{ctx.call_name(consumer)} has {later} filters, fewer than the {filters} of "
                    f"{ctx.call_name(call)} ({ctx.where(call.node)}) before it: feature extractors usually "
                    f"widen as they go deeper. Check whether the widths were swapped."))

    def widening_dense(self, ctx, call, members, model):
        units = call.layer.config.get("units")
        outputs = {t.producer for t in model.record.outputs}
        # A model that grows towards an output at least as wide (a decoder, a generator) widens
        # by design; a head narrows to a smaller output.
        widest_output = max((t.shape[-1] for t in model.record.outputs if t.shape and is_int(t.shape[-1])),
                            default=None)
        for consumer, _ in ctx.consumers(call, DENSE_BETWEEN):
            later = consumer.layer.config.get("units")
            if (consumer in members and consumer not in outputs and consumer.layer.class_name == "Dense"
                    and is_int(units) and is_int(later) and later > units
                    and (widest_output is None or widest_output < later)):
                yield ctx.finding(consumer.node, (
                    f"{ctx.call_name(consumer)} has {later} units, more than the {units} of {ctx.call_name(call)} "
                    f"({ctx.where(call.node)}) before it: a head usually narrows towards its output, and "
                    f"the wider layer cannot recover what the narrow one dropped. Check the widths."))
