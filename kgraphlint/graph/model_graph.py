"""Model graphs: one networkx node per layer call, one edge per tensor between calls.

``ModelGraph`` is the interface rules use. Its layer order is the one Keras 3's
``model.summary()`` prints (``keras.src.ops.function.map_graph``): layers grouped by their
distance from the outputs, farthest first, ties broken by the order a depth-first walk
from the outputs first meets them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from kgraphlint.keras.facts import LayerCall, LayerInstance, ModelRecord, Tensor
from kgraphlint.keras.shapes import UNKNOWN, is_int

if TYPE_CHECKING:
    import networkx as nx


def call_graph(calls: list[LayerCall]) -> nx.DiGraph:
    """Every layer call of a file, with an edge for each tensor one call feeds another."""
    return networkx_graph(calls, [Edge(tensor.producer, call, tensor, position)
                                  for call in calls for position, tensor in enumerate(call.inputs)])


def consumers_map(calls: list[LayerCall]) -> dict[LayerCall, list[LayerCall]]:
    """For each call, the calls its outputs feed (each once, in the order of ``calls``)."""
    consumers: dict[LayerCall, list[LayerCall]] = {call: [] for call in calls}
    for call in calls:
        for tensor in call.inputs:
            fed = consumers.setdefault(tensor.producer, [])
            if not fed or fed[-1] is not call:
                fed.append(call)
    return consumers


def descendants(consumers: dict[LayerCall, list[LayerCall]], start: LayerCall) -> set[LayerCall]:
    """Every call that depends on ``start`` (not ``start`` itself)."""
    found: set[LayerCall] = set()
    stack = list(consumers.get(start, ()))
    while stack:
        call = stack.pop()
        if call not in found:
            found.add(call)
            stack.extend(consumers.get(call, ()))
    return found


@dataclass(frozen=True)
class Edge:
    """A tensor one call of a model feeds another, as the ``position``-th input."""

    producer: LayerCall
    consumer: LayerCall
    tensor: Tensor
    position: int


def networkx_graph(nodes: list[LayerCall], edges: list[Edge]) -> nx.DiGraph:
    import networkx as nx  # only when a graph is asked for: importing it costs a tenth of a second

    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from((e.producer, e.consumer, {"tensor": e.tensor, "position": e.position}) for e in edges)
    return graph


@dataclass(eq=False)
class ModelGraph:
    record: ModelRecord
    #: the model's layer calls, each after the calls it depends on
    nodes: list[LayerCall]
    edges: list[Edge]
    #: layers in the order Keras's summary lists them
    layers: list[LayerInstance]
    #: for each layer, its calls that belong to this model
    layer_calls: dict[LayerInstance, list[LayerCall]] = field(default_factory=dict)
    #: the calls some output depends on
    feeding: frozenset[LayerCall] = frozenset()

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The calls and edges as a networkx graph, built when first asked for: checking
        needs only the lists, drawing and --build the graph."""
        return networkx_graph(self.nodes, self.edges)

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def kind(self) -> str:
        return self.record.kind

    @property
    def calls(self) -> list[LayerCall]:
        return list(self.nodes)

    @property
    def input_layers(self) -> list[LayerInstance]:
        return [t.producer.layer for t in self.record.inputs]

    @property
    def output_layers(self) -> list[LayerInstance]:
        return [t.producer.layer for t in self.record.outputs]

    def feeds_an_output(self, call: LayerCall) -> bool:
        """Whether some output of the model depends on this call."""
        return call in self.feeding

    def params(self) -> tuple:
        return sum_params(self.layers)


def sum_params(layers: list[LayerInstance]) -> tuple:
    trainable, frozen = 0, 0
    for layer in layers:
        t, f = layer.effective_params()
        trainable = trainable + t if is_int(t) and is_int(trainable) else UNKNOWN
        frozen = frozen + f if is_int(f) and is_int(frozen) else UNKNOWN
    return trainable, frozen


