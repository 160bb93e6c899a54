"""The Keras overlay: what Keras code means to the Python machine.

Constructing layers and Inputs, calling layers on tensors, operations on tensors,
assembling functional and Sequential models, what compile/fit/predict are given, custom
layers, and checking what Model(...) is given. ``KerasOverlay`` is composed into
``kgraphlint.interpret.machine.Interpreter`` (``Interpreter(module, [KerasOverlay.maker(...)])``)
and records what it sees in its ``facts``; it asks the machine only what
``kgraphlint.interpret.overlay.Machine`` offers.
"""

from __future__ import annotations

import builtins
import difflib
from contextlib import contextmanager
from typing import Callable, Iterator

import libcst as cst

from kgraphlint.feeding.arrays import Array, normalized_index
from kgraphlint.feeding.training import DATA_METHODS
from kgraphlint.graph.model_graph import build_model_graph, model_params
from kgraphlint.interpret.builtins import PLAIN_TYPES, STRING_METHODS
from kgraphlint.interpret.overlay import Machine, Overlay, Raises
from kgraphlint.interpret.values import ClassValue, FunctionValue, ModuleRef, dotted_name
from kgraphlint.keras import operations, replayed_calls, snippets
from kgraphlint.keras.custom_layers import CustomLayers, LayerMethod, is_layer_base, tracked_layers
from kgraphlint.keras.facts import (
    DataFormatSetting,
    Facts,
    ImportFact,
    LayerAttributeRead,
    LayerCall,
    LayerInstance,
    LibraryCall,
    Loss,
    ModelArgumentProblem,
    ModelRecord,
    ModelUse,
    SnippetName,
    Tensor,
    WeightlessObject,
    iter_tensors,
)
from kgraphlint.keras.layers import LayerKnowledge, knowledge
from kgraphlint.keras.layers.attention import mha_scores
from kgraphlint.keras.layers.base import decided_by_known, has_weights, switches
from kgraphlint.keras.naming import NameCounter
from kgraphlint.keras.operations import Operation
from kgraphlint.keras.shapes import UNKNOWN, fully_known, is_int, is_known
from kgraphlint.keras.signatures import KERAS2, KERAS3, bind, intended_keyword, signature
from kgraphlint.keras.unseen_models import UnseenMethod, UnseenModel, UnseenModels
from kgraphlint.resolve import modules, public_names
from kgraphlint.resolve import symbols as kimports

BUILTIN_NAMES = frozenset(dir(builtins))
#: model methods whose arguments rules check against the model's inputs and outputs
MODEL_USES = frozenset({"compile", "fit", "evaluate", "predict", "train_on_batch", "test_on_batch",
                        "predict_on_batch", "summary"})
#: the keyword a layer's main input is given by when no positional argument is (``inputs``
#: for most layers, ``query`` for attention)
MAIN_TENSOR_KEYWORDS = ("inputs", "query", "x", "input", "sequences")
#: the order of the other tensor keywords in attention layers' call signatures
TENSOR_KEYWORD_ORDER = {"value": 0, "key": 1}
#: ``backend.is_keras_tensor(x)`` however reached (keras.applications ask it of input_tensor)
KERAS_TENSOR_TESTS = frozenset({"keras.backend.is_keras_tensor", "keras.src.backend.is_keras_tensor",
                                "keras.src.backend.common.keras_tensor.is_keras_tensor", "keras.utils.is_keras_tensor"})
#: ``operation_utils.get_source_inputs(x)``: the Inputs a tensor is computed from
SOURCE_INPUTS = frozenset({"keras.src.ops.operation_utils.get_source_inputs", "keras.utils.get_source_inputs",
                           "keras.src.utils.get_source_inputs"})
#: Keras 2's ``layers = VersionAwareLayers()`` (tf_keras's applications): an object whose
#: attributes are the layers of the package that defines it
VERSION_AWARE_LAYERS = "VersionAwareLayers"
#: what ``keras.ops.shape`` is reached as, and Keras 2's ``backend.int_shape`` (tf_keras's
#: applications size their layers by it): a symbolic tensor's static shape
SHAPE_FUNCTIONS = frozenset({"keras.ops.shape", "keras.ops.core.shape", "keras.src.ops.core.shape",
                             "keras.backend.int_shape", "keras.src.backend.int_shape",
                             "keras.src.legacy.backend.int_shape"})
#: the functions that set the image data format, with what each argument value means
#: (Keras 1 and 2.0-2.2's ``set_image_dim_ordering`` took 'th' for channels-first and 'tf')
DATA_FORMAT_SETTERS = {
    "keras.backend.set_image_data_format": {"channels_first": "channels_first", "channels_last": "channels_last"},
    "keras.config.set_image_data_format": {"channels_first": "channels_first", "channels_last": "channels_last"},
    "keras.backend.set_image_dim_ordering": {"th": "channels_first", "tf": "channels_last"},
}
#: keras-applications' convention, copied by classification_models, segmentation_models
#: and efficientnet: ``backend, layers, models, utils = get_submodules_from_kwargs(kwargs)``
#: gives the Keras modules the caller injected, Keras's own where it injected none
SUBMODULE_INJECTION = "get_submodules_from_kwargs"
INJECTED_SUBMODULES = ("backend", "layers", "models", "utils")
#: what the opaque node joining the tensors undecided code leaves in a name stands for: after
#: an undecided branch, after a loop of unknown length (its values are tensors, unlike an
#: opaque call's)
JOINS = ("undecided branch", "loop of unknown length")
#: model methods that build nothing (an unbuilt Sequential stays unbuilt)
UNBUILDING_METHODS = frozenset({"add", "compile", "summary", "get_layer", "get_config", "pop"})
#: layer attributes whose meaning depends on which call of a shared layer is meant
CALL_ATTRIBUTES = frozenset({"output", "input", "output_shape", "input_shape"})


