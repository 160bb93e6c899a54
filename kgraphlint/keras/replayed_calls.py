"""What a replayed library call (kgraphlint.interpret.call_memo) did to the Keras overlay.

Keras code reads two things besides its arguments: the automatic names used so far (the
next unnamed Dense is ``dense_3``) and the image data format layers default to; they are
part of the call's key. What it does is record facts (layers, layer calls, models, reads of
``layer.output``), all appended to the overlay's lists, and use up automatic names: that is
the effect kept and replayed. Anything else of the overlay's a call changes (what the
analysed file itself records, custom layers and models running) is not replayed: the call
is then not kept.
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Iterator

from kgraphlint.keras.custom_layers import LayerMethod, LayerState
from kgraphlint.keras.facts import (
    DataFormatSetting,
    LayerAttributeRead,
    LayerCall,
    LayerInstance,
    Loss,
    ModelRecord,
    Tensor,
    WeightlessObject,
)
from kgraphlint.keras.signatures import KERAS2, KERAS3, Binding, Signature, signature

if TYPE_CHECKING:
    from kgraphlint.keras.overlay import KerasOverlay

#: what a kept effect may hold of the overlay's values
REPLAYABLE_TYPES = (Tensor, LayerCall, LayerInstance, ModelRecord, Binding, WeightlessObject, Loss,
                    LayerAttributeRead, DataFormatSetting, LayerState, LayerMethod)
#: the overlay's attributes a replay restores (the rest must be left as they were)
REPLAYED = frozenset({"facts", "names", "machine"})


def key(overlay: "KerasOverlay") -> object:
    if overlay.custom.runs:
        return NotImplemented  # inside a custom layer's method, which owns what is made there
    return (overlay.flavour, overlay.data_format, sorted(overlay.names.counts.items()), overlay.names.exact,
            overlay.guessed_arguments, overlay.guessing)


def mark(overlay: "KerasOverlay") -> tuple:
    lists = {f.name: len(getattr(overlay.facts, f.name)) for f in fields(overlay.facts)
             if type(getattr(overlay.facts, f.name)) is list}
    return lists, unreplayed_state(overlay)


def unreplayed_state(overlay: "KerasOverlay") -> tuple:
    """The shape of what a kept call must leave as it was: every attribute of the overlay but
    those replayed, its helpers' (custom layers and unseen models running or met), and the
    facts that are not lists (the analysed file's library calls, its snippet names)."""
    facts = overlay.facts
    return (shape(overlay, REPLAYED), shape(overlay.custom, {"overlay", "machine"}),
            shape(overlay.unseen, {"overlay", "machine"}),
            shape(facts, {f.name for f in fields(facts) if type(getattr(facts, f.name)) is list}))


def shape(value: object, skip: set | frozenset) -> tuple:
    """Each attribute's identity and, for a container, its length: what changes when it is
    set anew or added to."""
    return tuple((name, id(item), len(item) if isinstance(item, (list, dict, set)) else None)
                 for name, item in vars(value).items() if name not in skip)


def effect(overlay: "KerasOverlay", marked: tuple) -> object:
    lists, state = marked
    if unreplayed_state(overlay) != state:
        return NotImplemented
    # the layer calls first, in the order they were made: each one's inputs are pickled
    # before it, and a model hundreds of layers deep pickles without recursing through all
    order = sorted(lists, key=lambda name: name != "calls")
    added = {name: getattr(overlay.facts, name)[lists[name]:] for name in order}
    return dict(overlay.names.counts), overlay.names.exact, added


def existing(overlay: "KerasOverlay", marked: tuple) -> Iterator[object]:
    lists = marked[0]
    for layer in overlay.facts.layers[:lists["layers"]]:
        yield layer
        yield layer.binding
    for call in overlay.facts.calls[:lists["calls"]]:
        yield call
        yield from call.outputs
    yield from overlay.facts.records[:lists["records"]]


def replay(overlay: "KerasOverlay", kept: object) -> None:
    counts, exact, added = kept
    overlay.names.counts.clear()
    overlay.names.counts.update(counts)
    overlay.names.exact = exact
    for name, items in added.items():
        getattr(overlay.facts, name).extend(items)


def persistent_id(value: object) -> object:
    """Signatures are shared tables, compared by identity (tf_keras's Embedding): named."""
    if type(value) is Signature:
        for flavour in (KERAS3, KERAS2):
            if signature(value.class_name, flavour) is value:
                return value.class_name, flavour
    return None


def persistent_value(name: object) -> object:
    return signature(*name)
