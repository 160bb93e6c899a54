"""The facts the interpreter extracts from one source file.

These are plain records that point back at libcst nodes; positions are looked up only when
something is reported (see ``kgraphlint.source.positions``). Rules read them through
``FileAnalysis`` and the model graphs built from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from kgraphlint.interpret.values import UNKNOWN
from kgraphlint.keras.signatures import Binding


@dataclass(eq=False, slots=True)
class LayerInstance:
    """One layer object: constructed once, called any number of times (shared weights)."""

    class_name: str
    name: str
    explicit_name: bool
    config: dict
    construct: cst.CSTNode
    certain: bool
    binding: Binding | None = None
    #: argument name -> the expression node that supplied it
    arg_nodes: dict[str, cst.CSTNode] = field(default_factory=dict)
    #: keyword -> the whole ``keyword=value`` argument
    keyword_args: dict[str, cst.Arg] = field(default_factory=dict)
    calls: list["LayerCall"] = field(default_factory=list)
    #: (trainable, non_trainable), fixed when the layer is first built
    params: tuple | None = None
    #: set when this "layer" is a model called like a layer
    inner_model: "ModelRecord | None" = None
    #: the layer a wrapper (Bidirectional, TimeDistributed) wraps
    wrapped: "LayerInstance | None" = None
    #: an operation on tensors (``x + y``, ``ops.reshape``), not a layer: no arguments to check
    operation: bool = False
    #: a custom layer's object (kgraphlint.interpret.values.ObjectValue): its attributes and weights
    custom: object = None
    #: a subclass of a built-in whose build() or call() is its own: its object, whose
    #: methods run on top of what the built-in computes
    overrides: object = None
    #: the layers Keras makes inside it on its first call (MultiHeadAttention's Dropout...)
    #: have used up their automatic names (a call inside a custom layer is not in ``calls``)
    built_inner: bool = False
    #: made by library code kgraphlint follows (keras.applications): not the user's to change
    library: bool = False
    #: ``layer.trainable = False`` (or a model's): True, False or UNKNOWN
    trainable: object = True
    #: a call kgraphlint could not see into (an unknown class's object, a function it does
    #: not model): what was called; its output shape and weights are unknown
    opaque: str | None = None
    #: False for an automatic name given after code kgraphlint could not follow, which may
    #: have used up names of its own (Keras may call the layer dense_4, not dense_3)
    name_certain: bool = True
    #: a subclass of a built-in layer (``class MyConv(layers.Conv2D)``): the built-in whose
    #: knowledge gives its shape and weights
    base_class: str | None = None
    #: a class of the code's own (a custom layer, a subclass of a built-in): its definition
    #: and what the code gave it, (args, kwargs, partial), for --build to make it again
    source_class: cst.ClassDef | None = None
    class_arguments: tuple | None = None
    #: an operation: what made it, ("operator", "add") or ("function", "keras.ops.reshape"),
    #: and its (args, kwargs), for --build to apply it again
    operation_call: tuple | None = None
    #: KERAS2 for a layer made by tf_keras (whose tensors TensorFlow functions take, as
    #: TFOpLambda layers), else None (the configured Keras)
    flavour: str | None = None

    @property
    def knowledge_class(self) -> str:
        """The class whose shape and weight rules apply: the built-in a subclass extends."""
        return self.base_class or self.class_name

    def effective_params(self) -> tuple:
        """(trainable, non_trainable) as Keras counts them now: a frozen layer's weights are
        all non-trainable."""
        # Never built here (called on nothing kgraphlint followed): its weights are not known.
        params = self.params if self.params is not None else (UNKNOWN, UNKNOWN)
        if self.trainable is True:
            return params
        if self.trainable is False and all(isinstance(p, int) for p in params):
            return (0, params[0] + params[1])
        return (UNKNOWN, UNKNOWN)

    @property
    def is_input(self) -> bool:
        return self.class_name == "InputLayer"

    def input_shape_keywords(self) -> dict:
        """input_shape/input_dim/batch_input_shape given as the base Layer's keywords
        (an Embedding's input_dim is its own vocabulary size, not one of these)."""
        own = self.binding.signature.names if self.binding is not None else frozenset()
        return {k: self.config[k] for k in ("input_shape", "input_dim", "batch_input_shape")
                if k in self.arg_nodes and k not in own}


@dataclass(eq=False, slots=True)
class Tensor:
    shape: object  # kgraphlint.keras.shapes.Shape
    producer: "LayerCall"
    index: int = 0
    dtype: object = None
    #: handed to code kgraphlint cannot follow; it may be used there
    escaped: bool = False
    #: made by a call whose result kgraphlint could not see (an opaque call, a custom
    #: layer whose call() it could not follow): it may be no tensor, or several
    unseen: bool = False


@dataclass(eq=False, slots=True)
class LayerCall:
    """One application of a layer to tensors: one node of the model graph."""

    layer: LayerInstance
    inputs: list[Tensor]
    node: cst.CSTNode
    certain: bool
    outputs: list[Tensor] = field(default_factory=list)
    #: the expression nodes the inputs came from, in order
    input_nodes: list[cst.CSTNode] = field(default_factory=list)
    #: the variable the output was first assigned to (``hidden1`` in ``hidden1 = Dense(8)(x)``)
    target: str | None = None
    #: the inputs as Keras's node lists them, where that differs from ``inputs`` (main input
    #: first, each tensor once): positional arguments, then keywords sorted, repeats kept
    keras_inputs: list[Tensor] | None = None
    #: how many of the inputs came in the first argument (the rest by other arguments:
    #: attention's value and key, an RNN's initial_state, a mask); None: all of them
    main_inputs: int | None = None
    #: where tensors come in several arguments: the call's (args, kwargs), for --build
    arguments: tuple | None = None

    @property
    def listed_inputs(self) -> list[Tensor]:
        """The inputs in the order Keras's summary and graph walk see them."""
        return self.keras_inputs if self.keras_inputs is not None else self.inputs


@dataclass(frozen=True)
class WeightlessObject:
    """An initializer, regularizer or constraint (``keras.initializers.get("glorot_uniform")``,
    ``keras.regularizers.L2(1e-4)``), or an activation not known by name: a layer that keeps
    one holds no weights by it."""

    made_by: str  # the canonical dotted name of what made it


@dataclass(eq=False)
class ModelRecord:
    kind: str  # "functional" | "sequential"
    name: str
    explicit_name: bool
    node: cst.CSTNode
    certain: bool
    inputs: list[Tensor] = field(default_factory=list)
    outputs: list[Tensor] = field(default_factory=list)
    #: False when an input or output could not be followed: the graph is then partial
    complete: bool = True
    #: Sequential only: the layers in order (no InputLayer)
    layers: list[LayerInstance] = field(default_factory=list)
    #: the layer object this model becomes when it is called like a layer
    as_layer: LayerInstance | None = None
    #: the keys when Model(...) was given a dict of inputs (outputs): data and losses use them
    input_keys: tuple[str, ...] | None = None
    output_keys: tuple[str, ...] | None = None
    #: a subclassed model (kind "subclassed"): what built it ("call": called on a tensor or
    #: fed data, which builds its sublayers; "build": model.build(shape), which in Keras 3
    #: builds none of them), or None while it is not built
    built_by: str | None = None
    #: a subclassed model's layers as Keras tracks them (its attributes, in assignment order)
    sublayers: list[LayerInstance] = field(default_factory=list)
    #: the Keras that builds it ("keras3" or "keras2": tf_keras), where the code says
    flavour: str | None = None
    #: a Sequential whose first layer declares an input shape kgraphlint could not read:
    #: Keras builds it from that, not from the data it is fed
    declares_input: bool = False
    #: a keras.Model subclass that overrides how it is trained (compute_loss, train_step...):
    #: what compile and fit are given is its own business
    custom_training: bool = False
    #: used in a way that may build it (called, fed, wrapped, handed to code kgraphlint
    #: cannot follow): a Sequential so used may have weights Keras counts, unknown here
    touched: bool = False

    #: its inputs were given as code kgraphlint could follow; False: they are taken as what
    #: its outputs are computed from (what Keras requires), their order and keys not known
    inputs_known: bool = True
    #: its outputs were given as code kgraphlint could follow; False: they are one opaque node
    #: fed by its inputs (what Keras requires them to be computed from), how many not known
    outputs_known: bool = True
    #: the keras.Model subclass whose ``super().__init__(inputs, outputs)`` made it (Keras
    #: lists the model under that class when it is a layer of another), else None
    class_name: str | None = None
    #: that subclass's instance (kgraphlint.interpret.values.ObjectValue): what its
    #: __init__ keeps on ``self`` (``backbone.data_format``) is read from it
    instance: object = None
    #: made by code run with its defaults (nobody here calls it) after a branch those
    #: decided: what it leaves out may be what a caller's arguments put in
    with_defaults: bool = False

    @property
    def built(self) -> bool:
        """Fully followed and built: its inputs and outputs are known (an unbuilt Sequential,
        never given an input shape, has none yet)."""
        return self.followed and bool(self.inputs) and bool(self.outputs)

    @property
    def followed(self) -> bool:
        """Every input and output was given as code kgraphlint could follow (its graph may
        still hold opaque nodes)."""
        return self.complete and self.inputs_known and self.outputs_known


@dataclass(frozen=True)
class LayerAttributeRead:
    """``layer.output`` and the like: which call it means is ambiguous for a shared layer."""

    layer: LayerInstance
    attribute: str
    node: cst.CSTNode
    calls_so_far: int
    certain: bool


@dataclass(frozen=True)
class Loss:
    """A loss given to compile: a string, a function or a loss object, by its snake_case name."""

    name: str  # "categorical_crossentropy"
    from_logits: object = False  # True, False, or UNKNOWN


@dataclass(eq=False)
class ModelUse:
    """``model.compile(...)``, ``model.fit(...)`` and the other training/inference calls."""

    model: "ModelRecord"
    method: str
    args: list
    kwargs: dict
    node: cst.CSTNode
    #: positional index or keyword -> the expression node that supplied it
    arg_nodes: dict
    certain: bool

    def argument(self, position: int, keyword: str, default: object = None) -> object:
        if keyword in self.kwargs:
            return self.kwargs[keyword]
        return self.args[position] if position < len(self.args) else default

    def argument_node(self, position: int, keyword: str) -> cst.CSTNode:
        return self.arg_nodes.get(keyword, self.arg_nodes.get(position, self.node))


@dataclass(frozen=True)
class SnippetName:
    """A Keras name the file uses without importing it (snippet mode,
    ``kgraphlint.keras.snippets``), read as imported from ``dotted``."""

    name: str
    dotted: str  # keras.layers.Dense
    node: cst.CSTNode  # where the file first reads it


@dataclass(frozen=True)
class ImportFact:
    """An import statement that names a Keras module."""

    module: str  # the dotted module as written
    names: tuple[str, ...]  # imported names ("" for `import module`)
    node: cst.CSTNode  # the import statement
    module_node: cst.CSTNode  # the dotted module name in it


@dataclass(frozen=True)
class DataFormatSetting:
    """``keras.backend.set_image_data_format(...)`` (``keras.config``'s too) or Keras 1/2's
    ``set_image_dim_ordering('th')``: the format that layers constructed from then on take
    when they are given no data_format (Keras reads it in each layer's constructor)."""

    data_format: object  # "channels_first", "channels_last", or UNKNOWN
    node: cst.CSTNode
    certain: bool
    #: how many layers the code had constructed before the call: later ones follow it
    layers_before: int
    #: the function called, as written in Keras's terms ("set_image_dim_ordering")
    function: str


@dataclass(frozen=True)
class ModelArgumentProblem:
    """A name given to Model(...) as an input or output that is not a Keras tensor."""

    name: str
    role: str  # "inputs" | "outputs"
    reason: str  # "undefined" | "not-a-tensor"
    kind: str  # what the name holds, for "not-a-tensor" ("a Dense layer", "a str")
    node: cst.CSTNode
    model_node: cst.CSTNode
    #: (name, node that made it) for tensors defined in the file with similar names
    candidates: tuple[tuple[str, cst.CSTNode], ...] = ()


@dataclass(eq=False)
class Facts:
    """Everything the Keras overlay records about one file, in the order the code makes it."""

    layers: list[LayerInstance] = field(default_factory=list)
    calls: list[LayerCall] = field(default_factory=list)
    #: every Model/Sequential the code creates, including those whose graph is partial
    records: list[ModelRecord] = field(default_factory=list)
    imports: list[ImportFact] = field(default_factory=list)
    model_problems: list[ModelArgumentProblem] = field(default_factory=list)
    attribute_reads: list[LayerAttributeRead] = field(default_factory=list)
    #: compile/fit/evaluate/predict calls on models
    model_uses: list[ModelUse] = field(default_factory=list)
    #: (name node, value) for each name bound to a tensor, a layer or a model (editor hovers)
    bindings: list[tuple[cst.Name, object]] = field(default_factory=list)
    #: calls that set the image data format layers follow
    data_format_settings: list[DataFormatSetting] = field(default_factory=list)
    #: unimported Keras names read as a snippet of the Keras 1/2 era imports them, by name
    snippet_names: dict[str, SnippetName] = field(default_factory=dict)
    #: the analysed file's calls of library functions (keras.applications.ResNet50(...)), by
    #: call node: what --build calls to make what that library code made
    library_calls: dict = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class LibraryCall:
    """The analysed file calls a function of library code kgraphlint follows."""

    #: the file that defines the function, and its name there (a top-level function or None)
    path: str
    function: str | None
    args: tuple
    kwargs: dict
    #: the parameter names the function's signature has, in order
    parameters: tuple[str, ...]
    #: some arguments were unpacked from values kgraphlint does not know (``*args``)
    partial: bool


def iter_tensors(value: object):
    """The tensors in a value: itself, or those in its lists, tuples and dicts."""
    if isinstance(value, Tensor):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from iter_tensors(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from iter_tensors(item)