class KerasOverlay(Overlay):
    """Keras 3 (``keras``) or Keras 2 (``tf_keras``), as ``flavour`` says."""

    value_types = (Tensor, LayerInstance, ModelRecord, LayerMethod, Loss, UnseenModel, UnseenMethod)

    def __init__(self, machine: Machine, flavour: str = KERAS3) -> None:
        super().__init__(machine)
        self.flavour = flavour
        self.facts = Facts()
        self.names = NameCounter()
        self.custom = CustomLayers(self)
        self.unseen = UnseenModels(self)
        #: running code with its defaults that takes arguments (a function or class nobody
        #: here calls), and whether it has since skipped a branch that other arguments
        #: might take (what it builds from then on may be what those leave out)
        self.guessed_arguments = False
        self.guessing = False
        #: names bound to tensors where the code surely runs (to suggest one for a typo)
        self.tensor_names: dict[str, Tensor] = {}
        self.pending_model_args: list[tuple] = []
        #: the ClassDef nodes (by id) of keras.Model subclasses
        self.model_classes: set[int] = set()
        #: the ClassDef nodes (by id) of subclasses of built-in layers -> (built-in, flavour)
        self.builtin_bases: dict[int, tuple[str, str]] = {}
        #: what keras.config.image_data_format() answers now: Keras's default until the code
        #: sets it, UNKNOWN after a setting kgraphlint cannot read or that may not have run
        self.data_format: object = "channels_last"
        #: what the file binds and whether it is plainly Keras (snippet mode), once asked
        self.snippet: snippets.SnippetScan | None = None

    @classmethod
    def maker(cls, flavour: str) -> Callable[[Machine], "KerasOverlay"]:
        return lambda machine: cls(machine, flavour)

    # ------------------------------------------------------------------ the machine's hooks

    def models_name(self, dotted: str) -> bool:
        module, _, name = dotted.rpartition(".")
        return kimports.is_keras_path(dotted) and modules.followed_keras(module) is None or name == SUBMODULE_INJECTION

    def library_module(self, module: str) -> bool:
        return modules.followed_keras(module) is not None

    def imported(self, dotted: str, names: tuple[str, ...], node: cst.CSTNode, name_node: cst.CSTNode) -> None:
        if kimports.is_keras_path(dotted):
            self.facts.imports.append(ImportFact(dotted, names, node, name_node))

    def module_names(self, dotted: str) -> frozenset[str] | None:
        return public_names.star_names(dotted) if kimports.is_keras_path(dotted) else None

    def free_name(self, name: str, node: cst.Name) -> object:
        if public_names.snippet_origin(name) is None:
            return NotImplemented
        if self.snippet is None:  # scanned once, and only for a file that reads a name nothing binds
            self.snippet = snippets.scan(self.machine.module)
        dotted = self.snippet.resolves(name)
        if dotted is None:
            return NotImplemented
        self.facts.snippet_names.setdefault(name, SnippetName(name, dotted, node))
        return ModuleRef(dotted, None)

    def library_called(self, function: object, top_level: bool, args: list, kwargs: dict, partial: bool,
                       node: cst.CSTNode) -> None:
        params = function.node.params
        names = tuple(p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params))
        # The first call through a site is the one --build repeats (a loop calls it once per pass).
        self.facts.library_calls.setdefault(node, LibraryCall(
            function.path, function.node.name.value if top_level else None, tuple(args), dict(kwargs), names,
            partial))

    def named(self, name: str, value: object) -> None:
        if type(value) is Tensor:
            if value.producer.target is None:
                value.producer.target = name
            if self.machine.certain and not self.machine.in_other_module:
                self.tensor_names.setdefault(name, value)

    def assigned(self, target: cst.Name, value: object) -> None:
        if type(value) in (Tensor, LayerInstance, ModelRecord):
            self.facts.bindings.append((target, value))

    def escape(self, value: object) -> None:
        for tensor in iter_tensors(value):
            tensor.escaped = True
        touch(value)

    def unpack(self, value: object, count: int, node: cst.CSTNode) -> list | None:
        # ``x, extras = self.encoder(x)``: what a call kgraphlint could not see returned is
        # several values, each unknown but still fed by that call (the model stays a model)
        if type(value) is not Tensor or not value.unseen or value.shape is not None:
            return None
        if self.machine.certain:
            self.names.exact = False
        return [self.opaque_node(f"{value.producer.layer.class_name}[{i}]", [value], node) for i in range(count)]

    def attribute(self, base: object, attr: str, node: cst.CSTNode) -> object:
        if isinstance(base, Tensor):
            if attr == "shape":
                base.escaped = True  # inspected on purpose: not a forgotten branch
                return base.shape if base.shape is not None else UNKNOWN
            if attr == "dtype":
                return base.dtype if base.dtype is not None else UNKNOWN
            return UNKNOWN
        if isinstance(base, LayerInstance):
            if attr in CALL_ATTRIBUTES:
                self.facts.attribute_reads.append(LayerAttributeRead(
                    base, attr, self.machine.site(node), len(base.calls), self.machine.certain))
            return self.layer_attribute(base, attr)
        if isinstance(base, ModelRecord):
            return self.model_attribute(base, attr, node)
        if isinstance(base, UnseenModel):
            return self.unseen.attribute(base, attr, node)
        return UNKNOWN

    def unknown_attribute(self, attr: str, origin: tuple, node: cst.Attribute, called: bool) -> object:
        return self.unseen.attribute_of_unknown(attr, origin, node, called)

    def layer_attribute(self, layer: LayerInstance, attr: str) -> object:
        if attr == "name":
            return layer.name
        # Keras 3 returns the first call's tensors for a layer called several times.
        if attr in ("output", "input") and layer.calls:
            first = layer.calls[0]
            tensors = first.outputs if attr == "output" else first.inputs
            return tensors[0] if len(tensors) == 1 else list(tensors)
        return UNKNOWN

    def model_attribute(self, model: ModelRecord, attr: str, node: cst.CSTNode) -> object:
        if model.instance is not None and attr not in MODEL_ATTRIBUTES:
            # what the subclass's __init__ keeps on self, its methods and properties
            return self.machine.object_attribute(model.instance, attr, node)
        if not model.complete:
            return UNKNOWN
        if attr in ("inputs", "outputs"):
            return list(model.inputs if attr == "inputs" else model.outputs)
        if attr in ("input", "output"):
            tensors = model.inputs if attr == "input" else model.outputs
            return tensors[0] if len(tensors) == 1 else list(tensors)
        if attr == "name":
            return model.name
        if attr == "layers":
            return self.model_layers(model)
        return UNKNOWN

    def model_layers(self, model: ModelRecord) -> object:
        """``model.layers``: a Sequential's layers; a functional model's, InputLayers
        included, in the order Keras lists them. Unknown when an opaque node may stand for
        any number of layers."""
        if model.kind == "sequential":
            layers = list(model.layers)
        elif model.kind == "subclassed":
            layers = tracked_layers(model.as_layer.custom)
        elif not model.outputs:
            return UNKNOWN
        else:
            layers = list(build_model_graph(model).layers)
        return UNKNOWN if any(layer.opaque is not None for layer in layers) else layers

    def get_layer(self, model: ModelRecord, args: list, kwargs: dict) -> object:
        """``model.get_layer(name)`` or ``model.get_layer(index=i)``."""
        layers = self.model_layers(model) if model.complete else UNKNOWN
        name = kwargs.get("name", args[0] if args else None)
        index = kwargs.get("index", args[1] if len(args) > 1 else None)
        if layers is UNKNOWN:
            return UNKNOWN
        if isinstance(name, str):
            found = [layer for layer in layers if layer.name == name and layer.name_certain]
            return found[0] if len(found) == 1 else UNKNOWN
        if is_int(index) and name is None and -len(layers) <= index < len(layers):
            return layers[index]
        return UNKNOWN

    def set_attribute(self, owner: object, attr: str, value: object) -> bool:
        if isinstance(owner, (LayerInstance, ModelRecord)) and attr == "trainable":
            self.set_trainable(owner, value if isinstance(value, bool) and self.machine.certain else UNKNOWN)
            return True
        return False

    def binary(self, operator: type | None, left: object, right: object, node: cst.CSTNode) -> object:
        if operator in operations.OPERATORS:
            return self.apply_operation(operations.OPERATORS[operator], [left, right], {}, node,
                                        ("operator", operations.PYTHON_OPERATORS[operator]))
        # Operators Keras has no operation for here (|, &, ...): the shape is lost.
        self.machine.lose_track(f"operator {operator.__name__ if operator else '?'} on tensors", node)
        self.escape([left, right])
        return UNKNOWN

    def unary(self, operator: type, value: object, node: cst.CSTNode) -> object:
        if isinstance(value, Tensor) and operator is cst.Minus:
            return self.apply_operation(operations.NEGATIVE, [value], {}, node, ("operator", "neg"))
        return NotImplemented

    def subscript(self, container: object, keys: list | None, node: cst.Subscript) -> object:
        if not isinstance(container, Tensor):
            return UNKNOWN
        if container.unseen and container.shape is None and keys is not None and len(keys) == 1 \
                and isinstance(keys[0], str):
            # backbone(inputs)["pooled_output"]: what a call kgraphlint could not see returned is a dict
            return self.opaque_node(f"{container.producer.layer.class_name}[{keys[0]!r}]", [container], node)
        keys = normalized_index(keys)
        if keys is not None and not any(isinstance(k, Array) for k in keys):
            return self.apply_operation(operations.GET_ITEM, [container, tuple(keys)], {}, node,
                                        ("operator", "getitem"))
        # An index kgraphlint does not know (x[:, backbone.cls_token_index]) still gives a tensor.
        self.machine.lose_track("indexing a tensor with an index not known", node)
        return self.opaque_node("GetItem", [container], node)

    def handles_method(self, receiver: object, method: str) -> bool:
        return isinstance(receiver, ModelRecord) or (isinstance(receiver, LayerInstance)
                                                     and method in ("__call__", "build"))

    def call_method(self, receiver: object, method: str, args: list, kwargs: dict, partial: bool,
                    node: cst.Call, arg_nodes: dict) -> object:
        if isinstance(receiver, LayerInstance) and method == "build":
            self.build_layer(receiver, args, kwargs, partial)
            return None
        if isinstance(receiver, ModelRecord):
            if method not in UNBUILDING_METHODS:
                receiver.touched = True
            touch([args, kwargs])
            if method == "add" and receiver.kind == "sequential" and args:
                self.sequential_add(receiver, args[0], arg_nodes.get(0, node))
                return None
            if method == "get_layer" and not partial:
                return self.get_layer(receiver, args, kwargs)
            if method == "build" and receiver.kind in ("sequential", "subclassed") and not partial:
                shape = as_shape_tuple(kwargs.get("input_shape", args[0] if args else None))
                if shape is not UNKNOWN and all(d is None or is_int(d) for d in shape):
                    if receiver.kind == "sequential":
                        self.build_sequential_from(receiver, shape, self.machine.site(node))
                    else:
                        self.custom.build_model(receiver, [shape], None, node, "build")
                return None
            if method in DATA_METHODS and receiver.kind in ("sequential", "subclassed") and not receiver.inputs \
                    and not partial and not receiver.declares_input:
                # Keras builds an unbuilt model from the first batch it is given.
                data = kwargs.get("x", args[0] if args else None)
                if isinstance(data, Array) and data.rank and all(is_int(d) for d in data.shape[1:]):
                    shape = (None, *data.shape[1:])
                    if receiver.kind == "sequential":
                        self.build_sequential_from(receiver, shape, self.machine.site(node))
                    else:
                        self.custom.build_model(receiver, [shape], None, node, "call")
            if method in MODEL_USES and not receiver.custom_training:
                if method == "compile":
                    kwargs = {k: as_losses(v) if k == "loss" else v for k, v in kwargs.items()}
                    args = [as_losses(a) if i == 1 else a for i, a in enumerate(args)]
                if self.machine.in_other_module:
                    node, arg_nodes = self.machine.site(node), {}
                self.facts.model_uses.append(
                    ModelUse(receiver, method, args, kwargs, node, arg_nodes, self.machine.certain))
                return UNKNOWN
        self.escape([receiver, args, kwargs])
        return UNKNOWN

    def call(self, callee: object, args: list, kwargs: dict, partial: bool, node: cst.Call,
             arg_nodes: dict) -> object:
        if isinstance(callee, LayerInstance):
            return self.call_layer(callee, args, kwargs, node, arg_nodes)
        if isinstance(callee, ModelRecord):
            callee.touched = True
            if args and isinstance(args[0], Tensor) and args[0].shape is not None:
                self.build_sequential(callee, args[0], node)
            if callee.kind == "subclassed" and args and all(
                    isinstance(t, Tensor) and t.shape is not None for t in iter_tensors(args[0])):
                tensors = list(iter_tensors(args[0]))
                self.custom.build_model(callee, [t.shape for t in tensors], tensors[0].dtype if tensors else None,
                                        node, "call")
            return self.call_layer(self.model_as_layer(callee, node), args, kwargs, node, arg_nodes)
        if isinstance(callee, LayerMethod):
            return self.custom.layer_method(callee, args, kwargs)
        if isinstance(callee, (UnseenModel, UnseenMethod)):
            return self.unseen.call(callee, args, kwargs, node)
        return NotImplemented

    def call_name(self, dotted: str, args: list, kwargs: dict, partial: bool, node: cst.Call,
                  arg_nodes: dict) -> object:
        symbol = kimports.resolve(dotted)
        if symbol is not None:
            return self.call_keras(symbol, args, kwargs, partial, node, arg_nodes)
        canonical = kimports.canonical_module(dotted)
        module, _, name = dotted.rpartition(".")
        if canonical.rpartition(".")[0] in WEIGHTLESS_MODULES:
            return WeightlessObject(canonical)
        if canonical in ACTIVATION_GETTERS and len(args) + len(kwargs) == 1:
            # keras.activations.get("relu"): that activation, which a layer takes by its name
            given = args[0] if args else kwargs.get("identifier", UNKNOWN)
            return given if given is None or isinstance(given, (str, FunctionValue)) else WeightlessObject(canonical)
        if name == SUBMODULE_INJECTION and len(args) == 1 and not kwargs:
            given = args[0] if isinstance(args[0], dict) else {}
            return tuple(given[key] if isinstance(given.get(key), ModuleRef) else ModuleRef(f"keras.{key}")
                         for key in INJECTED_SUBMODULES)
        if name == VERSION_AWARE_LAYERS and kimports.namespace(kimports.canonical_module(module)) == "keras.layers" \
                and not args and not kwargs:
            return ModuleRef(module, None)
        if canonical in DATA_FORMAT_SETTERS:
            value = args[0] if len(args) == 1 and not kwargs else kwargs.get("data_format", kwargs.get("dim_ordering"))
            meaning = DATA_FORMAT_SETTERS[canonical].get(value, UNKNOWN) if isinstance(value, str) else UNKNOWN
            certain = self.machine.certain and not partial
            self.facts.data_format_settings.append(DataFormatSetting(
                meaning, node, certain, len(self.facts.layers), canonical.rsplit(".", 1)[1]))
            self.data_format = meaning if certain or meaning == self.data_format else UNKNOWN
            return None
        if canonical in KERAS_TENSOR_TESTS and len(args) == 1:
            return type(args[0]) is Tensor if type(args[0]) is Tensor or is_known(args[0]) else UNKNOWN
        if canonical in SOURCE_INPUTS and len(args) == 1 and type(args[0]) is Tensor:
            # keras.applications' input_tensor=: the model's inputs are the Inputs it comes from
            sources = source_inputs(args[0])
            return sources if sources is not None else UNKNOWN
        if canonical in SHAPE_FUNCTIONS and len(args) == 1 and type(args[0]) is Tensor:
            # ops.shape(x) (int_shape(x)) of a symbolic tensor is its static shape: None where Keras has none
            shape = args[0].shape
            return tuple(shape) if shape is not None else UNKNOWN
        operation = operations.function_operation(canonical)
        if operation is not None and any(True for v in [*args, *kwargs.values()] for _ in iter_tensors(v)):
            return self.apply_operation(operation, args, kwargs, node, ("function", canonical))
        if self.custom.inside() and operations.is_constant_maker(canonical):
            # ops.arange(0, maxlen) in a custom layer's call(): a constant tensor (the
            # positions of a position embedding), no node of the model's graph
            count = operations.arange_length(args, kwargs)
            if count is not UNKNOWN:
                tensor = self.opaque_node("arange", [], node)
                dtype = kwargs.get("dtype")
                tensor.shape, tensor.unseen, tensor.dtype = (count,), False, dtype if isinstance(dtype, str) else "int32"
                return tensor
        return NotImplemented

    def call_builtin(self, function: object, args: list) -> object:
        if function is isinstance and len(args) == 2 and isinstance(args[0], Tensor):
            classes = args[1] if isinstance(args[1], tuple) else (args[1],)
            if all(c.dotted == "numpy.ndarray" if isinstance(c, ModuleRef) else c in PLAIN_TYPES for c in classes):
                return False  # a Keras tensor is no Python value and no NumPy array
        if (function is getattr or function is hasattr) and 2 <= len(args) <= 3 and isinstance(args[0], ModelRecord) \
                and args[0].instance is not None and isinstance(args[1], str) and args[1] not in MODEL_ATTRIBUTES \
                and args[1] in args[0].instance.attributes:
            # getattr(backbone, "data_format", None): what the subclass's __init__ set on self
            return True if function is hasattr else args[0].instance.attributes[args[1]]
        if function is isinstance and len(args) == 2 and isinstance(args[0], (LayerInstance, ModelRecord)):
            verdict = is_instance(args[0], args[1] if isinstance(args[1], tuple) else (args[1],))
            return NotImplemented if verdict is None else verdict
        return NotImplemented

    def opaque_call(self, callee: object, args: list, kwargs: dict, node: cst.Call) -> object:
        """A call on tensors that nothing models becomes an opaque node of the graph: the
        model around it is still a model, its output shape and weights unknown."""
        inputs = [t for value in [*args, *kwargs.values()] for t in iter_tensors(value)]
        if self.machine.certain and (inputs or may_make_layers(callee, node)):
            self.names.exact = False  # it may have made layers, using up their automatic names
        if not inputs:
            return NotImplemented
        description = callable_name(callee, node)
        self.machine.lose_track(f"opaque call {description}", node)
        return self.opaque_node(description, list(dict.fromkeys(inputs)), node)

    def lost_result(self, function: object, args: list, kwargs: dict, node: cst.Call, since: int) -> object:
        """``stages, features = make_stages(x, depths)``: a helper kgraphlint ran but lost
        track in (a loop over a config it does not know) still turns the tensors it was
        given into whatever it returns, as one opaque node."""
        inputs = [t for value in [*args, *kwargs.values()] for t in iter_tensors(value)]
        if not inputs:
            return NotImplemented
        for call in self.facts.calls[since:]:
            for tensor in call.outputs:
                tensor.escaped = True  # it may be (part of) the result: not a dead branch
        description = f"{callable_name(function, node)}(...)"
        self.machine.lose_track(f"result of {description} not followed", node)
        return self.opaque_node(description, list(dict.fromkeys(inputs)), node)

    def opaque_node(self, description: str, inputs: list[Tensor], node: cst.CSTNode) -> Tensor:
        return self.call_opaque(self.opaque_layer(description, node), inputs, node)

    def opaque_layer(self, description: str, node: cst.CSTNode) -> LayerInstance:
        """A layer kgraphlint cannot see into: its name, output and weights not known."""
        return LayerInstance(description.removesuffix("(...)") or "?", "?", False, {}, self.machine.site(node),
                             self.machine.certain, opaque=description, name_certain=False, params=(UNKNOWN, UNKNOWN))

    def call_opaque(self, layer: LayerInstance, inputs: list[Tensor], node: cst.CSTNode) -> Tensor:
        node = self.machine.site(node)
        call = LayerCall(layer, inputs, node, self.machine.certain, input_nodes=[node] * len(inputs))
        call.outputs = [Tensor(None, call, 0, None, unseen=layer.opaque not in JOINS)]
        if self.custom.inside():
            return call.outputs[0]
        if not layer.calls:
            self.register_layer(layer)
        layer.calls.append(call)
        self.facts.calls.append(call)
        return call.outputs[0]

    def join(self, values: list, node: cst.CSTNode | None, loop: bool) -> object:
        """Tensors undecided code leaves in one name: an opaque node fed by each of them
        (the model stays a model). Its shape is theirs when every branch gives the same
        one; after a loop, the shape of a later iteration is not known."""
        if not all(type(v) is Tensor for v in values):
            return NotImplemented
        inputs = list(dict.fromkeys(values))
        shapes = {v.shape for v in inputs}
        output = self.opaque_node(JOINS[loop], inputs,
                                  node if node is not None else inputs[0].producer.node)
        if not loop and len(shapes) == 1:
            output.shape = next(iter(shapes))
        return output

    def truth(self, value: object) -> bool | None:
        # A layer, a model or a loss object is truthy like any Python object; a tensor's
        # truth is its value, which is not known statically.
        return None if isinstance(value, Tensor) else True

    def class_base(self, bases: list, node: cst.ClassDef) -> bool:
        if len(bases) != 1 or node.keywords or not all(is_registration(d.decorator) for d in node.decorators):
            return False
        if self.is_model_base(bases[0]):
            self.model_classes.add(id(node))
            return True
        builtin = self.builtin_layer(bases[0])
        if builtin is not None:
            self.builtin_bases[id(node)] = builtin
            return True
        return is_layer_base(bases[0])

    def builtin_layer(self, value: object) -> tuple[str, str] | None:
        """(class, flavour) of a built-in Keras layer class, or of the one a subclass extends."""
        if isinstance(value, ClassValue):
            return self.builtin_bases.get(id(value.node))
        if isinstance(value, ModuleRef):
            symbol = kimports.resolve(value.dotted)
            if symbol is not None and symbol.kind == "layer" and symbol.name != "Layer":
                return symbol.name, symbol.flavour or self.flavour
        return None

    def is_model_base(self, value: object) -> bool:
        """``keras.Model`` however reached, or a subclass of it defined in the code."""
        if isinstance(value, ClassValue):
            return self.is_model_class(value)
        if not isinstance(value, ModuleRef):
            return False
        symbol = kimports.resolve(value.dotted)
        return symbol is not None and symbol.kind == "model" and symbol.name == "Model"

    def is_model_class(self, cls: ClassValue) -> bool:
        return id(cls.node) in self.model_classes

    def instantiate(self, cls: object, args: list, kwargs: dict, partial: bool, node: cst.Call) -> object:
        if self.is_model_class(cls):
            return self.custom.construct_model(cls, args, kwargs, partial, node)
        if id(cls.node) in self.builtin_bases:
            return self.custom.construct_builtin_subclass(cls, self.builtin_bases[id(cls.node)], args, kwargs,
                                                          partial, node)
        return self.custom.construct(cls, args, kwargs, partial, node)

    def uncalled_class(self, cls: object) -> None:
        # A keras.Model subclass defined for others to use (a keras-hub backbone): the model
        # its __init__ builds with its defaults, the rest of its arguments unknown.
        if self.is_model_class(cls) and "__init__" in cls.methods:
            self.custom.construct_model(cls, [], {}, False, cls.node, defaults_only=True)

    def object_attribute(self, instance: object, attr: str) -> object:
        return LayerMethod(instance, attr) if attr == "add_weight" else NotImplemented

    def call_super(self, receiver: object, method: str, args: list, kwargs: dict, partial: bool, node: cst.Call,
                   arg_nodes: dict) -> object:
        return self.custom.call_super(receiver, method, args, kwargs, partial, node, arg_nodes)

    @contextmanager
    def uncalled(self, arguments: bool) -> Iterator[None]:
        # Code analysed with its defaults consumes no Keras auto-names.
        saved, saved_run = self.names, (self.guessed_arguments, self.guessing)
        self.names = saved.copy()
        self.guessed_arguments, self.guessing = arguments, False
        try:
            yield
        finally:
            self.names, (self.guessed_arguments, self.guessing) = saved, saved_run

    def skipped_branch(self) -> None:
        if self.guessed_arguments:
            self.guessing = True

    def undecided(self) -> None:
        self.names.exact = False  # layers made there may or may not have used up their names

    def recorded(self) -> int:
        return len(self.facts.calls)

    def finish(self) -> None:
        self.check_model_arguments()

    # ------------------------------------------------------------------ replayed library calls

    replayable_types = replayed_calls.REPLAYABLE_TYPES

    def replay_key(self) -> object:
        return replayed_calls.key(self)

    def replay_mark(self) -> object:
        return replayed_calls.mark(self)

    def replay_effect(self, mark: object) -> object:
        return replayed_calls.effect(self, mark)

    def replay_existing(self, mark: object) -> Iterator[object]:
        return replayed_calls.existing(self, mark)

    def replay(self, effect: object) -> None:
        replayed_calls.replay(self, effect)

    def persistent_id(self, value: object) -> object:
        return replayed_calls.persistent_id(value)

    def persistent_value(self, name: object) -> object:
        return replayed_calls.persistent_value(name)

    # ------------------------------------------------------------------ layers and models

    def call_keras(self, symbol: kimports.KerasSymbol, args: list, kwargs: dict, partial: bool,
                   node: cst.Call, arg_nodes: dict) -> object:
        touch([args, kwargs])  # a model given to a layer (TimeDistributed) or model is built with it
        if self.machine.in_other_module:
            # Facts made by another module's code are reported at the analysed file's call
            # into it; that module's own argument positions mean nothing here.
            node, arg_nodes = self.machine.site(node), {}
        if symbol.kind == "layer":
            return self.construct_layer(symbol.name, args, kwargs, partial, node, arg_nodes,
                                        symbol.flavour or self.flavour)
        if symbol.kind == "input":
            tensor = self.make_input(args, kwargs, partial, node, arg_nodes)
            tensor.producer.layer.flavour = symbol.flavour
            return tensor
        if symbol.kind == "merge":
            if not args:
                return UNKNOWN
            layer = self.construct_layer(symbol.name, [], kwargs, partial, node, arg_nodes,
                                         symbol.flavour or self.flavour)
            return self.call_layer(layer, [args[0]], {}, node, {0: arg_nodes.get(0, node)})
        if symbol.kind == "model":
            if symbol.name == "Sequential":
                model = self.make_sequential(args, kwargs, node, arg_nodes)
            else:
                model = self.make_functional(args, kwargs, partial, node, arg_nodes)
            if isinstance(model, ModelRecord):
                model.flavour = symbol.flavour or self.flavour
            return model
        if symbol.kind == "image_data_format":
            return self.data_format
        if symbol.kind == "loss":
            return Loss(symbol.name, kwargs.get("from_logits", False) if not partial else UNKNOWN)
        return UNKNOWN

    def register_layer(self, layer: LayerInstance) -> None:
        layer.library = self.machine.in_library
        if not layer.explicit_name and not self.names.exact:
            layer.name_certain = False
        self.facts.layers.append(layer)

    def construct_layer(self, class_name: str, args: list, kwargs: dict, partial: bool,
                        node: cst.Call, arg_nodes: dict, flavour: str) -> LayerInstance:
        sig = signature(class_name, flavour) or signature(class_name, KERAS3 if flavour == KERAS2 else KERAS2)
        binding = bind(sig, args, kwargs, partial) if sig is not None else None
        config = binding.config if binding is not None else dict(kwargs)  # a fresh dict per binding
        nodes, keyword_args = {}, {}
        positional = sig.positional if sig is not None else ()
        for key, value_node in arg_nodes.items():
            kind = type(key)
            if kind is str:
                nodes[key] = value_node
            elif kind is int:
                if key < len(positional):
                    nodes[positional[key].name] = value_node
            else:  # ("arg", keyword): the whole keyword=value argument
                keyword_args[key[1]] = value_node
        if partial:
            config = {k: (v if k in kwargs or k in (binding.positional_sources if binding else {}) else UNKNOWN)
                      for k, v in config.items()}
        if "data_format" in config and config["data_format"] is None and self.data_format != "channels_last":
            # Keras reads image_data_format() in the constructor of a layer given no data_format
            config["data_format"] = self.data_format
        name = config.get("name")
        explicit = isinstance(name, str)
        if not explicit:
            if name is not None and self.machine.certain:
                # name=f"task_{i}" of an unknown i: Keras names it so, or automatically if
                # it is None; which names it uses up is not known from here on
                self.names.exact = False
            name = self.names.auto_name(class_name)
        wrapped = config.get("layer") if isinstance(config.get("layer"), LayerInstance) else None
        layer = LayerInstance(class_name, name, explicit, config, node, self.machine.certain, binding, nodes,
                              keyword_args, wrapped=wrapped, flavour=flavour if flavour == KERAS2 else None)
        self.register_layer(layer)
        if not explicit and config.get("name") is not None:
            layer.name_certain = False
        return layer

    def make_input(self, args: list, kwargs: dict, partial: bool, node: cst.Call, arg_nodes: dict) -> Tensor:
        sig_names = ("shape", "batch_size", "dtype", "sparse", "ragged", "batch_shape", "name", "tensor")
        config = {name: None for name in sig_names}
        for index, value in enumerate(args[: len(sig_names)]):
            config[sig_names[index]] = value
        config.update(kwargs)
        if partial:
            config = {k: UNKNOWN for k in config}
        shape = input_shape(config)
        if not fully_known(shape) and config.get("tensor") is None:
            given = config.get("shape") is not None or config.get("batch_shape") is not None
            self.machine.lose_track("Input shape not known" if given or partial else
                                    "Input(shape=None), which Keras refuses: the shape is its callers'", node)
            if not given and not partial and self.guessed_arguments:
                # A builder run with its defaults (nobody here calls it) that gives Input no
                # shape: Keras raises there, so those defaults build nothing; its callers'
                # arguments do, and a call that gives them is checked.
                raise Raises()
        layer = self.input_layer(config, node, arg_nodes)
        return self.input_tensor(layer, shape, config.get("dtype"), node)

    def input_layer(self, config: dict, node: cst.CSTNode, arg_nodes: dict) -> LayerInstance:
        name = config.get("name")
        explicit = isinstance(name, str)
        if not explicit:
            name = self.names.auto_name("InputLayer")
        nodes = {k: v for k, v in arg_nodes.items() if isinstance(k, str)}
        layer = LayerInstance("InputLayer", name, explicit, config, node, self.machine.certain, None, nodes)
        layer.params = (0, 0)
        self.register_layer(layer)
        return layer

    def input_tensor(self, layer: LayerInstance, shape: object, dtype: object, node: cst.CSTNode) -> Tensor:
        call = LayerCall(layer, [], node, self.machine.certain)
        tensor = Tensor(shape, call, 0, dtype)
        call.outputs.append(tensor)
        layer.calls.append(call)
        self.facts.calls.append(call)
        return tensor

    def call_layer(self, layer: LayerInstance, args: list, kwargs: dict, node: cst.Call, arg_nodes: dict) -> object:
        if layer.opaque is not None:  # a Sequential's stand-in for a layer not followed, built
            return self.call_opaque(layer, [t for value in [*args, *kwargs.values()] for t in iter_tensors(value)], node)
        if not args:
            # layer(query=q, value=v, key=k): the main tensor given by keyword
            main = next((k for k in MAIN_TENSOR_KEYWORDS if k in kwargs), None) or next(
                (k for k, v in kwargs.items() if any(True for _ in iter_tensors(v))), None)
            if main is None:
                return UNKNOWN
            keywords = dict(kwargs)
            args, kwargs = [kwargs[main]], {k: v for k, v in kwargs.items() if k != main}
            arg_nodes = {**arg_nodes, 0: arg_nodes.get(main, node)}
        else:
            keywords = None
        given = ((), dict(keywords)) if keywords is not None else (tuple(args), dict(kwargs))
        # Tensors by keyword feed the call in the order the layer takes them (value, then key).
        if len(kwargs) > 1:
            kwargs = dict(sorted(kwargs.items(),
                                 key=lambda item: TENSOR_KEYWORD_ORDER.get(item[0], len(TENSOR_KEYWORD_ORDER))))
        if self.machine.in_other_module:
            node, arg_nodes = self.machine.site(node), {}
        first = args[0]
        # The first argument must be a tensor or a flat list of tensors to be followed.
        inputs = [first] if type(first) is Tensor else list(iter_tensors(first))
        structure_known = type(first) is Tensor or (isinstance(first, (list, tuple)) and len(inputs) == len(first))
        if not structure_known or not inputs:
            if first is UNKNOWN:
                self.machine.lose_track(f"{layer.class_name} called on a value not followed", node)
            self.escape(args)
            return UNKNOWN
        main_count = len(inputs)
        first_node = arg_nodes.get(0, node)
        input_nodes = [first_node] * len(inputs)
        if type(first_node) in (cst.List, cst.Tuple) and len(first_node.elements) == len(inputs):
            input_nodes = [e.value for e in first_node.elements]
        # Tensors given in other arguments (attention's value and key, an RNN's
        # initial_state, a mask) feed the call too, though shapes follow the first argument.
        # Keras's node lists them as it flattens the call: positional arguments, then
        # keywords in sorted order, repeats kept.
        shape_inputs = list(inputs)
        keras_inputs = list(inputs)
        if len(args) > 1 or kwargs:
            for key, value in [*enumerate(args[1:], 1), *sorted(kwargs.items())]:
                for tensor in iter_tensors(value):
                    keras_inputs.append(tensor)
                    if tensor not in inputs:
                        inputs.append(tensor)
                        input_nodes.append(arg_nodes.get(key, node))
            # masks (attention_mask=, a keyword outside value and key) give no shape
            shape_inputs += [t for value in [*args[1:], *(v for k, v in kwargs.items() if k in TENSOR_KEYWORD_ORDER)]
                             for t in iter_tensors(value)]
        if keywords is not None:  # every tensor by keyword: Keras lists them all in sorted order
            keras_inputs = [t for _, value in sorted(keywords.items()) for t in iter_tensors(value)]
        call = LayerCall(layer, inputs, node, self.machine.certain, input_nodes=input_nodes,
                         keras_inputs=keras_inputs if keras_inputs != inputs else None,
                         main_inputs=main_count if len(inputs) > main_count else None,
                         arguments=given if len(inputs) > main_count else None)
        found = knowledge(layer.knowledge_class)
        shapes = [t.shape for t in (shape_inputs if found is not None and found.every_argument
                                    else shape_inputs[:main_count])]
        unseen = False
        if layer.binding is not None and layer.binding.unknown_keywords and any(
                intended_keyword(k, layer.binding.signature) for k in layer.binding.unknown_keywords):
            # A misspelt argument (return_sequence=): Keras refuses the layer, and the shape the
            # intended argument gives is not known, so what follows would be a cascade.
            out = None
        elif layer.custom is not None:
            out, structure = self.custom.run(layer, args, kwargs, shapes)
            unseen = not structure
        else:
            # the knowledge applies only where the known arguments decide the shape
            usable = found if found is not None and self.decided(layer) else None
            scores = kwargs.get("return_attention_scores", False)
            if scores is True and layer.knowledge_class == "MultiHeadAttention":
                # (output, scores); the scores' shape as far as the known arguments decide it
                out = [self.output_shapes(layer, shapes, usable),
                       mha_scores(self.knowledge_config(layer), shapes) if usable is not None else None]
            elif scores is not False:
                out = None  # attention that may return (output, scores): not followed
            elif kwargs.get("reverse", False) is not False and layer.knowledge_class == "ReversibleEmbedding":
                out = None  # the projection back to the vocabulary: not followed
            else:
                out = self.output_shapes(layer, shapes, usable)
            first_call = layer.params is None
            if first_call:
                # a layer that never has weights (pooling, dropout) has none whatever its arguments
                layer.params = self.layer_params(layer, shapes, usable) if has_weights(layer) else (0, 0)
            if layer.overrides is not None:
                out = self.custom.run_overrides(layer, args, kwargs, shapes, out, first_call)
        inner = layer.inner_model
        if inner is not None and out is None and inner.outputs and len(inner.outputs) > 1:
            out = [None] * len(inner.outputs)  # a model returns as many tensors as it has outputs
        elif inner is not None and out is None:
            unseen = True  # a model kgraphlint could not follow: how many it returns is not known
        out_shapes = out if isinstance(out, list) else [out]
        dtype = inputs[0].dtype if layer.knowledge_class not in ("Embedding", "ReversibleEmbedding") else None
        call.outputs = [Tensor(shape, call, i, dtype, unseen=unseen) for i, shape in enumerate(out_shapes)]
        if not layer.calls and not layer.built_inner and found is not None and self.flavour == KERAS3:
            layer.built_inner = True
            for inner in found.builds_unnamed:  # built on the first call, inside a custom layer too
                self.names.auto_name(inner)
        if self.custom.inside(layer):
            # A custom layer's insides are its own: they give shapes, not graph nodes.
            return call_result(layer, call, out)
        if not all(fully_known(s) for s in out_shapes) and all(fully_known(s) for s in shapes):
            self.machine.lose_track(self.why_shape_unknown(layer), node)
        layer.calls.append(call)
        self.facts.calls.append(call)
        return call_result(layer, call, out)

    @staticmethod
    def why_shape_unknown(layer: LayerInstance) -> str:
        """Why a layer given fully known inputs has no known output shape."""
        if layer.inner_model is not None:
            return f"nested model {layer.name} not followed completely"
        if layer.custom is not None and knowledge(layer.knowledge_class) is None:
            return f"result of {layer.class_name}.call() not followed"
        if knowledge(layer.knowledge_class) is None:
            return f"unsupported layer {layer.class_name}"
        unknown = sorted(k for k, v in layer.config.items() if not is_known(v) and k != "name")
        if unknown:
            return f"{layer.class_name} with unknown {', '.join(unknown)}"
        return f"{layer.class_name} configuration not covered"

    def apply_operation(self, operation: Operation, args: list, kwargs: dict, node: cst.CSTNode,
                        made_by: tuple[str, str]) -> object:
        """An operation on tensors (``x + y``, ``ops.reshape(x, ...)``): a node of the graph
        with no weights, named as Keras names it. ``made_by``: the operator or function."""
        inputs = [t for value in [*args, *kwargs.values()] for t in iter_tensors(value)]
        # tf_keras's tensors are Keras 2's whatever Keras the program is read as
        keras2 = self.flavour == KERAS2 or any(t.producer.layer.flavour == KERAS2 for t in inputs)
        class_name = operation.keras2_class if keras2 and operation.keras2 else operation.keras3
        if class_name is None or (keras2 and operation.keras2 is None) or not inputs:
            if inputs and made_by[0] == "function":
                self.machine.lose_track(f"{made_by[1]} on Keras 3 tensors (Keras 3 refuses TensorFlow functions "
                                        "on them; use keras.ops)" if operation.keras3 is None and not keras2
                                        else f"{made_by[1]} not followed", node)
            self.escape([args, kwargs])
            return UNKNOWN
        unseen = next((t for t in inputs if t.unseen and t.shape is None), None)
        if unseen is not None:
            # What a call kgraphlint could not see returned may be no tensor at all (a shape,
            # a number, a tuple): an operation on it is Python's, or one of the graph;
            # which, and what it gives, is not known (nor what names Keras used up).
            if self.machine.certain:
                self.names.exact = False
            return self.opaque_node(f"{class_name} of {unseen.producer.layer.class_name}", inputs, node)
        if self.machine.in_other_module:
            node = self.machine.site(node)
        try:
            shape = operation.shape(args, kwargs)
        except Exception:  # arguments the shape rule does not cover: the shape stays unknown
            shape = None
        if operation.several and shape is None:
            # How many tensors it returns is not known: the values are lost from here.
            self.machine.lose_track(f"{class_name} operation with arguments not followed", node)
            self.escape([args, kwargs])
            return UNKNOWN
        shapes = shape if operation.several else [shape]
        dtype = inputs[0].dtype if class_name != "Cast" else None
        inside = self.custom.inside()
        # Inside a custom layer's call, TensorFlow runs the operation, not Keras: no node, no name.
        name = "" if inside else self.names.unique(operation.keras2) if keras2 else self.names.auto_name(class_name)
        layer = LayerInstance(class_name, name, False, {}, node, self.machine.certain, operation=True,
                              operation_call=(*made_by, tuple(args), dict(kwargs)))
        layer.params = (0, 0)
        call = LayerCall(layer, inputs, node, self.machine.certain, input_nodes=[node] * len(inputs))
        call.outputs = [Tensor(s, call, i, dtype) for i, s in enumerate(shapes)]
        result = list(call.outputs) if operation.several else call.outputs[0]
        if inside:
            return result
        self.register_layer(layer)
        layer.calls.append(call)
        self.facts.calls.append(call)
        if all(fully_known(t.shape) for t in inputs) and not all(fully_known(s) for s in shapes):
            self.machine.lose_track(f"{class_name} operation with arguments not followed", node)
        return result

    def knowledge_config(self, layer: LayerInstance) -> dict:
        config = layer.config
        if layer.wrapped is not None:
            config = dict(config, layer=(layer.wrapped.class_name, layer.wrapped.config))
        return config

    def output_shapes(self, layer: LayerInstance, shapes: list, found: LayerKnowledge | None) -> object:
        """``found``: the layer class's knowledge (kgraphlint.keras.layers.knowledge), None
        where there is none or the layer's known arguments do not decide (``decided``)."""
        if layer.inner_model is not None:
            return self.nested_output(layer.inner_model, shapes)
        if found is None:
            return None
        try:
            return found.output(self.knowledge_config(layer), shapes)
        except Exception:  # a configuration the knowledge does not cover: stay quiet
            return None

    def layer_params(self, layer: LayerInstance, shapes: list, found: LayerKnowledge | None) -> tuple:
        if layer.inner_model is not None:
            return model_params(layer.inner_model)
        if found is None:
            return (UNKNOWN, UNKNOWN)
        try:
            return found.params(self.knowledge_config(layer), shapes)
        except Exception:
            return (UNKNOWN, UNKNOWN)

    @staticmethod
    def decided(layer: LayerInstance) -> bool:
        """Whether the layer's known arguments decide its shape and weights (see decided_by_known)."""
        if layer.wrapped is not None and not KerasOverlay.decided(layer.wrapped):
            return False  # Bidirectional(LSTM(return_sequences=?)): the wrapped layer decides
        if layer.binding is None:
            return True
        return decided_by_known(layer.config, switches(layer.binding.signature))

    @staticmethod
    def nested_output(model: ModelRecord, shapes: list) -> object:
        if not model.complete or len(shapes) != len(model.inputs):
            return None
        outputs = [t.shape for t in model.outputs]
        batch = shapes[0][0] if shapes and shapes[0] else None
        outputs = [None if s is None else (batch, *s[1:]) for s in outputs]
        return outputs[0] if len(outputs) == 1 else outputs

    def build_sequential(self, model: ModelRecord, tensor: Tensor, node: cst.CSTNode) -> None:
        """Keras builds a Sequential that has no input yet when it is first called on a
        tensor: an InputLayer of that shape, then each layer in turn (Sequential.build)."""
        self.build_sequential_from(model, tensor.shape, self.machine.site(node), tensor.dtype)

    def build_sequential_from(self, model: ModelRecord, shape: tuple, node: cst.CSTNode, dtype: object = None) -> None:
        """Sequential.build(shape): an InputLayer of that batch shape, then each layer."""
        if model.kind != "sequential" or model.inputs or not model.complete or not model.layers:
            return
        with self.custom.outside():  # built in a layer's call(), it is still a graph of its own
            layer = self.input_layer({"shape": shape[1:], "batch_shape": shape}, node, {})
            model.inputs = [self.input_tensor(layer, shape, dtype, node)]
            output = model.inputs[0]
            for item in model.layers:
                output = self.call_layer(item, [output], {}, node, {0: node})
                if not isinstance(output, Tensor):
                    model.complete = False
                    return
        model.outputs = [output]
        self.sequential_rebuilt(model)

    def build_layer(self, layer: LayerInstance, args: list, kwargs: dict, partial: bool) -> None:
        """``self.dense.build(input_shape)`` in a custom layer's build(): Keras makes the
        built-in's weights for that shape then, and they count toward the custom layer.
        Weights stay unknown where the layer is not a built-in kgraphlint knows (or its
        subclass overrides build), or the shapes are not known."""
        found = knowledge(layer.knowledge_class)
        own_build = layer.overrides is not None and "build" in layer.overrides.cls.methods
        shapes = [as_shape_tuple(kwargs[k]) for k in BUILD_SHAPE_KEYWORDS if k in kwargs] or [
            as_shape_tuple(a) for a in args]
        if partial or found is None or layer.custom is not None or own_build or layer.params is not None \
                or not shapes or len(shapes) != len(args) + sum(k in kwargs for k in BUILD_SHAPE_KEYWORDS) \
                or any(shape is UNKNOWN or not all(d is None or is_int(d) for d in shape) for shape in shapes):
            self.escape([args, kwargs])
            return
        usable = found if self.decided(layer) else None
        layer.params = self.layer_params(layer, shapes, usable) if has_weights(layer) else (0, 0)
        self.custom.inside(layer)  # built inside a custom layer's build(): its weights are that layer's

    def set_trainable(self, owner: LayerInstance | ModelRecord, value: object) -> None:
        """``layer.trainable = False`` freezes a layer; a model's freezes all of its layers."""
        if isinstance(owner, LayerInstance):
            owner.trainable = value
            if owner.inner_model is not None:
                self.set_trainable(owner.inner_model, value)
            return
        if owner.complete and owner.outputs:
            for layer in build_model_graph(owner).layers:
                if layer.inner_model is not owner:
                    self.set_trainable(layer, value)
        if owner.as_layer is not None:
            owner.as_layer.trainable = value
            if value is True:  # its count was taken while frozen, perhaps: take it again
                owner.as_layer.params = model_params(owner)

    def model_as_layer(self, model: ModelRecord, node: cst.CSTNode) -> LayerInstance:
        model.touched = True
        if model.as_layer is None:
            class_name = "Sequential" if model.kind == "sequential" else model.class_name or "Functional"
            model.as_layer = LayerInstance(class_name, model.name, True, {}, model.node, model.certain,
                                           inner_model=model)
            self.register_layer(model.as_layer)
        return model.as_layer

    # ------------------------------------------------------------------ models

    def make_functional(self, args: list, kwargs: dict, partial: bool, node: cst.Call, arg_nodes: dict,
                        class_name: str = "Functional") -> object:
        """Model(inputs, outputs); ``class_name``: the keras.Model subclass whose __init__
        makes it (Keras names the model after it)."""
        inputs = kwargs.get("inputs", args[0] if args else UNKNOWN)
        outputs = kwargs.get("outputs", args[1] if len(args) > 1 else UNKNOWN)
        if not args and not kwargs:
            return UNKNOWN  # a subclassed model's super().__init__() and the like
        for role, key in (("inputs", 0), ("outputs", 1)):
            value = inputs if role == "inputs" else outputs
            if not self.machine.in_other_module:
                self.pending_model_args.append((role, arg_nodes.get(role, arg_nodes.get(key)), node, value))
        name = kwargs.get("name")
        explicit = isinstance(name, str)
        if not explicit:
            name = self.names.auto_name(class_name)
            if partial:
                name += "?"  # **kwargs kgraphlint could not see may name it
        input_tensors, inputs_ok = flatten_structure(inputs)
        output_tensors, outputs_ok = flatten_structure(outputs)
        inputs_known = inputs_ok
        if not inputs_ok and outputs_ok and output_tensors:
            # inputs={**backbone.input, "mask": mask}: Keras requires them to be what the
            # outputs are computed from, so the model is that graph, its inputs' order and
            # keys not known
            self.machine.lose_track("inputs of Model(...) not followed", arg_nodes.get("inputs", arg_nodes.get(0, node)))
            input_tensors, inputs_ok = graph_sources(output_tensors), True
        # Hidden **kwargs cannot hide inputs and outputs given by name.
        given = "inputs" in kwargs and "outputs" in kwargs or len(args) >= 2
        outputs_known = outputs_ok
        if inputs_ok and input_tensors and not outputs_ok and given:
            # outputs=heads(x) where kgraphlint lost track: Keras requires them to be computed
            # from the inputs
            where = arg_nodes.get("outputs", arg_nodes.get(1, node))
            output_tensors = [self.outputs_not_followed("outputs of Model(...)", input_tensors,
                                                        [t for t in iter_tensors(outputs) if t not in input_tensors],
                                                        where)]
            outputs_ok = True
        model = ModelRecord("functional", name, explicit, node, self.machine.certain, input_tensors, output_tensors,
                            complete=inputs_ok and outputs_ok and (not partial or given),
                            input_keys=dict_keys(inputs), output_keys=dict_keys(outputs) if outputs_known else None,
                            inputs_known=inputs_known, outputs_known=outputs_known, with_defaults=self.guessing,
                            class_name=class_name if class_name != "Functional" else None)
        self.facts.records.append(model)
        return model

    def outputs_not_followed(self, what: str, inputs: list[Tensor], known: list[Tensor], node: cst.CSTNode) -> Tensor:
        """A model's outputs where kgraphlint lost track of them: one opaque node standing
        for what its inputs compute, fed by the outputs that are known and by the tensors
        computed from the inputs that went where the analysis could not follow (else by the
        inputs). How many outputs there are, and their shapes, are not known."""
        self.machine.lose_track(f"{what} not followed", node)
        feeding = lost_descendants(inputs, self.facts.calls) or inputs
        return self.opaque_node("outputs not followed", list(dict.fromkeys([*feeding, *known])), node)

    def make_sequential(self, args: list, kwargs: dict, node: cst.Call, arg_nodes: dict) -> ModelRecord:
        name = kwargs.get("name")
        explicit = isinstance(name, str)
        if not explicit:
            name = self.names.auto_name("Sequential")
        model = ModelRecord("sequential", name, explicit, node, self.machine.certain)
        self.facts.records.append(model)
        layers = args[0] if args else kwargs.get("layers")
        if layers is None:
            return model
        items = self.machine.iterate(layers)
        list_node = arg_nodes.get(0, arg_nodes.get("layers"))
        if items is None:
            # Sequential(a list kgraphlint could not follow): however many layers it holds,
            # they are one opaque layer here, and the model stays (its outputs unknown)
            self.escape(layers)
            self.machine.lose_track("layers of Sequential(...) not followed", list_node or node)
            model.layers.append(self.opaque_layer("layers not followed", list_node or node))
            model.declares_input = True  # its first layer may declare an input shape
            return model
        element_nodes = [e.value for e in list_node.elements] if type(list_node) in (cst.List, cst.Tuple) else []
        for index, item in enumerate(items):
            self.sequential_add(model, item, element_nodes[index] if index < len(element_nodes) else node,
                                rebuild=False)
        self.sequential_rebuilt(model)
        return model

    def sequential_add(self, model: ModelRecord, item: object, node: cst.CSTNode, rebuild: bool = True) -> None:
        node = self.machine.site(node)
        if isinstance(item, ModelRecord):
            item = self.model_as_layer(item, node)
        if item is UNKNOWN and model.complete:
            # Sequential([..., a layer made where kgraphlint lost track, ...]): Keras takes
            # nothing but layers, so it is one layer, opaque; the model stays, past it unknown
            self.machine.lose_track("a layer of Sequential(...) not followed", node)
            item = self.opaque_layer("layer not followed", node)
            if not model.inputs and not model.layers:
                model.declares_input = True  # it may declare an input shape
        if isinstance(item, Tensor) and item.producer.layer.is_input and not model.inputs and not model.layers:
            model.inputs = [item]
            model.outputs = [item]
        elif not isinstance(item, LayerInstance) or not model.complete:
            model.complete = False
            self.escape(item)
            return
        elif item.is_input:
            if not model.inputs and not model.layers and item.calls:
                model.inputs = [item.calls[0].outputs[0]]
                model.outputs = list(model.inputs)
        else:
            if not model.inputs and not model.layers:
                shape = layer_input_shape(item.input_shape_keywords() or implied_input_keywords(item))
                if shape is UNKNOWN:
                    model.declares_input = True  # built from its input_shape, whatever the data
                if shape is not UNKNOWN and shape is not None:
                    layer = self.input_layer({"shape": shape[1:], "batch_shape": shape}, item.construct, {})
                    model.inputs = [self.input_tensor(layer, shape, None, item.construct)]
                    model.outputs = list(model.inputs)
            model.layers.append(item)
            if model.outputs:
                result = self.call_layer(item, [model.outputs[0]], {}, node, {0: node})
                model.outputs = [result] if isinstance(result, Tensor) else []
                if not model.outputs:
                    model.complete = False
        if rebuild:
            self.sequential_rebuilt(model)

    def sequential_rebuilt(self, model: ModelRecord) -> None:
        """Keras 3 rebuilds a private functional graph whenever a Sequential with an input
        gains a layer; each rebuild uses up one ``functional`` auto-name."""
        if model.inputs and model.layers:
            self.names.auto_name("Functional")

    # ------------------------------------------------------------------ Model(...) arguments

    def check_model_arguments(self) -> None:
        """Names handed to Model(...) that are not tensors: undefined, or something else."""
        for role, arg_node, model_node, value in self.pending_model_args:
            if arg_node is None:
                continue
            elements = [arg_node]
            values = [value]
            if type(arg_node) in (cst.List, cst.Tuple) and isinstance(value, (list, tuple)) and len(value) == len(arg_node.elements):
                elements = [e.value for e in arg_node.elements]
                values = list(value)
            for element, item in zip(elements, values):
                if type(element) is not cst.Name or isinstance(item, Tensor):
                    continue
                name = element.value
                if name not in self.machine.bound_names and name not in BUILTIN_NAMES and not self.machine.star_import:
                    reason = "undefined"
                elif item is not UNKNOWN and not isinstance(item, (Tensor, list, tuple, dict, ModelRecord)):
                    reason = "not-a-tensor"
                else:
                    continue
                names = similar_by_words(name, self.tensor_names) or difflib.get_close_matches(
                    name, list(self.tensor_names), n=3, cutoff=0.6)
                candidates = tuple((n, self.tensor_names[n].producer.node) for n in names)
                self.facts.model_problems.append(
                    ModelArgumentProblem(name, role, reason, describe_value(item), element, model_node, candidates))


