"""Models the code uses that kgraphlint cannot see: a backbone given as an argument
(``inputs = backbone.input``, ``image_encoder.pyramid_outputs``), a model loaded from a file.

Such a model is still the start of the models built on it (a task head on a keras-hub
backbone, a feature extractor made from ``base.get_layer(...).output``): its inputs are
one opaque node (how many tensors, and their shapes, are not known), and each of its
outputs an opaque node fed by them, so that what the code builds on top is checked. The
same model read twice in one scope (``backbone.input`` and, later, ``backbone.output``) is
one stand-in, so the graph built on it stays connected.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from kgraphlint.interpret.values import UNKNOWN
from kgraphlint.keras.facts import Tensor, iter_tensors

#: a model's attributes that are its input tensors
INPUT_ATTRIBUTES = frozenset({"input", "inputs"})
#: a model's attributes that are tensors it computes (keras-hub's FeaturePyramidBackbone
#: names its feature maps ``pyramid_outputs``); other names ending so (keras-tcn's
#: ``self.layers_outputs``, a list it appends to) are not taken to mean a model
OUTPUT_ATTRIBUTES = frozenset({"output", "outputs", "pyramid_outputs"})
#: what a method's own object is called: a method run without its object does not make it a model
SELF_NAMES = frozenset({"self", "cls"})
#: the model method that gives one of its layers
GET_LAYER = "get_layer"


def is_model_attribute(attr: str, called: bool) -> bool:
    """An attribute only a Keras model or layer has (what makes an unknown value a model):
    its tensors, read (an OpenVINO node's ``x.output(0)`` is a call), or its get_layer, called."""
    return attr == GET_LAYER if called else attr in INPUT_ATTRIBUTES or attr in OUTPUT_ATTRIBUTES


@dataclass(eq=False)
class UnseenModel:
    """A model (or, from ``get_layer``, one of its layers) kgraphlint does not know; ``what``
    is how the code names it (``backbone``, ``base.get_layer('pool1_pool')``)."""

    what: str
    node: cst.CSTNode
    #: the model this is a layer of (None: a model)
    parent: "UnseenModel | None" = None
    #: "input" or an output attribute -> the tensor it gives, made when first read
    tensors: dict[str, Tensor] = field(default_factory=dict)
    #: get_layer(name) -> that layer
    layers: dict[str, "UnseenModel"] = field(default_factory=dict)

    @property
    def root(self) -> "UnseenModel":
        return self if self.parent is None else self.parent.root


@dataclass(frozen=True)
class UnseenMethod:
    """``model.get_layer`` of an unseen model, not yet called."""

    model: UnseenModel
    name: str


class UnseenModels:
    """The unseen models of one analysis, composed into the Keras overlay (which makes
    their opaque nodes and owns their values)."""

    def __init__(self, overlay) -> None:
        self.overlay = overlay
        #: the machine's origin of an unknown value -> the stand-in for it
        self.by_origin: dict[object, UnseenModel] = {}

    def attribute_of_unknown(self, attr: str, origin: tuple, node: cst.Attribute, called: bool) -> object:
        """``backbone.input``, where the machine does not know ``backbone`` (origin: where it
        is bound, and how the code names it): a model's attribute makes it a model."""
        if not is_model_attribute(attr, called) or origin[-1] in SELF_NAMES:
            return NotImplemented
        model = self.by_origin.get(origin)
        if model is None:
            machine = self.overlay.machine
            model = self.by_origin[origin] = UnseenModel(origin[-1], machine.site(node))
            machine.lose_track(f"model {model.what} not known (an argument, or made where kgraphlint cannot see)",
                               node)
            if machine.certain:
                self.overlay.names.exact = False  # it made layers somewhere, using up their automatic names
        return self.attribute(model, attr, node)

    def attribute(self, model: UnseenModel, attr: str, node: cst.CSTNode) -> object:
        if attr == GET_LAYER:
            return UnseenMethod(model, attr)
        if attr in INPUT_ATTRIBUTES and model.parent is None:
            return self.tensor(model, "input", [], node)
        if attr in INPUT_ATTRIBUTES or attr in OUTPUT_ATTRIBUTES:
            # a layer's input and output, and a model's outputs, are computed from the model's inputs
            source = self.tensor(model.root, "input", [], node)
            key = "input" if attr in INPUT_ATTRIBUTES else "output" if attr in ("output", "outputs") else attr
            return self.tensor(model, key, [source], node)
        return UNKNOWN

    def tensor(self, model: UnseenModel, key: str, inputs: list[Tensor], node: cst.CSTNode) -> Tensor:
        if key not in model.tensors:
            model.tensors[key] = self.overlay.opaque_node(f"{model.what}.{key}", inputs, node)
        return model.tensors[key]

    def call(self, callee: object, args: list, kwargs: dict, node: cst.Call) -> object:
        """``backbone(x)`` or ``backbone.get_layer("pool1")``."""
        if isinstance(callee, UnseenMethod):
            name = kwargs.get("name", args[0] if args else None)
            if not isinstance(name, str):
                return UnseenModel(f"{callee.model.what}.get_layer(...)", node, parent=callee.model)
            if name not in callee.model.layers:
                callee.model.layers[name] = UnseenModel(f"{callee.model.what}.get_layer({name!r})", node,
                                                        parent=callee.model)
            return callee.model.layers[name]
        inputs = [t for value in [*args, *kwargs.values()] for t in iter_tensors(value)]
        if not inputs:
            return UNKNOWN
        return self.overlay.opaque_node(f"{callee.what}(...)", list(dict.fromkeys(inputs)), node)
