"""``--build``: rebuild the extracted models with real Keras and compare.

Never the user's file: each model is exported from its graph as a spec (layer classes with
the literal arguments the code gave them, calls wired as the graph says, shared layers
shared, every layer named as kgraphlint named it) and a separate worker process
(``kgraphlint/build/worker.py``, which imports TensorFlow) builds the specs. Data loading,
training and side effects in the user's code never run. Layers whose arguments are not
known statically, Lambda layers, custom layers and layers that load files (a SavedModel,
a vocabulary file) are not rebuilt: their models are not built, and a note says why.

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
from kgraphlint.keras.facts import LayerInstance
from kgraphlint.graph.model_graph import ModelGraph, build_model_graph
from kgraphlint.keras.shapes import is_known
from kgraphlint.keras.signatures import KERAS3, known_layer_names

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


def shapes_agree(static: object, keras: object) -> bool:
    """A static JSON shape against Keras's: "?" (not known statically) never disagrees."""
    if static == "?":
        return True
    if isinstance(static, list) and isinstance(keras, list) and len(static) == len(keras):
        return all(s == "?" or (shapes_agree(s, k) if isinstance(s, list) else s == k) for s, k in zip(static, keras))
    return static == keras


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


class SpecWriter:
    """Turns one model graph into the JSON the worker builds."""

    def __init__(self, analysis: FileAnalysis) -> None:
        self.analysis = analysis
        self.layers: list[dict] = []
        self.layer_ids: dict[int, int] = {}
        #: the source node behind each layer and each call of the spec, for error locations
        self.layer_nodes: list = []
        self.call_nodes: list = []

    def layer(self, layer: LayerInstance) -> int:
        if id(layer) in self.layer_ids:
            return self.layer_ids[id(layer)]
        if layer.inner_model is not None:
            spec = {"nested": self.nested(layer)}
        else:
            spec = {"class": layer.class_name, "kwargs": self.arguments(layer)}
        spec.update(name=layer.name)
        self.layers.append(spec)
        self.layer_nodes.append(layer.construct)
        self.layer_ids[id(layer)] = len(self.layers) - 1
        return len(self.layers) - 1

    def arguments(self, layer: LayerInstance) -> dict:
        if layer.library:
            # The arguments keras.applications code gives its layers are not carried over:
            # rebuilt layer by layer, Keras would refuse them for what the user did not write.
            raise NotRebuildable(f"'{layer.name}' is made by library code (keras.applications), which is not "
                                 f"rebuilt yet")
        if layer.operation:
            raise NotRebuildable(f"'{layer.name}' is a {layer.class_name} operation (an operator or keras.ops call), "
                                 "which is not rebuilt from source")
        if layer.class_name not in known_layer_names(KERAS3) or layer.class_name == "Lambda" or layer.custom is not None:
            raise NotRebuildable(f"'{layer.name}' is a {layer.class_name}, which is not rebuilt from source")
        if layer.class_name in FILE_LOADING_LAYERS:
            raise NotRebuildable(f"'{layer.name}' is a {layer.class_name}, which loads "
                                 f"{FILE_LOADING_LAYERS[layer.class_name]} from disk (--build never loads files)")
        kwargs = {}
        for key in layer.arg_nodes:
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
        inner = SpecWriter(self.analysis)
        return inner.model(build_model_graph(layer.inner_model))

    def model(self, model: ModelGraph) -> dict:
        if not model.record.complete:
            raise NotRebuildable(f"model '{model.name}' is only partly known")
        tensors: dict[int, int] = {}
        inputs, calls = [], []
        for call in nx.topological_sort(model.graph):
            for tensor in call.outputs:
                tensors.setdefault(id(tensor), len(tensors))
            if call.layer.is_input:
                shape = call.outputs[0].shape
                if shape is None or not is_known(shape):
                    raise NotRebuildable(f"the shape of Input '{call.layer.name}' is not known statically")
                dtype = call.layer.config.get("dtype")
                inputs.append({"tensor": tensors[id(call.outputs[0])], "batch_shape": list(shape),
                               "dtype": dtype if isinstance(dtype, str) else None, "name": call.layer.name})
                continue
            if call.main_inputs is not None:
                raise NotRebuildable(f"'{call.layer.name}' is called with tensors in several arguments (as "
                                     f"attention's query, value and key), which is not rebuilt yet")
            calls.append({
                "layer": self.layer(call.layer),
                "inputs": [tensors[id(t)] for t in call.inputs],
                "listed": len(call.inputs) > 1 or call.layer.class_name in ("Concatenate", "Add", "Subtract", "Multiply",
                                                                         "Average", "Maximum", "Minimum", "Dot"),
                "outputs": [tensors[id(t)] for t in call.outputs],
            })
            self.call_nodes.append(call.node)
        return {
            "kind": model.kind,
            "name": model.name,
            "layers": self.layers,
            "inputs": inputs,
            "calls": calls,
            "model_inputs": [tensors[id(t)] for t in model.record.inputs],
            "model_outputs": [tensors[id(t)] for t in model.record.outputs],
        }


class Builder:
    """One worker process that imports TensorFlow once and builds every spec sent to it."""

    def __init__(self, device: str = "auto") -> None:
        if importlib.util.find_spec("tensorflow") is None or importlib.util.find_spec("keras") is None:
            raise BuildUnavailable(INSTALL_HINT)
        self.folder = tempfile.TemporaryDirectory(prefix="kgraphlint-build-")
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow",
               "KERAS_HOME": self.folder.name, "TMPDIR": self.folder.name}
        if device == "cpu":
            env["CUDA_VISIBLE_DEVICES"] = "-1"
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-B", str(WORKER), device], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True, env=env, cwd=self.folder.name)
        ready = self.read()
        if ready.get("error"):
            self.close()
            raise BuildUnavailable(f"{ready['error']} (the Keras build worker runs with python -I: TensorFlow "
                                   "must be installed in the interpreter's own site-packages)")
        self.device = ready.get("device", "")

    def read(self) -> dict:
        ready, _, _ = select.select([self.process.stdout], [], [], TIMEOUT_SECONDS)
        if not ready:
            self.process.kill()
            raise BuildUnavailable(f"Keras did not answer within {TIMEOUT_SECONDS} seconds")
        line = self.process.stdout.readline()
        if not line:
            raise BuildUnavailable("the Keras build worker stopped unexpectedly")
        return json.loads(line)

    def build(self, analysis: FileAnalysis) -> list[ModelBuild]:
        builds = []
        for model in analysis.models:
            writer = SpecWriter(analysis)
            try:
                spec = writer.model(model)
            except NotRebuildable as reason:
                builds.append(ModelBuild(model, note=str(reason)))
                continue
            self.process.stdin.write(json.dumps(spec) + "\n")
            self.process.stdin.flush()
            answer = self.read()
            if "refused" in answer:
                builds.append(ModelBuild(model, note=f"building it needed {answer['refused']}"))
                continue
            error = answer.get("error")
            node = None
            if error is not None:
                nodes = {"construct": writer.layer_nodes, "call": writer.call_nodes}.get(error["stage"], [])
                node = nodes[error["index"]] if error["index"] < len(nodes) else model.record.node
            builds.append(ModelBuild(model, answer.get("layers", {}), error, None, self.device, node))
        return builds

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.folder.cleanup()