#: the modules whose functions and classes make initializers, regularizers and constraints
WEIGHTLESS_MODULES = frozenset(f"keras{src}.{kind}" for src in ("", ".src")
                               for kind in ("initializers", "regularizers", "constraints"))
#: the shapes a layer's build() takes by keyword (MultiHeadAttention's), in the order its call takes them
BUILD_SHAPE_KEYWORDS = ("input_shape", "query_shape", "value_shape", "key_shape")
#: keras.activations.get, however reached
ACTIVATION_GETTERS = frozenset({"keras.activations.get", "keras.src.activations.get"})
#: the attributes of a model that Keras defines (read from the graph, not from a subclass's self)
MODEL_ATTRIBUTES = frozenset({"inputs", "outputs", "input", "output", "name", "layers"})


def is_instance(value: LayerInstance | ModelRecord, classes: tuple) -> bool | None:
    """``isinstance(backbone.layers[-1], layers.MaxPooling2D)`` for a built-in Keras 3 layer
    or a model, by the class hierarchy of keras.layers; None where it is not known (a custom
    or tf_keras layer, a class that is not Keras's)."""
    names = []
    for cls in classes:
        symbol = kimports.resolve(cls.dotted) if isinstance(cls, ModuleRef) else None
        if isinstance(cls, ModuleRef) and cls.dotted.endswith(".Layer") and kimports.is_keras_path(cls.dotted):
            names.append("Layer")
        elif symbol is not None and symbol.kind == "model" and symbol.flavour is None:
            names.append(cls.dotted.rpartition(".")[2])  # Model, Functional or Sequential
        elif symbol is not None and symbol.kind == "layer" and symbol.flavour is None:
            names.append(symbol.name)
        else:
            return None
    if isinstance(value, ModelRecord):
        if "Layer" in names or "Model" in names:
            return True
        if value.kind not in ("sequential", "functional") or not set(names) <= {"Sequential", "Functional"}:
            return None
        return "Sequential" in names if value.kind == "sequential" else "Functional" in names
    if value.custom is not None or value.opaque is not None or value.operation or value.flavour == KERAS2 \
            or value.inner_model is not None:
        return True if "Layer" in names else None
    bases = public_names.layer_bases(value.class_name)
    return None if bases is None else any(name in bases for name in names)


