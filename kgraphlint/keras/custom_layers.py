"""Layers the user writes: subclasses of ``keras.layers.Layer``.

Keras builds such a layer on its first call (``build(input_shape)``, where ``add_weight``
creates its weights) and runs ``call`` on symbolic tensors to learn the output shape
(unless ``compute_output_shape`` says it). kgraphlint does the same with its own values:
the weights ``add_weight`` makes are counted as the layer's parameters, and ``call`` runs
with the real input tensors, but what happens inside (sublayers, ``x * self.gamma``) is
the layer's own business: it adds nothing to the model's graph, only shapes and, for
sublayers, parameters.

``CustomLayers`` is the Keras overlay's part for them (``kgraphlint.keras.overlay``).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

import libcst as cst

from typing import TYPE_CHECKING, Iterator

from kgraphlint.feeding.arrays import Array
from kgraphlint.graph.model_graph import build_model_graph
from kgraphlint.interpret.values import ClassValue, ModuleRef, ObjectValue, is_plain
from kgraphlint.keras.facts import LayerInstance, ModelRecord, Tensor, iter_tensors
from kgraphlint.keras.layers.base import has_weights
from kgraphlint.keras.shapes import UNKNOWN, dim_product, is_int, is_known
from kgraphlint.keras.signatures import KERAS2
from kgraphlint.resolve import symbols as kimports

if TYPE_CHECKING:
    from kgraphlint.keras.overlay import KerasOverlay


@dataclass(eq=False)
class LayerMethod:
    """A method every Keras layer has that kgraphlint models (``self.add_weight``)."""

    receiver: ObjectValue
    name: str


@dataclass(eq=False)
class LayerState:
    """What a custom layer instance holds besides its attributes."""

    #: its weights so far: (size, trainable) for each add_weight
    weights: list = field(default_factory=list)
    #: the keywords its __init__ passes to Layer.__init__ (name=...)
    layer_kwargs: dict = field(default_factory=dict)
    #: a keras.Model subclass whose __init__ ends in super().__init__(inputs=..., outputs=...)
    functional: object = None
    #: a subclass of a built-in layer: what its __init__ gives the built-in's (args, kwargs, partial)
    base_arguments: tuple | None = None
    #: while its own call() runs: the shape the built-in's call gives (``super().call(x)``)
    base_output: object = None


@dataclass(eq=False)
class LayerRun:
    """One custom layer being built or called: the sublayers it calls inside."""

    layer: LayerInstance
    sublayers: list[LayerInstance] = field(default_factory=list)


def is_layer_base(value: object) -> bool:
    """``keras.layers.Layer`` however it is reached, or a custom layer class."""
    if isinstance(value, ClassValue):
        return value.owner is not None
    if not isinstance(value, ModuleRef):
        return False
    path = kimports.canonical_module(value.dotted)
    module, _, name = path.rpartition(".")
    return name == "Layer" and kimports.is_keras_path(path) and kimports.namespace(module) == "keras.layers"


class CustomLayers:
    """Custom layers for one Keras overlay: constructing, building and calling them."""

    def __init__(self, overlay: "KerasOverlay") -> None:
        self.overlay = overlay
        self.machine = overlay.machine
        #: the custom layers being built or called, innermost last
        self.runs: list[LayerRun] = []

    def new_instance(self, cls: ClassValue, args: list, kwargs: dict, partial: bool, node: cst.CSTNode,
                     defaults_only: bool = False) -> tuple[ObjectValue, LayerState, bool]:
        """An instance of a class the overlay models, its __init__ run: (instance, its
        state, whether the class has an __init__ of its own)."""
        cls.instantiated = True
        state = LayerState()
        instance = ObjectValue(cls, dict(cls.attributes), state)
        init = cls.methods.get("__init__")
        if init is not None:
            self.machine.call_function(init, [instance, *args], kwargs, node=node, partial=partial,
                                       defaults_only=defaults_only)
        return instance, state, init is not None

    def construct(self, cls: ClassValue, args: list, kwargs: dict, partial: bool, node: cst.Call) -> LayerInstance:
        instance, state, has_init = self.new_instance(cls, args, kwargs, partial, node)
        if not has_init:
            state.layer_kwargs.update(kwargs)  # Layer.__init__ itself receives them
        name = state.layer_kwargs.get("name")
        explicit = isinstance(name, str)
        if not explicit:
            name = self.overlay.names.auto_name(cls.node.name.value)
        layer = LayerInstance(cls.node.name.value, name, explicit, {}, self.machine.site(node), self.machine.certain,
                              custom=instance, source_class=cls.node, class_arguments=(tuple(args), dict(kwargs),
                                                                                       partial))
        self.overlay.register_layer(layer)
        return layer

    def layer_method(self, method: LayerMethod, args: list, kwargs: dict) -> object:
        if method.name == "add_weight":
            return self.add_weight(method.receiver, args, kwargs)
        return UNKNOWN

    @staticmethod
    def add_weight(instance: ObjectValue, args: list, kwargs: dict) -> object:
        """``self.add_weight(shape=..., trainable=...)``: a weight of that many parameters,
        usable like a constant array of its shape."""
        shape = kwargs.get("shape", args[0] if args else None)
        if shape is None:
            shape = ()  # Keras's default: a scalar
        trainable = kwargs.get("trainable", True)
        if not isinstance(shape, (tuple, list)) or not all(is_int(d) for d in shape) or not isinstance(trainable, bool):
            instance.state.weights.append((UNKNOWN, trainable))
            return UNKNOWN
        instance.state.weights.append((dim_product(shape), trainable))
        return Array(tuple(shape))

    def call_super(self, receiver: ObjectValue, method: str, args: list, kwargs: dict, partial: bool,
                   node: cst.Call, arg_nodes: dict) -> object:
        """``super().__init__(**kwargs)`` in a custom layer or model: the name and other
        base-Layer keywords it passes on; in a keras.Model subclass, inputs and outputs make
        it a functional model (every keras-hub backbone is built so)."""
        if not isinstance(receiver.state, LayerState):
            return UNKNOWN
        if method in ("build", "call") and id(receiver.cls.node) in self.overlay.builtin_bases:
            return None if method == "build" else self.base_output(receiver, args, node)
        if method != "__init__":
            return UNKNOWN
        if id(receiver.cls.node) in self.overlay.builtin_bases:
            receiver.state.base_arguments = (args, kwargs, partial)
            return None
        if self.overlay.is_model_class(receiver.cls) and (args or "inputs" in kwargs or "outputs" in kwargs):
            receiver.state.functional = self.overlay.make_functional(
                args, kwargs, partial, node, arg_nodes, class_name=receiver.cls.node.name.value)
            return None
        receiver.state.layer_kwargs.update(kwargs)
        return None

    def construct_model(self, cls: ClassValue, args: list, kwargs: dict, partial: bool, node: cst.CSTNode,
                        defaults_only: bool = False) -> object:
        """An instance of a keras.Model subclass: the functional model its __init__ makes, or
        a subclassed model, built when it is first called or fed."""
        instance, state, has_init = self.new_instance(cls, args, kwargs, partial, node, defaults_only)
        if not has_init and (args or "inputs" in kwargs):  # Subclass(inputs, outputs): Model's own __init__
            state.functional = self.overlay.make_functional(args, kwargs, partial, node, {},
                                                            class_name=cls.node.name.value)
        elif not has_init:
            state.layer_kwargs.update(kwargs)
        if state.functional is not None:
            state.functional.instance = instance
            if not defaults_only:  # the model is where the code makes it (else at its super().__init__)
                state.functional.node = self.machine.site(node)
            state.functional.custom_training = bool(TRAINING_OVERRIDES & cls.methods.keys())
            return state.functional
        name = state.layer_kwargs.get("name")
        explicit = isinstance(name, str)
        if not explicit:
            name = self.overlay.names.auto_name(cls.node.name.value)
        site = self.machine.site(node)
        layer = LayerInstance(cls.node.name.value, name, explicit, {}, site, self.machine.certain, custom=instance)
        self.overlay.register_layer(layer)
        record = ModelRecord("subclassed", name, explicit, site, self.machine.certain, as_layer=layer,
                             custom_training=bool(TRAINING_OVERRIDES & cls.methods.keys()))
        self.overlay.facts.records.append(record)
        return record

    def construct_builtin_subclass(self, cls: ClassValue, base: tuple[str, str], args: list, kwargs: dict,
                                   partial: bool, node: cst.Call) -> LayerInstance:
        """``class MyConv(layers.Conv2D)``: the built-in made with what the subclass's
        __init__ passes to it, named after the subclass. Where the subclass overrides how
        it computes (call, build, compute_output_shape), its shape and weights are unknown."""
        given = (tuple(args), dict(kwargs), partial)
        instance, state, has_init = self.new_instance(cls, args, kwargs, partial, node)
        if has_init:
            args, kwargs, partial = state.base_arguments or ([], {}, True)
        class_name, flavour = base
        kwargs = dict(kwargs)
        if "name" not in kwargs and not partial:
            kwargs["name"] = self.overlay.names.auto_name(cls.node.name.value)
            explicit = False
        else:
            explicit = True
        layer = self.overlay.construct_layer(class_name, list(args), kwargs, partial, node, {}, flavour)
        layer.class_name, layer.base_class, layer.explicit_name = cls.node.name.value, class_name, explicit
        layer.source_class, layer.class_arguments = cls.node, given
        if "compute_output_shape" in cls.methods:
            layer.config = {key: UNKNOWN for key in layer.config}  # its own shape rule: not followed
        elif OVERRIDES & cls.methods.keys():
            layer.overrides = instance
        return layer

    def run_overrides(self, layer: LayerInstance, args: list, kwargs: dict, shapes: list, base_out: object,
                      first_call: bool) -> object:
        """A subclass of a built-in whose build() or call() is plain Python (a Conv2D whose
        call() scales the convolution by a weight its build() adds): what ``super().build``
        and ``super().call`` give is the built-in's, the overrides run on top, and the weights
        their add_weight makes count with the built-in's. Its output shape, or None.

        Keras 3 takes a symbolic call's shape from ``compute_output_shape``, which every
        built-in layer kgraphlint knows defines: the override's call() does not run there,
        and the shape is the built-in's (a Dense whose call() doubles its width still says
        ``units``). Keras 2 (tf_keras) traces call()."""
        instance = layer.overrides
        methods = instance.cls.methods
        for key, value in layer.config.items():  # self.filters, self.units: Keras keeps its arguments
            if is_plain(value):
                instance.attributes.setdefault(key, value)
        instance.state.base_output = base_out
        run = LayerRun(layer)
        self.runs.append(run)
        lost_before = len(self.machine.blind_spots)
        try:
            if first_call and "build" in methods:
                input_shape = shapes[0] if len(shapes) == 1 else list(shapes)
                self.machine.call_function(methods["build"], [instance, input_shape], {}, node=layer.construct)
            out = base_out
            if "call" in methods and (layer.flavour or self.overlay.flavour) == KERAS2:
                result = self.machine.call_function(methods["call"], [instance, *args], kwargs, node=layer.construct)
                seen = is_tensors(result) and not (isinstance(result, Tensor) and result.unseen)
                out = tensor_shapes(result) if seen else None
        finally:
            self.runs.pop()
            instance.state.base_output = None
        if first_call:
            followed = len(self.machine.blind_spots) == lost_before
            own = custom_params(instance, run.sublayers) if followed else (UNKNOWN, UNKNOWN)
            base = layer.params or (UNKNOWN, UNKNOWN)
            layer.params = tuple(b + o if is_int(b) and is_int(o) else UNKNOWN for b, o in zip(base, own))
        return out

    def base_output(self, receiver: ObjectValue, args: list, node: cst.Call) -> object:
        """``super().call(inputs)`` in a built-in's subclass: a tensor of the built-in's output shape."""
        shape = receiver.state.base_output
        inputs = [t for value in args for t in iter_tensors(value)]
        if shape is None or isinstance(shape, list) or not inputs or not self.runs:
            return UNKNOWN
        tensor = self.overlay.opaque_node("super().call", inputs, node)  # inside a run: no graph node
        tensor.shape, tensor.dtype, tensor.unseen = shape, inputs[0].dtype, False
        return tensor

    def build_model(self, record: ModelRecord, shapes: list, dtype: object, node: cst.CSTNode, by: str) -> None:
        """Run a subclassed model's call() on Inputs of these shapes, as real graph nodes
        (rules check what it does; the model's summary lists its sublayers)."""
        instance = record.as_layer.custom
        call = instance.cls.methods.get("call")
        if record.built_by is not None or call is None or not shapes:
            return
        record.built_by = by
        site = self.machine.site(node)
        with self.overlay.uncalled(False):  # Keras traces call() without naming what it makes
            tensors = [self.overlay.input_tensor(
                self.overlay.input_layer({"shape": shape[1:], "batch_shape": shape}, site, {}), shape, dtype, site)
                for shape in shapes]
            result = self.machine.call_function(call, [instance, tensors[0] if len(tensors) == 1 else tensors], {},
                                                node=site)
        outputs = [result] if isinstance(result, Tensor) else (
            list(result) if isinstance(result, (list, tuple)) and all(isinstance(r, Tensor) for r in result) else [])
        if not outputs:  # the model stays, what its call() computes one opaque node
            record.outputs_known = False
            with self.overlay.uncalled(False):
                outputs = [self.overlay.outputs_not_followed(
                    f"result of {instance.cls.node.name.value}.call()", tensors,
                    [t for t in iter_tensors(result) if t not in tensors], site)]
        record.inputs, record.outputs = tensors, outputs
        record.sublayers = tracked_layers(instance)

    def run(self, layer: LayerInstance, args: list, kwargs: dict, shapes: list) -> tuple[object, bool]:
        """Build the layer on its first call and run it: its output shape(s) (None where
        unknown), and whether it is known how many tensors it returns."""
        instance = layer.custom
        methods = instance.cls.methods
        input_shape = shapes[0] if len(shapes) == 1 else list(shapes)
        run = LayerRun(layer)
        self.runs.append(run)
        lost_before = len(self.machine.blind_spots)
        try:
            if layer.params is None and "build" in methods:
                self.machine.call_function(methods["build"], [instance, input_shape], {}, node=layer.construct)
            if "compute_output_shape" in methods:
                result = self.machine.call_function(methods["compute_output_shape"], [instance, input_shape], {},
                                            node=layer.construct)
                out = shape_result(result)
                structure = out is not None
            elif "call" in methods:
                result = self.machine.call_function(methods["call"], [instance, *args], kwargs, node=layer.construct)
                # an unseen call's result returned as is may be several tensors
                out = tensor_shapes(result)
                structure = is_tensors(result) and not (isinstance(result, Tensor) and result.unseen)
            else:
                out, structure = None, False
        finally:
            self.runs.pop()
        if layer.params is None:
            # Where the run lost track, a sublayer it did not see called may hold weights.
            # A build() that takes a shape per tensor (decoder_sequence_shape,
            # encoder_sequence_shape) is given each by Keras; it was run with the first only.
            followed = len(self.machine.blind_spots) == lost_before and not (
                "build" in methods and build_shape_count(methods["build"]) > 1 and tensor_arguments(args, kwargs) > 1)
            layer.params = custom_params(instance, run.sublayers) if followed else (UNKNOWN, UNKNOWN)
        return out, structure

    @contextmanager
    def outside(self) -> Iterator[None]:
        """Code that makes graph nodes of its own even while a custom layer runs (a
        Sequential a layer's call() builds gets a functional graph of its own)."""
        runs, self.runs = self.runs, []
        try:
            yield
        finally:
            self.runs = runs

    def inside(self, sublayer: LayerInstance | None = None) -> bool:
        """True while a custom layer runs; a sublayer it calls counts toward its parameters."""
        if not self.runs:
            return False
        if sublayer is not None and sublayer not in self.runs[-1].sublayers:
            self.runs[-1].sublayers.append(sublayer)
        return True


#: methods whose override changes how a model is trained, and so what compile and fit accept
TRAINING_OVERRIDES = frozenset({"compute_loss", "train_step", "test_step", "predict_step", "compile", "fit",
                                "evaluate", "predict", "compute_metrics"})
#: methods whose override changes what a built-in layer computes
OVERRIDES = frozenset({"call", "build", "compute_output_shape"})


def build_shape_count(build) -> int:
    """How many shapes a build() method takes (its parameters after self)."""
    params = build.node.params
    return len(params.posonly_params) + len(params.params) + len(params.kwonly_params) - 1


def tensor_arguments(args: list, kwargs: dict) -> int:
    return sum(1 for value in [*args, *kwargs.values()] for _ in iter_tensors(value))


def tracked_layers(instance: ObjectValue) -> list[LayerInstance]:
    """The layers a model or layer tracks: those in its attributes (lists and dicts of them
    too), in the order they were assigned, as ``model.layers`` lists them."""
    found: list[LayerInstance] = []

    def add(value: object) -> None:
        if isinstance(value, LayerInstance) and value not in found and not value.is_input:
            found.append(value)
        elif isinstance(value, ModelRecord) and value.as_layer is not None:
            add(value.as_layer)
        elif isinstance(value, (list, tuple)):
            for item in value:
                add(item)
        elif isinstance(value, dict):
            for item in value.values():
                add(item)

    for value in instance.attributes.values():
        add(value)
    return found


def model_layers(record: ModelRecord) -> list[LayerInstance]:
    """The layers a model's call runs (a Sequential's, a functional model's graph's)."""
    if record.kind == "sequential":
        return list(record.layers)
    if record.kind == "subclassed":
        return tracked_layers(record.as_layer.custom) if record.as_layer is not None else []
    return [call.layer for call in build_model_graph(record).nodes] if record.outputs else []


def shape_result(value: object) -> object:
    if isinstance(value, (tuple, list)) and all(d is None or is_int(d) for d in value):
        return tuple(value)
    if isinstance(value, list) and all(isinstance(v, tuple) for v in value):
        return [shape_result(v) for v in value]
    return None


def is_tensors(value: object) -> bool:
    """A tensor, or a non-empty list or tuple of tensors: what a layer call returns."""
    return isinstance(value, Tensor) or (
        isinstance(value, (list, tuple)) and bool(value) and all(isinstance(v, Tensor) for v in value))


def tensor_shapes(value: object) -> object:
    if isinstance(value, Tensor):
        return value.shape
    return [v.shape for v in value] if is_tensors(value) else None


def custom_params(instance: ObjectValue, sublayers: list[LayerInstance]) -> tuple:
    """The weights add_weight made plus those of the sublayers called inside. Unknown when
    the layer keeps something kgraphlint could not follow (it might hold weights)."""
    if any(not is_known(v) for v in instance.attributes.values()):
        return (UNKNOWN, UNKNOWN)
    # A sublayer it keeps but was not seen calling (a call() not run because the layer
    # has its own compute_output_shape, a sublayer its build() builds explicitly) may hold
    # weights Keras counts.
    called = {id(s) for s in sublayers}
    if any(id(layer) not in called and has_weights(layer) for layer in tracked_layers(instance)):
        return (UNKNOWN, UNKNOWN)
    trainable = frozen = 0
    for size, is_trainable in instance.state.weights:
        if not is_int(size):
            return (UNKNOWN, UNKNOWN)
        if is_trainable:
            trainable += size
        else:
            frozen += size
    # A model called inside (a Sequential feed-forward block) counts once, as itself: the
    # layers its own call ran are its weights, not the custom layer's besides.
    nested = {id(inner) for sublayer in sublayers if sublayer.inner_model is not None
              for inner in model_layers(sublayer.inner_model)}
    for sublayer in (s for s in sublayers if id(s) not in nested):
        params = sublayer.params or (UNKNOWN, UNKNOWN)
        if not all(is_int(p) for p in params):
            return (UNKNOWN, UNKNOWN)
        trainable, frozen = trainable + params[0], frozen + params[1]
    return (trainable, frozen)

