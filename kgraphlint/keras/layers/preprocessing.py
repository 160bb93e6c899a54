"""Preprocessing layers: category encoding, lookups, cropping and augmentation of images, text vectorization."""

from __future__ import annotations

from kgraphlint.keras.layers.base import channels_last, Config, int_or_unknown, register, same_shape, single
from kgraphlint.keras.shapes import is_int, is_known, Shape, UNKNOWN


@register("CategoryEncoding")
def category_encoding_output(config: Config, shapes: list) -> Shape:
    """keras.layers.CategoryEncoding.compute_output_shape."""
    shape, tokens, mode = single(shapes), config.get("num_tokens"), config.get("output_mode", "multi_hot")
    if shape is None or not is_int(tokens) or mode not in ("multi_hot", "binary", "one_hot", "count"):
        return None
    if mode == "one_hot" and (shape[-1] != 1 or len(shape) == 1):
        return (*shape, tokens)
    return (*shape[:-1], tokens)


@register("CenterCrop", ranks=frozenset({4}), expects="4-D images (batch, height, width, channels)")
def center_crop_output(config: Config, shapes: list) -> Shape:
    """keras.layers.CenterCrop.compute_output_shape, for batches of images."""
    shape, last = single(shapes), channels_last(config)
    if shape is None or len(shape) != 4 or last is UNKNOWN:
        return None
    height, width = int_or_unknown(config.get("height")), int_or_unknown(config.get("width"))
    return (shape[0], height, width, shape[3]) if last else (shape[0], shape[1], height, width)


def vocabulary_fits(config: Config, special_tokens: object) -> bool:
    """Whether Keras accepts the lookup's max_tokens: more than 1, and at least the given
    vocabulary plus its special tokens (a vocabulary that already starts with them counts
    them twice here, which leaves its shape unknown, never wrong)."""
    limit, vocabulary = config.get("max_tokens"), config.get("vocabulary")
    if not is_int(limit):
        return True
    if limit <= 1:
        return False
    return not (isinstance(vocabulary, (list, tuple)) and is_int(special_tokens)
                and len(vocabulary) + special_tokens > limit)


@register("StringLookup", "IntegerLookup")
def lookup_output(config: Config, shapes: list) -> Shape:
    """StringLookup and IntegerLookup in their default "int" mode: one index per value.
    (The other modes' shapes depend on the vocabulary and on the input's rank in ways
    kgraphlint does not follow yet.)"""
    oov = config.get("num_oov_indices", 1)
    if config.get("output_mode", "int") != "int" or (is_int(oov) and oov < 0):
        return None
    mask = config.get("mask_token")
    special = oov + (mask is not None) if is_int(oov) and is_known(mask) else UNKNOWN
    return single(shapes) if vocabulary_fits(config, special) else None


@register("Hashing")
def hashing_output(config: Config, shapes: list) -> Shape:
    """One bin index per value in "int" mode; Keras refuses num_bins below 1."""
    bins = config.get("num_bins")
    if config.get("output_mode", "int") != "int" or (is_int(bins) and bins <= 0):
        return None
    return single(shapes)


#: image augmentation layers that keep the image's shape (and hold no weights)
register("RandomFlip", "RandomRotation", "RandomZoom", "RandomContrast", "RandomTranslation",
         "RandomBrightness", min_rank=3)(same_shape)


@register("RandomCrop", ranks=frozenset({4}), expects="4-D images (batch, height, width, channels)")
def random_crop_output(config: Config, shapes: list) -> Shape:
    return center_crop_output(config, shapes)


@register("TextVectorization")
def text_vectorization_output(config: Config, shapes: list) -> Shape:
    """In "int" mode a batch of strings (batch,) or (batch, 1) becomes (batch, length):
    output_sequence_length, or None when the length follows each batch. Its vocabulary
    has two special tokens in "int" mode, the mask "" and one out-of-vocabulary index."""
    shape = single(shapes)
    if shape is None or config.get("output_mode", "int") != "int" or len(shape) not in (1, 2) or (
            len(shape) == 2 and shape[1] not in (1, None)) or not vocabulary_fits(config, 2):
        return None
    length = config.get("output_sequence_length")
    if is_int(length) and length < 0:
        return None
    return (shape[0], length if length is None or is_int(length) else UNKNOWN)