def as_losses(value: object) -> object:
    """compile's loss argument with every loss spelled as a Loss: "mse", a keras.losses
    function, or a loss object; lists and dicts keep their structure."""
    if isinstance(value, str):
        return Loss(kimports.loss_name(value))
    if isinstance(value, ModuleRef):
        symbol = kimports.resolve(value.dotted)
        return Loss(symbol.name) if symbol is not None and symbol.kind == "loss" else UNKNOWN
    if isinstance(value, list):
        return [as_losses(v) for v in value]
    if isinstance(value, tuple):
        return tuple(as_losses(v) for v in value)
    if isinstance(value, dict):
        return {k: as_losses(v) for k, v in value.items()}
    return value


def describe_value(value: object) -> str:
    if isinstance(value, LayerInstance):
        return f"a {value.class_name} layer"
    if isinstance(value, FunctionValue):
        return f"the function {value.node.name.value}()"
    if isinstance(value, ModuleRef):
        return f"{value.dotted} itself"
    return f"a {type(value).__name__}"


def similar_by_words(name: str, names) -> list[str]:
    """Names made of the same words in another order (input_posts ~ posts_input)."""
    words = sorted(name.split("_"))
    return [other for other in names if sorted(other.split("_")) == words and other != name]


def flatten_structure(value: object) -> tuple[list[Tensor], bool]:
    """Tensors of a Model(...) inputs/outputs argument, and whether all were tensors."""
    if isinstance(value, Tensor):
        return [value], True
    if isinstance(value, dict):
        value = [value[key] for key in sorted_keys(value)]
    if isinstance(value, (list, tuple)) and value:
        tensors = [v for v in value if isinstance(v, Tensor)]
        return tensors, len(tensors) == len(value)
    return [], False


