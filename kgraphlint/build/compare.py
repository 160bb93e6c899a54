"""``--build``: rebuild the extracted models with real Keras and compare.

Never the user's file: each model is exported from its graph as a spec and a separate
worker process (``kgraphlint/build/worker.py``, which imports TensorFlow) builds the specs,
repeating what the code does: built-in layers with the literal arguments the code gave
them, the code's operations applied again, the library calls it makes (a
keras.applications builder, with ``weights=None``) called again, layer classes of the file
made from their own source (``kgraphlint.build.sources``), calls wired as the graph says,
and everything a file's models share (layers, tensors, library calls) made once for all of
them. Data loading, training and side effects in the user's code never run. What cannot be
repeated faithfully (an argument not known statically, a Lambda, a layer that loads a
file) is not rebuilt: its model is not built, and a note says why.

The worker runs isolated: ``python -I -B`` (no current directory, no PYTHONPATH, no user
site-packages on ``sys.path``), in a temporary folder of its own that is also its
KERAS_HOME and TMPDIR, confined by an audit hook (see ``kgraphlint.build.worker``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import select
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from kgraphlint.analysis import FileAnalysis
from kgraphlint.build.sources import NeedsModule, class_source
from kgraphlint.keras.facts import LayerInstance, Tensor, iter_tensors
from kgraphlint.graph.model_graph import ModelGraph, build_model_graph
from kgraphlint.keras.shapes import is_int, is_known
from kgraphlint.keras.signatures import KERAS2, KERAS3, known_layer_names

INSTALL_HINT = "--build needs TensorFlow: pip install 'kgraphlint[build]'"
TIMEOUT_SECONDS = 300
#: run as a script, not as ``-m kgraphlint.build.worker``: it must not need kgraphlint importable
WORKER = Path(__file__).with_name("worker.py")
#: layers whose construction reads a file the code names, and what it reads
FILE_LOADING_LAYERS = {"TFSMLayer": "a SavedModel"}
#: arguments that, given a string, are a file Keras reads when the layer is made
PATH_ARGUMENTS = {"StringLookup": "vocabulary", "IntegerLookup": "vocabulary", "TextVectorization": "vocabulary"}


class BuildUnavailable(Exception):
    """TensorFlow is not installed (the CLI says how to install it and exits 2)."""


class WorkerLost(Exception):
    """The worker did not answer in time, or died; the message says which."""


class NotRebuildable(Exception):
    """A model kgraphlint cannot hand to Keras faithfully; the message says why."""


@dataclass
class ModelBuild:
    """What Keras made of one model."""

    model: ModelGraph
    #: layer name -> {"output_shape": [...] or [[...], ...], "params": int}
    layers: dict = field(default_factory=dict)
    #: Keras raised: {"stage": "construct"|"call"|"model", "id": int, "message": str}
    error: dict | None = None
    #: why it was not built, if it was not
    note: str | None = None
    device: str = ""
    #: where Keras raised, in the user's code
    error_node: object = None
    #: the model's totals in Keras: {"params": int, "trainable_params": int}
    totals: dict | None = None
    #: what --build changed in the calls it repeated (weights=None forced)
    remarks: tuple[str, ...] = ()
    #: library code made no layer of a name kgraphlint gave: {"index", "name", "names"}
    misnamed: dict | None = None


def shapes_agree(static: object, keras: object) -> bool:
    """A static JSON shape against Keras's: "?" (not known statically) never disagrees."""
    if static == "?":
        return True
    if isinstance(static, list) and isinstance(keras, list) and len(static) == len(keras):
        return all(s == "?" or (shapes_agree(s, k) if isinstance(s, list) else s == k) for s, k in zip(static, keras))
    return static == keras


def row_differences(static: dict, keras: dict) -> list[str]:
    """How a summary row (``kgraphlint.graph.summary.layer_row``) differs from what Keras
    built for the same layer; what kgraphlint does not know ("?", None) is not compared."""
    differences = []
    if not shapes_agree(static["output_shape"], keras["output_shape"]):
        differences.append(f"output shape {static['output_shape']} statically, {keras['output_shape']} in Keras")
    if static["params"] is not None and static["params"] != keras["params"]:
        differences.append(f"{static['params']:,} parameters statically, {keras['params']:,} in Keras")
    elif static["trainable_params"] is not None and static["trainable_params"] != keras["trainable_params"]:
        differences.append(f"{static['trainable_params']:,} trainable parameters statically, "
                           f"{keras['trainable_params']:,} in Keras")
    return differences


