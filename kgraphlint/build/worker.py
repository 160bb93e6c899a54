"""The process that builds model specs with real Keras (``python -m kgraphlint.build.worker``).

It reads one JSON spec per line on standard input and answers one JSON line each: every
layer's output shape and parameter count, or where Keras raised and its message. The first
line it writes says which device TensorFlow uses. Only this process imports TensorFlow.
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
    for line in sys.stdin:
        spec = json.loads(line)
        try:
            result = build(spec)
            answer = {"layers": result["layers"]}
        except BuildError as error:
            answer = {"error": {"stage": error.stage, "index": error.index, "message": error.text}}
        except Exception as error:  # a spec the worker did not expect: say so, keep serving
            answer = {"error": {"stage": "model", "index": 0, "message": f"{type(error).__name__}: {error}"}}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