def sorted_keys(value: dict) -> list:
    """A dict's keys in the order Keras flattens it (keras.tree, tf.nest: sorted)."""
    try:
        return sorted(value)
    except TypeError:  # keys that do not compare: Keras would refuse them anyway
        return list(value)


def dict_keys(value: object) -> tuple[str, ...] | None:
    """The keys of a dict of inputs or outputs, in the order of its flattened tensors."""
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return tuple(sorted_keys(value))
    return None


def as_shape_tuple(value: object) -> tuple | object:
    if isinstance(value, (tuple, list)) and all(v is None or is_int(v) for v in value):
        return tuple(value)
    if isinstance(value, (tuple, list)):
        return tuple(v if v is None or is_int(v) else UNKNOWN for v in value)
    return UNKNOWN


def input_shape(config: dict) -> object:
    """The batch shape of ``Input(...)``, or None (unknown rank)."""
    batch_shape = config.get("batch_shape")
    if batch_shape is not None:
        shape = as_shape_tuple(batch_shape)
        return None if shape is UNKNOWN else shape
    shape = as_shape_tuple(config.get("shape"))
    if shape is UNKNOWN:
        return None
    batch = config.get("batch_size")
    return (batch if is_int(batch) else None if batch is None else UNKNOWN, *shape)