def total_differences(static: tuple, keras: dict) -> list[str]:
    """The model's (trainable, non-trainable) totals against Keras's."""
    trainable, frozen = static
    differences = []
    if is_int(trainable) and is_int(frozen) and trainable + frozen != keras["params"]:
        differences.append(f"{trainable + frozen:,} parameters in all statically, {keras['params']:,} in Keras")
    elif is_int(trainable) and trainable != keras["trainable_params"]:
        differences.append(f"{trainable:,} trainable parameters in all statically, "
                           f"{keras['trainable_params']:,} in Keras")
    return differences


def jsonable(value: object) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (tuple, list)):
        return all(jsonable(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and jsonable(v) for k, v in value.items())
    return False


def as_json(value: object) -> object:
    return list(as_json(v) for v in value) if isinstance(value, (tuple, list)) else value


def given_arguments(layer: LayerInstance) -> list:
    """The arguments the code gave a layer: their source nodes where the analysed file made
    it; made in another module of the project (a helper in blocks.py), those the binding
    shows given (by position, or a value other than the default)."""
    if layer.arg_nodes or layer.binding is None:
        return list(layer.arg_nodes)
    defaults = layer.binding.signature.defaults
    return [key for key, value in layer.config.items() if key in layer.binding.positional_sources
            or key not in defaults or not _same(value, defaults[key])]


def _same(value: object, default: object) -> bool:
    try:
        return type(value) is type(default) and bool(value == default)
    except Exception:  # a value that does not compare (an array): given
        return False


def module_of(path: str) -> str | None:
    """The dotted name a file of an installed package is imported by (its package folders
    up to the first without an ``__init__.py``)."""
    file = Path(path)
    if file.suffix != ".py":
        return None
    parts = [] if file.stem == "__init__" else [file.stem]
    folder = file.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts) or None


@dataclass
class FileState:
    """What the specs of one file share: a number for each layer, model and library call,
    so that the worker makes each library call once and counts each automatic name once."""

    analysis: FileAnalysis
    keys: dict[int, int] = field(default_factory=dict)
    #: what the library calls --build repeats changed: weights=None forced
    remarks: dict[int, str] = field(default_factory=dict)
    #: a spec of this file went to the worker (the first one starts the file afresh there)
    sent: bool = False
    #: the model whose build the worker did not survive (the others of the file are not built)
    lost: str | None = None

    def key(self, thing: object) -> int:
        return self.keys.setdefault(id(thing), len(self.keys))


