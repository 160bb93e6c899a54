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
  and the rows ``model.summary()`` prints for it (generate_expected's
  ``describe_subclassed()``: ``model.layers``, "?" where Keras prints "?", unbuilt layers
  marked).

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
from generate_expected import describe, describe_subclassed  # noqa: E402


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