def implied_input_keywords(layer: LayerInstance) -> dict:
    """tf_keras's Embedding(input_length=n) declares the input shape (n,), so a Sequential
    it starts is built; Keras 3 accepts input_length but ignores it."""
    if (layer.class_name == "Embedding" and layer.binding is not None
            and layer.binding.signature is signature("Embedding", KERAS2) and is_int(layer.config.get("input_length"))):
        return {"input_shape": (layer.config["input_length"],)}
    return {}


def layer_input_shape(config: dict) -> object:
    """The batch shape a layer's input_shape/input_dim/batch_input_shape keyword gives."""
    if config.get("batch_input_shape") is not None:
        shape = as_shape_tuple(config["batch_input_shape"])
        return None if shape is UNKNOWN else shape
    dim = config.get("input_dim")
    if dim is not None:
        return (None, dim) if is_int(dim) else UNKNOWN
    shape = config.get("input_shape")
    if shape is None:
        return None
    shape = as_shape_tuple(shape)
    if shape is UNKNOWN:
        return UNKNOWN
    batch = config.get("batch_size")
    return (batch if is_int(batch) else None, *shape)


def may_make_layers(callee: object, node: cst.Call) -> bool:
    """Whether a call nothing models could make Keras layers: not a Python builtin
    (``print``), nor the standard library, NumPy and the other packages that make none."""
    if isinstance(callee, ModuleRef):
        return kimports.may_make_layers(callee.dotted)
    if type(node.func) is cst.Attribute and node.func.attr.value in STRING_METHODS:
        return False  # name.lower() of a name not known: a str method makes no layer
    name = dotted_name(node.func)
    return name is None or name.split(".", 1)[0] not in BUILTIN_NAMES


