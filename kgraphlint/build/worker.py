"""The process that builds model specs with real Keras (``python -I worker.py DEVICE``).

It reads one JSON spec per line on standard input and answers one JSON line each: every
layer's output shape and parameter counts (all, trainable) and the model's totals, where
Keras raised and its message, a layer name library code did not make, or that the build
needed something the worker refuses. The specs of one file share what they make (a
``FileState``), as the file's models share layers and tensors. The first line it writes says which device
TensorFlow uses. Only this process imports TensorFlow.

It runs isolated (``kgraphlint.build.compare`` starts it with ``python -I`` in a temporary
folder: neither the checked project nor the user's site-packages is importable) and
imports nothing of kgraphlint, so that a ``json.py`` or ``keras.py`` beside the checked
code is never run. Once TensorFlow is imported it confines itself with an audit hook: no
sockets, no processes, no files opened outside the Python installation, written only in
its own folder. The specs never ask for files (``kgraphlint.build.compare`` refuses layers
that load them); the hook is the second line, for what a Keras layer might do on its own.
"""

from __future__ import annotations

import json
import os
import re
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def device_name(wanted: str) -> str:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if wanted == "gpu" and not gpus:
        raise RuntimeError("--device gpu: TensorFlow sees no GPU")
    if gpus and wanted != "cpu":
        details = tf.config.experimental.get_device_details(gpus[0])
        return f"GPU ({details.get('device_name', gpus[0].name)})"
    return "CPU"


def shapes_of(outputs) -> list:
    from keras.src import tree

    shapes = [[None if d is None else int(d) for d in t.shape] for t in tree.flatten(outputs)]
    return shapes[0] if len(shapes) == 1 else shapes


class FileState:
    """What one checked file's specs share, as the code shares it: each layer, tensor,
    model and library call made once (by the spec that first needs it, reused by the
    others), and Keras's automatic names counted as the code counts them
    (``keras.backend.clear_session`` at each file)."""

    def __init__(self) -> None:
        self.sites: dict[int, object] = {}
        #: the operations each site's result holds, by name
        self.operations: dict[int, dict] = {}
        self.layers: dict[int, object] = {}
        self.tensors: dict[int, object] = {}
        self.models: dict[int, object] = {}
        self.named: set[int] = set()
        #: class source -> the namespace it was run in
        self.classes: dict[str, dict] = {}

    def own_class(self, source: str, name: str):
        """A class of the checked file, made from its own source (its imports, the classes it
        names, itself: kgraphlint.build.sources), run once per file in a namespace of its own."""
        if source not in self.classes:
            namespace = {"__name__": "kgraphlint_build_classes", "__builtins__": __builtins__}
            try:
                exec(compile(source, f"<class {name} of the checked file>", "exec"), namespace)
            except Exception as error:
                raise Unrepeatable(f"the source of class {name} did not run in the build worker: "
                                   f"{type(error).__name__}: {error}") from error
            self.classes[source] = namespace
        return self.classes[source][name]

    def auto_name(self, key: int, class_name: str) -> None:
        """Count the automatic name Keras gave the code's layer (the spec names it exactly)
        so that layers library code names later are numbered as they were."""
        from keras.src.utils import naming

        if key not in self.named:
            self.named.add(key)
            naming.auto_name(class_name)


def decoded(value: object, tensors: dict) -> object:
    if isinstance(value, list):
        return [decoded(v, tensors) for v in value]
    if isinstance(value, dict):
        if "tensor" in value:
            if value["tensor"] not in tensors:
                raise Unrepeatable("a library call is given a tensor the model does not make")
            return tensors[value["tensor"]]
        if "tuple" in value:
            return tuple(decoded(v, tensors) for v in value["tuple"])
        if "slice" in value:
            return slice(*decoded(value["slice"], tensors))
        if "ellipsis" in value:
            return Ellipsis
        return {k: decoded(v, tensors) for k, v in value["dict"].items()}
    return value


def operations_of(result: object) -> dict:
    """The operations a library call made, by name: a model's own, or those behind the
    tensors it returned."""
    import keras
    from keras.src import tree

    if isinstance(result, keras.Model):
        return {op.name: op for op in model_operations(result)}
    found: dict = {}
    pending = [t for t in tree.flatten(result) if hasattr(t, "_keras_history")]
    while pending:
        history = pending.pop()._keras_history
        operation = history.operation
        if operation.name in found:
            continue
        found[operation.name] = operation
        pending.extend(t for t in operation._inbound_nodes[history.node_index].input_tensors
                       if hasattr(t, "_keras_history"))
    return found


def model_operations(model) -> list:
    """A model's operations (layers, and the keras.ops calls of a functional model); a
    Sequential keeps them in the functional model it builds when first called."""
    inner = getattr(model, "_functional", None) if not hasattr(model, "operations") else model
    return list(inner.operations) if inner is not None else list(model.layers)


