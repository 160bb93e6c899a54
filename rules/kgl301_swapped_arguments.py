import re

from kgraphlint.rule import Fix, Rule, Severity
from kgraphlint.shapes import is_int

VOCABULARY_WORDS = re.compile(r"vocab|num_words|max_words|n_words|max_features|num_tokens|n_tokens|max_tokens",
                              re.IGNORECASE)


def looks_like_vocabulary(text: str) -> bool:
    return bool(VOCABULARY_WORDS.search(text))


class SwappedArguments(Rule):
    """Constructor arguments given in the wrong order: ``Embedding(64, vocab_size)``.

    ## What it does
    Reports an Embedding whose ``output_dim`` is clearly the vocabulary size and whose
    ``input_dim`` the vector size: the second argument is named like a vocabulary
    (``vocab_size``, ``max_features``, ``num_words``...) and the first is not, or the
    second is a vocabulary-sized number (5,000 or more) far above the first.

    ## Why is this bad?
    ``input_dim`` is how many distinct ids the layer can look up; ``output_dim`` is the
    vector it returns. Swapped, the layer only accepts ids below 64, every larger word id
    fails or reads garbage, and the model carries vectors thousands wide.

    ## How to fix
    Name the arguments: ``Embedding(input_dim=vocab_size, output_dim=64)``. The fix does that.
    """

    code = "KGL301"
    name = "swapped-arguments"
    severity = Severity.WARNING
    summary = "constructor arguments in the wrong order, e.g. Embedding(64, vocab_size)"
    fixable = True
    bad = ("""
import keras
from keras import layers
vocabulary_size = 50000
words = keras.Input(shape=(None,), dtype="int32")
vectors = layers.Embedding(256, vocabulary_size)(words)
model = keras.Model(words, vectors)
""",)
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
            if layer.class_name != "Embedding":
                continue
            input_dim, output_dim = layer.config.get("input_dim"), layer.config.get("output_dim")
            in_node, out_node = layer.arg_nodes.get("input_dim"), layer.arg_nodes.get("output_dim")
            if not (is_int(input_dim) and is_int(output_dim)) or in_node is None or out_node is None:
                continue
            in_text, out_text = ctx.code_for(in_node), ctx.code_for(out_node)
            named = looks_like_vocabulary(out_text) and not looks_like_vocabulary(in_text)
            sized = output_dim >= 5000 and output_dim >= 8 * input_dim
            if not (named or sized) or input_dim >= output_dim:
                continue
            fix = Fix(f"write Embedding(input_dim={out_text}, output_dim={in_text})",
                      (ctx.edit(in_node, out_text), ctx.edit(out_node, in_text))
                      if "input_dim" in layer.keyword_args else
                      (ctx.edit(in_node, f"input_dim={out_text}"), ctx.edit(out_node, f"output_dim={in_text}")))
            shown_in = in_text if in_text == str(input_dim) else f"{in_text} ({input_dim:,})"
            shown_out = out_text if out_text == str(output_dim) else f"{out_text} ({output_dim:,})"
            message = (f"Embedding '{layer.name}' has its arguments swapped: input_dim={shown_in} is "
                       f"the vector size and output_dim={shown_out} the vocabulary size. input_dim "
                       f"is how many ids the layer can look up, so any id >= {input_dim} is out of range, and each "
                       f"vector is {output_dim:,} wide. Write Embedding(input_dim={out_text}, output_dim={in_text}).")
            yield ctx.finding(layer.construct, message, fix=fix)