def upstream(tensors: list[Tensor]) -> Iterator[Tensor]:
    """Each tensor ``tensors`` are computed from (themselves included), once per call that
    makes it, depth first in argument order."""
    seen: set[int] = set()
    stack = list(reversed(tensors))
    while stack:
        current = stack.pop()
        call = current.producer
        if id(call) in seen:
            continue
        seen.add(id(call))
        yield current
        stack.extend(reversed(call.inputs))


def source_inputs(tensor: Tensor) -> list[Tensor] | None:
    """The Input tensors ``tensor`` is computed from, in the order they are first met; None
    when an opaque node stands in the way (it may hide others)."""
    found: list[Tensor] = []
    for current in upstream([tensor]):
        if current.producer.layer.opaque is not None:
            return None
        if current.producer.layer.is_input:
            found.append(current)
    return found


def lost_descendants(inputs: list[Tensor], calls: list[LayerCall]) -> list[Tensor]:
    """The tensors computed from ``inputs`` (by the graph's ``calls``, in order) that went
    where the analysis lost track, ``inputs`` among them, in the order they were made."""
    reached = set(inputs)
    for call in calls:
        if any(t in reached for t in call.inputs):
            reached.update(call.outputs)
    return [t for t in [*inputs, *(o for c in calls for o in c.outputs)] if t in reached and t.escaped]


