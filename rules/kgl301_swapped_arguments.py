import re

from kgraphlint.rule import Fix, Invalid, Rule, Severity
from kgraphlint.keras.shapes import is_int
from kgraphlint.keras.signatures import activation_names

VOCABULARY_WORDS = re.compile(r"vocab|num_words|max_words|n_words|max_features|num_tokens|n_tokens|max_tokens",
                              re.IGNORECASE)


def looks_like_vocabulary(text: str) -> bool:
    return bool(VOCABULARY_WORDS.search(text))


class SwappedArguments(Rule):
    """Constructor arguments given in the wrong order: ``Embedding(64, vocab_size)``.

    ## What it does
    Reports arguments whose names and magnitudes show they were swapped:

    - an Embedding whose second argument is named like a vocabulary (``vocab_size``,
      ``max_features``, ``num_words``...) and the first is not, or whose second is a
      vocabulary-sized number (5,000 or more) far above the first;
    - ``Dense("relu", 64)``: an activation name where the units go;
    - ``Conv2D((3, 3), 32)``: the kernel size where the filters go, or ``Conv2D(3, 64)``
      with a tiny odd filter count and a kernel of 16 or more.

    ## Why is this bad?
    ``input_dim`` is how many distinct ids an Embedding can look up; ``output_dim`` is the
    vector it returns. Swapped, the layer only accepts ids below 64, every larger word id
    fails, and the model carries vectors thousands wide. The Dense and Conv cases raise
    when the layer is created, with a message about the wrong argument.

    ## How to fix
    Name the arguments: ``Embedding(input_dim=vocab_size, output_dim=64)``. The fix does that.
    """

    code = "KGL301"
    name = "swapped-arguments"
    severity = Severity.WARNING
    summary = "constructor arguments in the wrong order, e.g. Embedding(64, vocab_size)"
    fixable = True
    bad = (Invalid("""
import keras
from keras import layers
vocabulary_size = 50000
words = keras.Input(shape=(None,), dtype="int32")
vectors = layers.Embedding(256, vocabulary_size)(words)
model = keras.Model(words, vectors)
""", spans=((6, 11, 6, 49),), fixed="""
import keras
from keras import layers
vocabulary_size = 50000
words = keras.Input(shape=(None,), dtype="int32")
vectors = layers.Embedding(input_dim=vocabulary_size, output_dim=256)(words)
model = keras.Model(words, vectors)
"""), Invalid("""
from keras import layers
hidden = layers.Dense("relu", 64)
""", spans=((3, 10, 3, 34),), fixed="""
from keras import layers
hidden = layers.Dense(units=64, activation="relu")
"""), Invalid("""
from keras import layers
features = layers.Conv2D((3, 3), 32, padding="same")
""", spans=((3, 12, 3, 53),), fixed="""
from keras import layers
features = layers.Conv2D((3, 3), 32, padding="same")
"""))
    good = ("""
import keras
from keras import layers
vocabulary_size = 50000
words = keras.Input(shape=(None,), dtype="int32")
vectors = layers.Embedding(vocabulary_size, 256)(words)
model = keras.Model(words, vectors)
""",)

    def check(self, ctx):
        for layer in ctx.layers:
            if layer.class_name == "Dense":
                yield from self.dense(ctx, layer)
            elif layer.class_name in ("Conv1D", "Conv2D", "Conv3D"):
                yield from self.conv(ctx, layer)
            elif layer.class_name == "Embedding":
                yield from self.embedding(ctx, layer)

    @staticmethod
    def swap_fix(ctx, layer, first: str, second: str) -> Fix | None:
        """Give each argument the other's value, as keywords so the intent is explicit.
        A positional argument becomes ``name=value``; a keyword one keeps its keyword."""
        a, b = layer.arg_nodes.get(first), layer.arg_nodes.get(second)
        if a is None or b is None:
            return None
        a_text, b_text = ctx.code_for(a), ctx.code_for(b)

        def replacement(name: str, text: str) -> str:
            return text if name in layer.keyword_args else f"{name}={text}"

        return Fix(f"write {first}={b_text}, {second}={a_text}",
                   (ctx.edit(a, replacement(first, b_text)), ctx.edit(b, replacement(second, a_text))))

    def dense(self, ctx, layer):
        units, activation = layer.config.get("units"), layer.config.get("activation")
        if isinstance(units, str) and units in activation_names() and is_int(activation):
            yield ctx.finding(layer.construct, (
                f"Dense(\"{units}\", {activation}) has its arguments swapped: units comes first. Keras raises "
                f"\"Received an invalid value for `units`\". Write Dense({activation}, activation=\"{units}\")."),
                fix=self.swap_fix(ctx, layer, "units", "activation"))

    def conv(self, ctx, layer):
        filters, kernel = layer.config.get("filters"), layer.config.get("kernel_size")
        swapped_tuple = isinstance(filters, tuple) and all(is_int(k) for k in filters) and is_int(kernel)
        swapped_sizes = (is_int(filters) and is_int(kernel) and filters in (1, 3, 5, 7) and kernel >= 16
                         and "filters" not in layer.keyword_args and "kernel_size" not in layer.keyword_args)
        if not (swapped_tuple or swapped_sizes):
            return
        effect = ("Keras raises a TypeError when the layer is created" if swapped_tuple else
                  f"this asks for {filters} filters of size {kernel}, a kernel larger than most feature maps")
        yield ctx.finding(layer.construct, (
            f"{layer.class_name}({filters}, {kernel}) looks swapped: filters (the number of output channels) "
            f"comes first and kernel_size second; {effect}. Write {layer.class_name}({kernel}, {filters})."),
            fix=self.swap_fix(ctx, layer, "filters", "kernel_size"))

    def embedding(self, ctx, layer):
        input_dim, output_dim = layer.config.get("input_dim"), layer.config.get("output_dim")
        in_node, out_node = layer.arg_nodes.get("input_dim"), layer.arg_nodes.get("output_dim")
        if not (is_int(input_dim) and is_int(output_dim)) or in_node is None or out_node is None:
            return
        in_text, out_text = ctx.code_for(in_node), ctx.code_for(out_node)
        named = looks_like_vocabulary(out_text) and not looks_like_vocabulary(in_text)
        sized = output_dim >= 5000 and output_dim >= 8 * input_dim
        if not (named or sized) or input_dim >= output_dim:
            return
        fix = self.swap_fix(ctx, layer, "input_dim", "output_dim")
        shown_in = in_text if in_text == str(input_dim) else f"{in_text} ({input_dim:,})"
        shown_out = out_text if out_text == str(output_dim) else f"{out_text} ({output_dim:,})"
        message = (f"Embedding '{layer.name}' has its arguments swapped: input_dim={shown_in} is "
                   f"the vector size and output_dim={shown_out} the vocabulary size. input_dim "
                   f"is how many ids the layer can look up, so any id >= {input_dim} is out of range, and each "
                   f"vector is {output_dim:,} wide. Write Embedding(input_dim={out_text}, output_dim={in_text}).")
        yield ctx.finding(layer.construct, message, fix=fix)