class SpecWriter:
    """Turns one model graph into the JSON the worker builds."""

    def __init__(self, state: FileState) -> None:
        self.state = state
        self.analysis = state.analysis
        self.layers: list[dict] = []
        self.layer_ids: dict[int, int] = {}
        self.sites: dict[int, dict] = {}
        #: the source node behind each layer, call and library call of the spec, for error locations
        self.layer_nodes: list = []
        self.call_nodes: list = []
        self.site_nodes: list = []
        self.frozen: list[str] = []
        self.inner: list[SpecWriter] = []

    def used_sites(self) -> list[dict]:
        """The library calls this spec and its nested models' specs repeat."""
        return [*self.sites.values(), *(s for inner in self.inner for s in inner.used_sites())]

    def layer(self, layer: LayerInstance) -> int:
        if id(layer) in self.layer_ids:
            return self.layer_ids[id(layer)]
        if layer.library:
            spec = {"site": self.site(layer.construct, layer), "key": self.state.key(layer)}
        elif layer.inner_model is not None:
            spec = {"nested": self.nested(layer), "key": self.state.key(layer)}
        elif layer.source_class is not None:
            spec = self.own_class(layer)
        elif layer.operation:
            spec = self.operation(layer)
        else:
            spec = {"class": layer.class_name, "kwargs": self.arguments(layer), "auto": not layer.explicit_name,
                    "key": self.state.key(layer)}
        spec.update(name=layer.name)
        if layer.trainable is False:
            self.frozen.append(layer.name)
        self.layers.append(spec)
        self.layer_nodes.append(layer.construct)
        self.layer_ids[id(layer)] = len(self.layers) - 1
        return len(self.layers) - 1

    def site(self, node: object, layer: LayerInstance) -> int:
        """The library call that made a layer, repeated as the code made it."""
        key = self.state.key(node)
        if key in self.sites:
            return key
        call = self.analysis.facts.library_calls.get(node)
        if call is None:
            raise NotRebuildable(f"'{layer.name}' is made by library code through something other than a call of "
                                 "one of its functions, which is not rebuilt yet")
        module = module_of(call.path)
        where = f"{module}.{call.function}" if module and call.function else f"a function of {call.path}"
        if module is None or call.function is None:
            raise NotRebuildable(f"'{layer.name}' is made by {where}, which the build worker cannot import by name")
        if call.partial:
            raise NotRebuildable(f"'{layer.name}' is made by {where}, whose arguments are not all known statically")
        args, kwargs = list(call.args), dict(call.kwargs)
        if "weights" in call.parameters:
            position = call.parameters.index("weights")
            given = args[position] if position < len(args) else kwargs.get("weights", "imagenet")
            if position < len(args):
                args[position] = None
            else:
                kwargs["weights"] = None
            if given is not None:
                self.state.remarks[key] = (f"{where} was called with weights=None, not {given!r} "
                                           "(--build never downloads weights)")
        self.sites[key] = {"key": key, "module": module, "function": call.function, "path": call.path,
                           "args": self.value(args, layer, where), "kwargs": self.value(kwargs, layer, where)}
        self.site_nodes.append(node)
        return key

    def value(self, value: object, layer: LayerInstance, where: str) -> object:
        """An argument of a library call as JSON: tensors by their number in the spec."""
        if isinstance(value, Tensor):
            return {"tensor": self.state.key(value)}
        if isinstance(value, tuple):
            return {"tuple": [self.value(v, layer, where) for v in value]}
        if isinstance(value, list):
            return [self.value(v, layer, where) for v in value]
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return {"dict": {k: self.value(v, layer, where) for k, v in value.items()}}
        if isinstance(value, slice):
            return {"slice": [self.value(v, layer, where) for v in (value.start, value.stop, value.step)]}
        if value is Ellipsis:
            return {"ellipsis": True}
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        raise NotRebuildable(f"'{layer.name}' is made by {where}, whose arguments are not all known statically")

    def operation(self, layer: LayerInstance) -> dict:
        """An operator or keras.ops call of the code: applied again to the tensors it was given."""
        if layer.operation_call is None:
            raise NotRebuildable(f"'{layer.name}' is a {layer.class_name} operation kgraphlint cannot repeat")
        kind, function, args, kwargs = layer.operation_call
        if kind == "function" and not function.startswith("keras."):
            raise NotRebuildable(f"'{layer.name}' is {function} (TensorFlow's, for Keras 2), which the Keras 3 "
                                 "build worker does not run")
        where = f"the {layer.class_name} operation"
        return {"operation": [kind, function], "key": self.state.key(layer),
                "args": self.value(list(args), layer, where), "kwargs": self.value(kwargs, layer, where)}

    def own_class(self, layer: LayerInstance) -> dict:
        """A layer of a class the file defines: made from that class's own source."""
        try:
            source = class_source(self.analysis.module, layer.source_class)
        except NeedsModule as reason:
            raise NotRebuildable(f"'{layer.name}' is a {layer.class_name}, which is not rebuilt: {reason}") from None
        args, kwargs, partial = layer.class_arguments
        where = f"class {layer.class_name}"
        if partial:
            raise NotRebuildable(f"'{layer.name}': the arguments of {where} are not all known statically")
        # A name the code gave is among the arguments; an automatic one Keras gives as the
        # code's run gave it (the class is named after itself, its own layers in __init__ too).
        return {"class_source": source, "class": layer.class_name, "key": self.state.key(layer),
                "args": self.value(list(args), layer, where), "kwargs": self.value(kwargs, layer, where)}

    def arguments(self, layer: LayerInstance) -> dict:
        if layer.class_name not in known_layer_names(KERAS3) or layer.class_name == "Lambda" or layer.custom is not None:
            raise NotRebuildable(f"'{layer.name}' is a {layer.class_name}, which is not rebuilt from source")
        if layer.class_name in FILE_LOADING_LAYERS:
            raise NotRebuildable(f"'{layer.name}' is a {layer.class_name}, which loads "
                                 f"{FILE_LOADING_LAYERS[layer.class_name]} from disk (--build never loads files)")
        kwargs = {}
        for key in given_arguments(layer):
            if not isinstance(key, str) or key == "name":
                continue
            value = layer.config.get(key)
            if key == "layer" and isinstance(value, LayerInstance):
                kwargs[key] = {"layer": self.layer(value)}
                continue
            if not is_known(value) or not jsonable(value):
                raise NotRebuildable(f"'{layer.name}': the value of {key} is not known statically")
            if isinstance(value, str) and PATH_ARGUMENTS.get(layer.class_name) == key:
                raise NotRebuildable(f"'{layer.name}' is a {layer.class_name} whose {key} is read from the file "
                                     f"{value!r} (--build never loads files)")
            kwargs[key] = as_json(value)
        if "data_format" not in kwargs and layer.config.get("data_format") == "channels_first":
            # not written, but taken from the program's set_image_data_format when constructed
            # (the worker's Keras keeps its default)
            kwargs["data_format"] = "channels_first"
        if layer.binding is not None and layer.binding.too_many_positional:
            raise NotRebuildable(f"'{layer.name}' is given more positional arguments than it takes")
        return kwargs

    def nested(self, layer: LayerInstance) -> dict:
        inner = SpecWriter(self.state)
        self.inner.append(inner)
        return inner.model(build_model_graph(layer.inner_model))

    def order(self, model: ModelGraph) -> list:
        """The calls in an order the worker can follow: each library call's own arguments
        (a tensor given as input_tensor) made before any layer that call made."""
        graph = model.graph.copy()
        for call in model.nodes:
            made_by = self.analysis.facts.library_calls.get(call.layer.construct) if call.layer.library else None
            for tensor in iter_tensors([made_by.args, made_by.kwargs] if made_by is not None else []):
                if tensor.producer in graph and tensor.producer is not call:
                    graph.add_edge(tensor.producer, call)
        try:
            return list(nx.topological_sort(graph))
        except nx.NetworkXUnfeasible:
            raise NotRebuildable(f"model '{model.name}' mixes its own layers into library code's") from None

    def model(self, model: ModelGraph) -> dict:
        if not model.record.complete or not model.record.outputs_known:
            raise NotRebuildable(f"model '{model.name}' is only partly known")
        if model.record.flavour == KERAS2 and any(l.library for l in model.layers):
            # Keras 2 names and builds library code's layers its own way; the worker runs Keras 3
            raise NotRebuildable(f"model '{model.name}' is checked as Keras 2 (tf_keras) code, and library code's "
                                 "layers in it are rebuilt only with Keras 3")
        if model.kind == "subclassed" and model.record.built_by != "call":
            raise NotRebuildable(f"subclassed model '{model.name}' is built by model.{model.record.built_by}(...), "
                                 "not by a call: Keras builds none of its layers then, and rebuilding the class "
                                 "itself from its source is not done yet")
        sites = {l.construct for l in model.layers if l.library}
        if len(sites) == 1 and all(l.library for l in model.layers):
            # library code made the whole model: the worker finds it in what the call made
            layer = model.layers[0]
            key = self.site(layer.construct, layer)
            for inner in model.layers:
                if inner.trainable is False:
                    self.frozen.append(inner.name)
            return {"kind": model.kind, "name": model.name, "key": self.state.key(model.record), "from_site": key,
                    "sites": list(self.sites.values()), "frozen": self.frozen}
        inputs, calls = [], []
        tensor = self.state.key
        for call in self.order(model):
            if call.layer.library and call.node is call.layer.construct:
                # made inside the library call: taken from what the call made
                calls.append({"layer": self.layer(call.layer), "call_index": call.layer.calls.index(call),
                              "inputs": [], "outputs": [tensor(t) for t in call.outputs]})
                self.call_nodes.append(call.node)
                continue
            if call.layer.is_input:
                shape = call.outputs[0].shape
                if shape is None or not is_known(shape):
                    raise NotRebuildable(f"the shape of Input '{call.layer.name}' is not known statically")
                dtype = call.layer.config.get("dtype")
                inputs.append({"tensor": tensor(call.outputs[0]), "batch_shape": list(shape),
                               "dtype": dtype if isinstance(dtype, str) else None, "name": call.layer.name,
                               "auto": not call.layer.explicit_name, "key": self.state.key(call.layer)})
                continue
            if call.main_inputs is not None:
                # tensors in several arguments (attention's query, value and key): called as the code calls it
                args, kwargs = call.arguments
                where = f"the call of '{call.layer.name}'"
                calls.append({"layer": self.layer(call.layer), "arguments": [
                    self.value(list(args), call.layer, where), self.value(kwargs, call.layer, where)],
                    "outputs": [tensor(t) for t in call.outputs]})
                self.call_nodes.append(call.node)
                continue
            calls.append({
                "layer": self.layer(call.layer),
                "inputs": [tensor(t) for t in call.inputs],
                "listed": len(call.inputs) > 1 or call.layer.class_name in ("Concatenate", "Add", "Subtract", "Multiply",
                                                                         "Average", "Maximum", "Minimum", "Dot"),
                "outputs": [tensor(t) for t in call.outputs],
            })
            self.call_nodes.append(call.node)
        return {
            "kind": model.kind,
            "name": model.name,
            "auto": not model.record.explicit_name,
            "key": self.state.key(model.record),
            "layers": self.layers,
            "sites": list(self.sites.values()),
            "frozen": self.frozen,
            "inputs": inputs,
            "calls": calls,
            "model_inputs": [tensor(t) for t in model.record.inputs],
            "model_outputs": [tensor(t) for t in model.record.outputs],
        }


