"""Build each fixture with real Keras and write the summary JSON Keras itself gives.

    pip install keras tensorflow-cpu
    python scripts/generate_expected.py [fixtures/models/*.py]

For every fixture program ``X.py`` this writes ``X.expected.json`` beside it: the models
the program builds, in the same JSON shape as ``kgraphlint summary --format json`` (without
"path"). The tests compare kgraphlint's static output with these files, so expected values
always come from Keras, never from a hand-typed number.

Only the project's own fixtures are executed here; kgraphlint never runs user code.
"""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "models"


def shape_json(shape) -> list:
    return [None if d is None else int(d) for d in shape]


def weight_count(weights) -> int:
    total = 0
    for w in weights:
        size = 1
        for d in w.shape:
            size *= int(d)
        total += size
    return total


def describe_subclassed(model, line: int, kind: str = "subclassed") -> dict:
    """A subclassed model (or an unbuilt Sequential: ``kind``) as model.summary() prints
    it: its tracked layers, each with the output shape Keras knows from the shapes it was
    built with, or "?"."""
    from keras.src.utils.summary_utils import format_layer_shape
    from rich.text import Text

    def shape(layer):
        text = Text.from_markup(format_layer_shape(layer)).plain  # numbers come highlighted
        if text == "?":
            return "?"
        return json.loads(text.replace("(", "[").replace(")", "]").replace("None", "null"))

    layers = []
    for layer in model.layers:
        row = {
            "name": layer.name,
            "class": layer.__class__.__name__,
            "output_shape": shape(layer),
            "params": layer.count_params() if layer.built else 0,
            "trainable_params": weight_count(layer.trainable_weights) if layer.built else 0,
            "connected_to": [],
        }
        if not layer.built:
            row["unbuilt"] = True
        layers.append(row)
    trainable = weight_count(model.trainable_weights)
    total = weight_count(model.weights)
    return {"line": line, "name": model.name, "kind": kind, "inputs": [], "outputs": [], "layers": layers,
            "total_params": total, "trainable_params": trainable, "non_trainable_params": total - trainable}


def describe(model, line: int) -> dict:
    import keras
    from keras.src import tree
    from keras.src.models import functional

    if not isinstance(model, (functional.Functional, keras.Sequential)):
        return describe_subclassed(model, line)
    if isinstance(model, keras.Sequential) and model._functional is None:
        return describe_subclassed(model, line, "sequential")  # never built: no graph

    graph = model._functional if isinstance(model, keras.Sequential) else model
    relevant = {n for nodes in graph._nodes_by_depth.values() for n in nodes}

    def output_shape(layer):
        # keras.src.utils.summary_utils.format_layer_shape: the last inbound node's outputs
        outputs = layer._inbound_nodes[-1].output_tensors
        shapes = [shape_json(t.shape) for t in tree.flatten(outputs)]
        return shapes[0] if len(shapes) == 1 else shapes

    # What model.summary() lists: a functional model's operations (``x + y`` is an Add
    # operation, not a layer), a Sequential's layers. Left out: the not_equal operation by
    # which Embedding(mask_zero=True) computes its mask (kgraphlint does not model masks).
    members = model.layers if isinstance(model, keras.Sequential) else [
        op for op in model._operations if type(op).__name__ != "NotEqual"]
    layers = []
    for layer in members:
        # A mask from Embedding(mask_zero=True) arrives through an operation (not_equal)
        # that is not part of the model's graph.
        connected = [
            t._keras_history.operation.name
            for node in layer._inbound_nodes
            if node in relevant
            for t in tree.flatten(node.input_tensors)
            if isinstance(t._keras_history.operation, keras.layers.Layer) or t._keras_history.operation in members
        ]
        built = getattr(layer, "built", False) and isinstance(layer, keras.layers.Layer)
        layers.append({
            "name": layer.name,
            "class": layer.__class__.__name__,
            "output_shape": output_shape(layer),
            "params": layer.count_params() if built else 0,
            "trainable_params": weight_count(layer.trainable_weights) if built else 0,
            "connected_to": connected,
        })
    trainable = weight_count(model.trainable_weights)
    return {
        "line": line,
        "name": model.name,
        "kind": "sequential" if isinstance(model, keras.Sequential) else "functional",
        "inputs": [t._keras_history.operation.name for t in graph.inputs],
        "outputs": [t._keras_history.operation.name for t in tree.flatten(graph.outputs)],
        "layers": layers,
        "total_params": model.count_params(),
        "trainable_params": trainable,
        "non_trainable_params": model.count_params() - trainable,
    }


def run_fixture(path: Path) -> list[dict]:
    """In this (child) process: execute one fixture, recording every model it creates."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from keras.src.models import functional, sequential

    created: list[tuple] = []
    fixture = str(path.resolve())

    def fixture_line(constructor: bool = False) -> int | None:
        stack = traceback.extract_stack()
        if any(frame.filename == sequential.__file__ for frame in stack):
            return None  # the private graph a Sequential rebuilds, not a user model
        # A keras.Model subclass's model is where the code makes it, not its super().__init__.
        lines = [frame.lineno for frame in stack if frame.filename == fixture
                 and not (constructor and frame.name == "__init__")]
        return lines[-1] if lines else None

    def hook(cls):
        original = cls.__init__

        def init(self, *args, **kwargs):
            original(self, *args, **kwargs)
            if type(self) is cls and all(m is not self for m, _ in created):
                line = fixture_line()
                if line is not None:
                    created.append((self, line))

        cls.__init__ = init

    hook(functional.Functional)
    hook(sequential.Sequential)
    from keras.src.models import model as model_module

    original_model_init = model_module.Model.__init__

    def model_init(self, *args, **kwargs):
        # Subclasses of keras.Model defined in the fixture: subclassed models, and those whose
        # __init__ ends in super().__init__(inputs=..., outputs=...) (Keras makes them Functional).
        original_model_init(self, *args, **kwargs)
        if type(self).__module__ == "__main__" and all(m is not self for m, _ in created):
            line = fixture_line(constructor=True)
            if line is not None:
                created.append((self, line))

    model_module.Model.__init__ = model_init
    package = path.resolve().parent
    if (package / "__init__.py").is_file():
        # A module of a package (fixtures/project): run it as one, relative imports and all.
        root, parts = package, [path.stem]
        while (root / "__init__.py").is_file():
            parts.insert(0, root.name)
            root = root.parent
        sys.path.insert(0, str(root))
        runpy.run_module(".".join(parts), run_name="__main__")
    else:
        runpy.run_path(fixture, run_name="__main__")
    return [describe(model, line) for model, line in created]


def main(argv: list[str]) -> None:
    if len(argv) == 2 and argv[0] == "--child":
        print(json.dumps(run_fixture(Path(argv[1]))))
        return
    fixtures = [Path(a).resolve() for a in argv] or sorted(FIXTURES.glob("*.py"))
    for fixture in fixtures:
        result = subprocess.run(
            [sys.executable, __file__, "--child", str(fixture)],
            capture_output=True, text=True, env={**os.environ, "KERAS_BACKEND": "tensorflow"},
        )
        if result.returncode != 0:
            sys.exit(f"{fixture}: Keras failed:\n{result.stderr[-3000:]}")
        models = json.loads(result.stdout.strip().splitlines()[-1])
        target = fixture.with_suffix(".expected.json")
        target.write_text(json.dumps(models, indent=1) + "\n")
        print(f"{target.relative_to(ROOT)}: {len(models)} model(s)")


if __name__ == "__main__":
    main(sys.argv[1:])