def summary_members(model, kind: str) -> list:
    """What ``model.summary()`` lists, as scripts/generate_expected.py takes it: a
    Sequential's layers (a spec of ``kind`` "sequential" or "subclassed" is rebuilt as a
    functional model: its InputLayer is left out); a functional model's operations on the way from its inputs to its
    outputs, not those that only compute masks (Embedding(mask_zero=True)'s not_equal, the
    mask a Concatenate combines), which kgraphlint does not model."""
    import keras
    from keras.src import tree

    if isinstance(model, keras.Sequential) or not hasattr(model, "_operations"):
        return list(model.layers)
    if kind != "functional":  # rebuilt as a functional model, listed as Keras lists the code's model
        return [layer for layer in summary_members(model, "functional") if not isinstance(layer, keras.layers.InputLayer)]
    reached, seen = set(), set()
    pending = [t for t in tree.flatten(model.outputs) if hasattr(t, "_keras_history")]
    while pending:
        history = pending.pop()._keras_history
        node = history.operation._inbound_nodes[history.node_index]
        if id(node) in seen:
            continue
        seen.add(id(node))
        reached.add(id(history.operation))
        given = node.arguments
        data = tree.flatten((given.args, {k: v for k, v in given.kwargs.items() if k != "mask"}))
        pending.extend(t for t in data if hasattr(t, "_keras_history"))
    return [op for op in model._operations if id(op) in reached]


def find_model(result: object, name: str):
    """The model named ``name`` that a library call made: its result or a model inside it."""
    import keras

    if not isinstance(result, keras.Model):
        return None
    if result.name == name:
        return result
    for operation in model_operations(result):
        inner = find_model(operation, name) if operation is not result else None
        if inner is not None:
            return inner
    return None


def apply(layer_spec: dict, tensors: dict) -> object:
    """An operation of the code (``x + y``, ``ops.reshape(x, ...)``), applied to Keras tensors."""
    import importlib
    import operator

    kind, name = layer_spec["operation"]
    if kind == "operator":
        function = getattr(operator, name)
    else:
        module, _, attribute = name.rpartition(".")
        function = getattr(importlib.import_module(module), attribute)
    return function(*decoded(layer_spec["args"], tensors), **decoded(layer_spec["kwargs"], tensors))


def call_site(site: dict, tensors: dict, state: FileState, position: int) -> None:
    """Call the library function the code called, with the code's arguments, once per file."""
    import importlib
    import inspect

    if site["key"] in state.sites:
        return
    try:
        module = importlib.import_module(site["module"])
        function = getattr(module, site["function"])
        where = inspect.getsourcefile(inspect.unwrap(function))
        if where is None or os.path.realpath(where) != os.path.realpath(site["path"]):
            raise RuntimeError(f"{site['module']}.{site['function']} is not the function the code calls")
    except Exception as error:
        raise Unrepeatable(f"{site['module']}.{site['function']} could not be found in the worker: {error}") from error
    try:
        result = function(*decoded(site["args"], tensors), **decoded(site["kwargs"], tensors))
    except Exception as error:
        raise BuildError("site", position, error) from error
    state.sites[site["key"]] = result
    state.operations[site["key"]] = operations_of(result)