def why_not_extracted(record: ModelRecord) -> str:
    """Why a model the code makes has no graph (``kgraphlint summary`` and ``--stats`` say it)."""
    if record.kind == "subclassed":
        return ("a subclassed model that is never called on a tensor nor fed data: Keras has not built it either"
                if record.built_by is None else "its call() gave no tensors kgraphlint could follow")
    if record.kind == "sequential":
        if not record.complete:
            return "a layer given to it could not be followed"
        if not record.layers:
            return "a Sequential without layers"
        return ("a Sequential without an input shape that is never built here (Keras builds it on its first "
                "call or fit): give it keras.Input(shape=...) or call model.build(shape)")
    return "its inputs or outputs are not all tensors kgraphlint could follow"


def model_params(record: ModelRecord) -> tuple:
    if not record.built:
        return (UNKNOWN, UNKNOWN)
    return build_model_graph(record).params()


def build_model_graph(record: ModelRecord) -> ModelGraph:
    if record.kind == "sequential":
        return _sequential_graph(record)
    return _functional_graph(record)


def _sequential_graph(record: ModelRecord) -> ModelGraph:
    nodes: list[LayerCall] = [record.inputs[0].producer] if record.inputs else []
    edges: list[Edge] = []
    layer_calls: dict[LayerInstance, list[LayerCall]] = {}
    tensor = record.inputs[0] if record.inputs else None
    for layer in record.layers:
        call = next((c for c in layer.calls if tensor is not None and tensor in c.inputs), None)
        if call is None:
            break
        nodes.append(call)
        edges.append(Edge(tensor.producer, call, tensor, 0))
        layer_calls[layer] = [call]
        tensor = call.outputs[0] if call.outputs else None
    return ModelGraph(record, nodes, edges, list(record.layers), layer_calls, frozenset(nodes))


def _functional_graph(record: ModelRecord) -> ModelGraph:
    inputs = set(record.inputs)
    order: list[LayerCall] = []
    finished: set[LayerCall] = set()
    in_progress: set[LayerCall] = set()
    first_seen: dict[LayerInstance, int] = {}

    def visit(root: Tensor) -> None:
        """Depth-first from an output, parents in argument order, each call after its
        parents; with an explicit stack, since a model may be thousands of layers deep."""
        stack: list[tuple[Tensor, bool]] = [(root, False)]
        while stack:
            tensor, parents_done = stack.pop()
            call = tensor.producer
            if parents_done:
                in_progress.discard(call)
                finished.add(call)
                order.append(call)
                continue
            if call in finished or call in in_progress:
                continue
            if not call.layer.is_input and tensor in inputs:
                finished.add(call)
                continue
            first_seen.setdefault(call.layer, len(first_seen))
            in_progress.add(call)
            stack.append((tensor, True))
            stack.extend((parent, False) for parent in reversed(call.listed_inputs))

    for output in record.outputs:
        visit(output)

    members = set(order)
    edges: list[Edge] = []
    parents: dict[LayerCall, list[LayerCall]] = {}
    for call in order:
        own_parents = parents[call] = []
        for position, tensor in enumerate(call.inputs):
            if tensor.producer in members:
                edges.append(Edge(tensor.producer, call, tensor, position))
                own_parents.append(tensor.producer)

    node_depth: dict[LayerCall, int] = {}
    layer_depth: dict[LayerInstance, int] = {}
    for call in reversed(order):
        depth = max(node_depth.setdefault(call, 0), layer_depth.get(call.layer, 0))
        layer_depth[call.layer] = depth
        node_depth[call] = depth
        for parent in parents[call]:
            node_depth[parent] = max(depth + 1, node_depth.get(parent, 0))
    nodes = list(order)
    for tensor in record.inputs:  # inputs no output depends on are listed all the same
        layer = tensor.producer.layer
        if layer.is_input and layer not in layer_depth:
            layer_depth[layer] = 0
            first_seen[layer] = -1
            if tensor.producer not in members:
                nodes.append(tensor.producer)

    layers = sorted(layer_depth, key=lambda layer: (-layer_depth[layer], first_seen[layer]))
    layer_calls: dict[LayerInstance, list[LayerCall]] = {}
    for call in nodes:
        layer_calls.setdefault(call.layer, []).append(call)
    return ModelGraph(record, nodes, edges, layers, layer_calls, frozenset(members))