def graph_sources(tensors: list[Tensor]) -> list[Tensor]:
    """The tensors nothing in the graph computes that ``tensors`` are computed from
    (Inputs, and opaque stand-ins such as an unseen backbone's inputs), in the order a
    walk from the first output meets them."""
    return [current for current in upstream(tensors) if not current.producer.inputs]


def is_registration(decorator: cst.BaseExpression) -> bool:
    """``@keras.saving.register_keras_serializable(...)``, and the export decorators of
    libraries built on Keras (``@keras_export(...)``, keras-hub's ``@keras_hub_export(...)``):
    they register the class they decorate and return it unchanged."""
    target = decorator.func if type(decorator) is cst.Call else decorator
    name = (dotted_name(target) or "").rpartition(".")[2]
    return name == "register_keras_serializable" or name.endswith("_export")


def call_result(layer: LayerInstance, call: LayerCall, out: object) -> object:
    """What a layer call returns: its tensor, its list of tensors, or, for a model with a
    dict of outputs (a keras-hub backbone), the dict of them by name."""
    if not isinstance(out, list):
        return call.outputs[0]
    keys = layer.inner_model.output_keys if layer.inner_model is not None else None
    if keys is not None and len(keys) == len(call.outputs):
        return dict(zip(keys, call.outputs))
    return list(call.outputs)


def touch(value: object, depth: int = 0) -> None:
    """Mark the models in ``value`` (in lists, tuples and dicts too) as used in a way that
    may build them."""
    if isinstance(value, ModelRecord):
        value.touched = True
    elif isinstance(value, (list, tuple)) and depth < 4:
        for item in value:
            touch(item, depth + 1)
    elif isinstance(value, dict) and depth < 4:
        for item in value.values():
            touch(item, depth + 1)


def callable_name(callee: object, node: cst.Call) -> str:
    """How a blind spot names what was called: Keras's dotted name, or the code's own."""
    if isinstance(callee, ModuleRef):
        return kimports.canonical_module(callee.dotted)
    if type(node.func) is cst.Call:  # LayerScale(...)(x): a class kgraphlint cannot see
        return f"{dotted_name(node.func.func) or 'an object'}(...)"
    return dotted_name(node.func) or type(node.func).__name__
