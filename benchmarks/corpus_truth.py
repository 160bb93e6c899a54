"""Run each user program of benchmarks/corpus_programs with real Keras and write the models
it builds, as Keras itself describes them, beside it as ``<name>.expected.json``.

    python benchmarks/corpus_truth.py [benchmarks/corpus_programs/X.py ...]

The programs need keras-hub, keras-tcn and segmentation-models: they run in the scratch
environment of benchmarks/corpus.py (made there if missing; ``--scratch`` as there). The
JSON shape is that of ``kgraphlint summary --format json`` without "path", from
scripts/generate_expected.py's ``describe()``, so benchmarks/corpus.py can compare
kgraphlint's summary with it field by field. Beyond what that script records:

- every ``keras.Model`` is recorded, subclasses included (a keras-hub backbone, a task
  model, the user's own ``class MLP(keras.Model)``), and the models library code builds
  for the program (segmentation_models' encoder inside its U-Net), each once;
- a model's "line" is the innermost line of the program at which it was made, not counting
  the program's own Model subclasses' ``__init__`` (a subclass instance is made where it is
  instantiated);
- a subclassed model (no functional graph) has "kind" "subclassed", no inputs or outputs,
  and the rows ``model.summary()`` prints for it: ``model.layers`` with the output shape of
  each layer's last call ("?" where Keras prints "?") and no connections.

Only these programs are executed here; kgraphlint never runs user code.
"""

from __future__ import annotations

import argparse
import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import corpus  # noqa: E402
from generate_expected import describe, shape_json, weight_count  # noqa: E402


def shapes_of(structure) -> list[list]:
    """The shapes in a (nested) shape structure ``compute_output_shape`` returns."""
    if isinstance(structure, (tuple, list)) and all(d is None or isinstance(d, int) for d in structure):
        return [shape_json(structure)]
    items = structure.values() if isinstance(structure, dict) else structure
    return [shape for item in items for shape in shapes_of(item)]


def layer_shape(layer) -> object:
    """What ``keras.src.utils.summary_utils.format_layer_shape`` shows, as JSON."""
    from keras.src import tree

    if layer._inbound_nodes:
        shapes = [shape_json(t.shape) for t in tree.flatten(layer._inbound_nodes[-1].output_tensors)]
    elif layer._build_shapes_dict:
        try:
            shapes = shapes_of(layer.compute_output_shape(**layer._build_shapes_dict))
        except NotImplementedError:
            return "?"
    else:
        return "?"
    return shapes[0] if len(shapes) == 1 else shapes


def describe_subclassed(model, line: int) -> dict:
    rows = []
    for layer in model.layers:
        built = layer.built
        rows.append({
            "name": layer.name,
            "class": layer.__class__.__name__,
            "output_shape": layer_shape(layer),
            "params": layer.count_params() if built else 0,
            "trainable_params": weight_count(layer.trainable_weights) if built else 0,
            "connected_to": [],
        })
    trainable = weight_count(model.trainable_weights)
    return {
        "line": line,
        "name": model.name,
        "kind": "subclassed",
        "inputs": [],
        "outputs": [],
        "layers": rows,
        "total_params": model.count_params(),
        "trainable_params": trainable,
        "non_trainable_params": model.count_params() - trainable,
    }


def run_program(path: Path) -> list[dict]:
    """In this (child) process: run one program, recording every model it makes."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from keras.src.models import functional, model as model_module, sequential

    program = str(path.resolve())
    created: list[tuple] = []
    in_progress: dict[int, int] = {}  # id(model) -> depth of its wrapped __init__ calls

    def program_line(instance) -> int | None:
        frame = sys._getframe(2)
        while frame is not None:
            if frame.f_code.co_filename == sequential.__file__:
                return None  # the private graph a Sequential rebuilds, not a model of the program
            if frame.f_code.co_filename == program and frame.f_locals.get("self") is not instance:
                return frame.f_lineno
            frame = frame.f_back
        return None

    def hook(cls):
        original = cls.__dict__["__init__"]

        def init(self, *args, **kwargs):
            depth = in_progress.get(id(self), 0)
            line = program_line(self) if depth == 0 else None
            in_progress[id(self)] = depth + 1
            try:
                original(self, *args, **kwargs)
            finally:
                in_progress[id(self)] = depth
            if depth == 0 and line is not None and all(m is not self for m, _ in created):
                created.append((self, line))

        cls.__init__ = init

    for cls in (model_module.Model, functional.Functional, sequential.Sequential):
        hook(cls)
    sys.path.insert(0, str(path.resolve().parent))
    runpy.run_path(program, run_name="__main__")
    return [describe(m, line) if isinstance(m, (functional.Functional, sequential.Sequential))
            else describe_subclassed(m, line) for m, line in created]


def main(argv: list[str]) -> None:
    if len(argv) == 2 and argv[0] == "--child":
        print(json.dumps(run_program(Path(argv[1]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("programs", nargs="*", type=Path)
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/kgl-corpus"))
    args = parser.parse_args(argv)
    python = corpus.environment(args.scratch)
    programs = [p.resolve() for p in args.programs] or sorted(corpus.PROGRAMS.glob("*.py"))
    for program in programs:
        result = subprocess.run([str(python), __file__, "--child", str(program)], capture_output=True, text=True,
                                env={**os.environ, "KERAS_BACKEND": "tensorflow"}, cwd=program.parent)
        if result.returncode != 0:
            sys.exit(f"{program}: Keras failed:\n{result.stderr[-3000:]}")
        models = json.loads(result.stdout.strip().splitlines()[-1])
        target = program.with_suffix(".expected.json")
        target.write_text(json.dumps(models, indent=1) + "\n")
        print(f"{target.relative_to(corpus.ROOT)}: {len(models)} model(s)")


if __name__ == "__main__":
    main(sys.argv[1:])