class Builder:
    """One worker process that imports TensorFlow once and builds every spec sent to it."""

    def __init__(self, device: str = "auto", timeout: float = TIMEOUT_SECONDS) -> None:
        if importlib.util.find_spec("tensorflow") is None or importlib.util.find_spec("keras") is None:
            raise BuildUnavailable(INSTALL_HINT)
        self.wanted, self.timeout = device, timeout
        self.start()

    def start(self) -> None:
        self.folder = tempfile.TemporaryDirectory(prefix="kgraphlint-build-")
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow",
               "KERAS_HOME": self.folder.name, "TMPDIR": self.folder.name}
        if self.wanted == "cpu":
            env["CUDA_VISIBLE_DEVICES"] = "-1"
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-B", str(WORKER), self.wanted], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True, env=env, cwd=self.folder.name)
        try:
            ready = self.read(max(self.timeout, TIMEOUT_SECONDS))
        except WorkerLost as lost:
            self.close()
            raise BuildUnavailable(str(lost)) from lost
        if ready.get("error"):
            self.close()
            raise BuildUnavailable(f"{ready['error']} (the Keras build worker runs with python -I: TensorFlow "
                                   "must be installed in the interpreter's own site-packages)")
        self.device = ready.get("device", "")

    def read(self, timeout: float) -> dict:
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            self.process.kill()
            raise WorkerLost(f"Keras did not finish within {timeout:g} seconds (the build worker was stopped)")
        line = self.process.stdout.readline()
        if not line:
            raise WorkerLost("the Keras build worker stopped unexpectedly (killed for memory, or a crash in "
                             "native code)")
        return json.loads(line)

    def build(self, analysis: FileAnalysis) -> list[ModelBuild]:
        state = FileState(analysis)
        builds = []
        for model in analysis.models:
            writer = SpecWriter(state)
            try:
                spec = writer.model(model)
            except NotRebuildable as reason:
                builds.append(ModelBuild(model, note=str(reason)))
                continue
            if state.lost is not None:  # what the file's earlier models made was lost with the worker
                builds.append(ModelBuild(model, note=f"the build worker was restarted after model "
                                                     f"'{state.lost}' of this file"))
                continue
            spec["reset"], state.sent = not state.sent, True
            try:
                self.process.stdin.write(json.dumps(spec) + "\n")
                self.process.stdin.flush()
                answer = self.read(self.timeout)
            except (WorkerLost, BrokenPipeError) as lost:
                builds.append(ModelBuild(model, note=str(lost) if isinstance(lost, WorkerLost) else
                                         "the Keras build worker stopped unexpectedly"))
                state.lost = model.name
                self.close()
                self.start()
                continue
            build = self.answered(model, writer, answer)
            earlier = next((b for b in builds if b.error is not None and build.error is not None
                            and b.error_node is build.error_node), None)
            if earlier is not None:  # one failure, where it happened: the other models that needed it say so
                line = analysis.span(earlier.error_node).line
                build = ModelBuild(model, note=f"it needs what line {line} makes, where Keras raised (reported "
                                               f"for model '{earlier.model.name}')")
            builds.append(build)
        return builds

    def answered(self, model: ModelGraph, writer: SpecWriter, answer: dict) -> ModelBuild:
        if "refused" in answer:
            return ModelBuild(model, note=f"building it needed {answer['refused']}")
        if "unrepeatable" in answer:
            return ModelBuild(model, note=answer["unrepeatable"])
        remarks = tuple(writer.state.remarks[s["key"]] for s in writer.used_sites() if s["key"] in writer.state.remarks)
        if "misnamed" in answer:
            misnamed = answer["misnamed"]
            return ModelBuild(model, device=self.device, remarks=remarks, misnamed=misnamed)
        error = answer.get("error")
        node = None
        if error is not None:
            nodes = {"construct": writer.layer_nodes, "call": writer.call_nodes,
                     "site": writer.site_nodes}.get(error["stage"], [])
            node = nodes[error["index"]] if error["index"] < len(nodes) else model.record.node
        return ModelBuild(model, answer.get("layers", {}), error, None, self.device, node,
                          answer.get("totals"), remarks)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.folder.cleanup()
