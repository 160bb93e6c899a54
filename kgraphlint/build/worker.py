"""The process that builds model specs with real Keras (``python -I worker.py DEVICE``).

It reads one JSON spec per line on standard input and answers one JSON line each: every
layer's output shape and parameter count, where Keras raised and its message, or that the
build needed something the worker refuses. The first line it writes says which device
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


def build(spec: dict) -> dict:
    import keras

    made: dict[int, object] = {}

    def construct(index: int):
        if index in made:
            return made[index]
        layer_spec = spec["layers"][index]
        if "nested" in layer_spec:
            try:
                made[index] = build(layer_spec["nested"])["model"]
            except BuildError as inner:  # reported at the nested model's own place
                raise BuildError("construct", index, inner.text) from inner
            return made[index]
        kwargs = dict(layer_spec["kwargs"])
        if isinstance(kwargs.get("layer"), dict):
            kwargs["layer"] = construct(kwargs["layer"]["layer"])
        try:
            made[index] = getattr(keras.layers, layer_spec["class"])(name=layer_spec["name"], **kwargs)
        except Exception as error:
            raise BuildError("construct", index, error) from error
        return made[index]

    tensors: dict[int, object] = {}
    for item in spec["inputs"]:
        tensors[item["tensor"]] = keras.Input(batch_shape=tuple(item["batch_shape"]), dtype=item["dtype"],
                                              name=item["name"])
    for position, call in enumerate(spec["calls"]):
        layer = construct(call["layer"])
        arguments = [tensors[t] for t in call["inputs"]]
        try:
            result = layer(arguments if call["listed"] else arguments[0])
        except Exception as error:
            raise BuildError("call", position, error) from error
        outputs = result if isinstance(result, (list, tuple)) else [result]
        for tensor_id, tensor in zip(call["outputs"], outputs):
            tensors[tensor_id] = tensor
    try:
        model = keras.Model([tensors[t] for t in spec["model_inputs"]], [tensors[t] for t in spec["model_outputs"]],
                            name=spec["name"])
    except Exception as error:
        raise BuildError("model", 0, error) from error
    layers = {}
    for layer in model.layers:
        if layer._inbound_nodes:
            layers[layer.name] = {"output_shape": shapes_of(layer._inbound_nodes[-1].output_tensors),
                                  "params": layer.count_params()}
    return {"layers": layers, "model": model}


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


def answer_for(spec: dict, sandbox: Sandbox) -> dict:
    from keras.src.saving.serialization_lib import SafeModeScope

    sandbox.refusals.clear()
    try:
        with SafeModeScope(True):  # Keras's own guard: no vocabulary files, no lambdas deserialized
            answer = {"layers": build(spec)["layers"]}
    except BuildError as error:
        answer = {"error": {"stage": error.stage, "index": error.index, "message": error.text}}
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
    for line in sys.stdin:
        print(json.dumps(answer_for(json.loads(line), sandbox)), flush=True)


if __name__ == "__main__":
    main()