def build(spec: dict, state: FileState) -> dict:
    import keras

    tensors = state.tensors
    sites = {site["key"]: (position, site) for position, site in enumerate(spec["sites"])}

    def construct(index: int):
        layer_spec = spec["layers"][index]
        key = layer_spec["key"]
        if key in state.layers:
            return state.layers[key]
        if "nested" in layer_spec:
            try:
                state.layers[key] = build(layer_spec["nested"], state)["model"]
            except BuildError as inner:  # reported at the nested model's own place
                raise BuildError("construct", index, inner.text) from inner
        elif "site" in layer_spec:
            state.layers[key] = library_operation(layer_spec, index)
        elif "class_source" in layer_spec:
            cls = state.own_class(layer_spec["class_source"], layer_spec["class"])
            try:
                state.layers[key] = cls(*decoded(layer_spec["args"], tensors), **decoded(layer_spec["kwargs"], tensors))
            except NameError as error:  # a module-level name the class's source alone lacks
                raise Unrepeatable(f"class {layer_spec['class']} needs more of its file than its source: "
                                   f"{error}") from error
            except Exception as error:
                raise BuildError("construct", index, error) from error
        else:
            kwargs = dict(layer_spec["kwargs"])
            if isinstance(kwargs.get("layer"), dict):
                kwargs["layer"] = construct(kwargs["layer"]["layer"])
            if layer_spec["auto"]:
                state.auto_name(key, layer_spec["class"])
            try:
                state.layers[key] = getattr(keras.layers, layer_spec["class"])(name=layer_spec["name"], **kwargs)
            except Exception as error:
                raise BuildError("construct", index, error) from error
        return state.layers[key]

    def library_operation(layer_spec: dict, index: int):
        """The layer a library call made, found by its name in what the call made."""
        key = layer_spec["site"]
        call_site(sites[key][1], tensors, state, sites[key][0])
        operation = state.operations[key].get(layer_spec["name"]) or find_model(state.sites[key], layer_spec["name"])
        if operation is None:
            raise Misnamed(index, layer_spec["name"], sorted(state.operations[key]))
        return operation

    if spec["key"] in state.models:
        model = state.models[spec["key"]]
    elif "from_site" in spec:
        position, site = sites[spec["from_site"]]
        call_site(site, tensors, state, position)
        model = find_model(state.sites[site["key"]], spec["name"])
        if model is None:
            raise Misnamed(-1, spec["name"], [])
    else:
        for item in spec["inputs"]:
            if item["tensor"] in tensors:
                continue
            if item["auto"]:
                state.auto_name(item["key"], "InputLayer")
            tensors[item["tensor"]] = keras.Input(batch_shape=tuple(item["batch_shape"]), dtype=item["dtype"],
                                                  name=item["name"])
        for position, call in enumerate(spec["calls"]):
            if all(t in tensors for t in call["outputs"]):
                continue  # made already, by another model's spec of this file
            layer_spec = spec["layers"][call["layer"]]
            if "operation" in layer_spec:
                try:
                    result = apply(layer_spec, tensors)
                except Exception as error:
                    raise BuildError("call", position, error) from error
                outputs = list(result) if isinstance(result, (list, tuple)) else [result]
                # named as the code's run names it: the worker applies operations in the graph's
                # order, which may not be the order the code wrote them in
                if hasattr(outputs[0], "_keras_history"):
                    outputs[0]._keras_history.operation.name = layer_spec["name"]
                for tensor_id, tensor in zip(call["outputs"], outputs):
                    tensors[tensor_id] = tensor
                continue
            layer = construct(call["layer"])
            if "call_index" in call:  # a call library code made: what it made
                outputs = list(layer._inbound_nodes[call["call_index"]].output_tensors)
            else:
                try:
                    if "arguments" in call:  # tensors in several arguments, as the code gives them
                        result = layer(*decoded(call["arguments"][0], tensors), **decoded(call["arguments"][1], tensors))
                    else:
                        arguments = [tensors[t] for t in call["inputs"]]
                        result = layer(arguments if call["listed"] else arguments[0])
                except NameError as error:  # only the code's own classes run code that names things
                    raise Unrepeatable(f"'{layer.name}' needs more of its file than its class's source: "
                                       f"{error}") from error
                except Exception as error:
                    raise BuildError("call", position, error) from error
                outputs = result if isinstance(result, (list, tuple)) else [result]
            for tensor_id, tensor in zip(call["outputs"], outputs):
                tensors[tensor_id] = tensor
        if spec["auto"] and spec["kind"] != "subclassed":  # a subclass is named after its class
            state.auto_name(spec["key"], "Sequential" if spec["kind"] == "sequential" else "Functional")
        try:
            model = keras.Model([tensors[t] for t in spec["model_inputs"]],
                                [tensors[t] for t in spec["model_outputs"]], name=spec["name"])
        except Exception as error:
            raise BuildError("model", 0, error) from error
    state.models[spec["key"]] = model
    for operation in model_operations(model):
        if operation.name in spec["frozen"]:
            operation.trainable = False
    layers = {}
    for operation in summary_members(model, spec["kind"]):
        if operation._inbound_nodes:
            layers[operation.name] = {
                "output_shape": shapes_of(operation._inbound_nodes[-1].output_tensors),
                "params": count(operation, "weights"), "trainable_params": count(operation, "trainable_weights")}
    totals = {"params": count(model, "weights"), "trainable_params": count(model, "trainable_weights")}
    return {"layers": layers, "model": model, "totals": totals}


def count(operation: object, weights: str) -> int:
    """How many numbers an operation's weights hold (an operation that is not a layer: none)."""
    import math

    return sum(math.prod(w.shape) for w in getattr(operation, weights, ()))


class Misnamed(Exception):
    """Library code made no layer of the name kgraphlint gave it (a naming gap)."""

    def __init__(self, index: int, name: str, names: list) -> None:
        super().__init__(name)
        self.index, self.name, self.names = index, name, names


class Unrepeatable(Exception):
    """The library call cannot be repeated in the worker; the message says why."""


class BuildError(Exception):
    def __init__(self, stage: str, index: int, error: object) -> None:
        super().__init__(str(error))
        self.stage, self.index = stage, index
        self.text = error if isinstance(error, str) else f"{type(error).__name__}: {first_lines(str(error))}"


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def first_lines(text: str, limit: int = 400) -> str:
    """Keras's message on one line, without the terminal colour codes it adds."""
    text = ANSI.sub("", text)
    text = " ".join(line.strip() for line in text.strip().splitlines() if line.strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


#: audit events that reach the network or start programs: always refused
REFUSED_EVENTS = ("socket.", "subprocess.", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                  "os.forkpty", "urllib.", "http.", "ftplib.", "smtplib.", "webbrowser.", "pty.spawn")
#: audit events that change the file system: allowed only in the worker's own folder
CHANGING_EVENTS = frozenset({"os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.symlink", "os.link",
                             "os.chmod", "os.chown", "os.truncate", "os.utime", "shutil.rmtree",
                             "shutil.copyfile", "shutil.move"})
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
#: folders of the system (not of the user) that libraries read: devices, process information
SYSTEM_FOLDERS = ("/dev", "/proc", "/sys")


class Sandbox:
    """The audit hook that confines the worker once TensorFlow is imported. Refusals raise
    PermissionError where the code asked, and are remembered so that the build of the spec
    that caused them is reported as refused, not as Keras's error."""

    def __init__(self, folder: str) -> None:
        self.folder = os.path.realpath(folder)
        roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, *(p for p in sys.path if p)}
        self.readable = tuple(sorted({os.path.realpath(r) for r in roots} | set(SYSTEM_FOLDERS)))
        self.refusals: list[str] = []

    @staticmethod
    def inside(path: str, folders: tuple[str, ...]) -> bool:
        return any(path == folder or path.startswith(folder.rstrip("/") + "/") for folder in folders)

    def refuse(self, what: str) -> None:
        self.refusals.append(what)
        raise PermissionError(f"kgraphlint --build does not allow {what}")

    def __call__(self, event: str, args: tuple) -> None:
        if event.startswith(REFUSED_EVENTS):
            self.refuse(f"{event} (no network, no programs)")
        if event == "open":
            path, mode, flags = args
            if not isinstance(path, (str, bytes)):
                return  # an already open file descriptor
            where = os.path.realpath(os.fsdecode(path))
            writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & WRITE_FLAGS)
            if self.inside(where, (self.folder,)) or (not writes and self.inside(where, self.readable)):
                return
            self.refuse(f"opening {where} ({'write' if writes else 'read'}; --build never loads files)")
        elif event in CHANGING_EVENTS:
            for path in args:
                if isinstance(path, (str, bytes)) and not self.inside(os.path.realpath(os.fsdecode(path)),
                                                                      (self.folder,)):
                    self.refuse(f"{event} on {os.fsdecode(path)}")


def answer_for(spec: dict, sandbox: Sandbox, state: FileState) -> dict:
    import keras
    from keras.src.saving.serialization_lib import SafeModeScope

    sandbox.refusals.clear()
    try:
        if spec.get("reset"):
            keras.backend.clear_session()  # names are counted from the start of each file
        with SafeModeScope(True):  # Keras's own guard: no vocabulary files, no lambdas deserialized
            built = build(spec, state)
        answer = {"layers": built["layers"], "totals": built["totals"]}
    except BuildError as error:
        answer = {"error": {"stage": error.stage, "index": error.index, "message": error.text}}
    except Misnamed as error:
        answer = {"misnamed": {"index": error.index, "name": error.name, "names": error.names[:5]}}
    except Unrepeatable as error:
        answer = {"unrepeatable": str(error)}
    except Exception as error:  # a spec the worker did not expect: say so, keep serving
        answer = {"error": {"stage": "model", "index": 0, "message": f"{type(error).__name__}: {error}"}}
    if sandbox.refusals:  # whatever Keras made of the refusal, the reason is the refusal
        answer = {"refused": sandbox.refusals[0]}
    return answer


def main() -> None:
    wanted = sys.argv[1] if len(sys.argv) > 1 else "auto"
    try:
        import keras  # noqa: F401

        ready = {"device": device_name(wanted)}
    except Exception as error:
        ready = {"error": f"{type(error).__name__}: {error}"}
    print(json.dumps(ready), flush=True)
    if "error" in ready:
        return
    sys.dont_write_bytecode = True  # a module imported later must not need a write beside it
    sandbox = Sandbox(os.getcwd())
    sys.addaudithook(sandbox)
    state = FileState()
    for line in sys.stdin:
        spec = json.loads(line)
        if spec.get("reset"):
            state = FileState()
        print(json.dumps(answer_for(spec, sandbox, state)), flush=True)


if __name__ == "__main__":
    main()
