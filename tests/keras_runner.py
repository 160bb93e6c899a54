"""Run programs with real Keras and say, for each, whether it raised and at which of its
lines. Used by tests/test_data_fixtures.py in a subprocess (TensorFlow is imported once).

The keras.datasets loaders return zero arrays of their documented shapes with a hundredth
of the samples (nothing is downloaded), and fit trains one quiet epoch.

usage: python keras_runner.py PROGRAM.py ...   (prints a line "keras-runner: {JSON}" per program)
"""

from __future__ import annotations

import json
import os
import runpy
import sys
import traceback

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from kgraphlint.feeding.arrays import DATASETS, FLOAT  # noqa: E402

MARKER = "keras-runner: "


def zeros(array, scale: int = 100):
    samples = max(array.shape[0] // scale, 8)
    return np.zeros((samples, *array.shape[1:]), dtype="float32" if array.kind == FLOAT else "uint8")


def patch_datasets() -> None:
    for name, ((x_train, y_train), (x_test, y_test)) in DATASETS.items():
        if x_train.kind == "object":
            continue
        data = ((zeros(x_train), zeros(y_train)), (zeros(x_test), zeros(y_test)))
        setattr(getattr(keras.datasets, name), "load_data", lambda *a, _data=data, **k: _data)


def patch_training() -> None:
    fit, evaluate, predict = keras.Model.fit, keras.Model.evaluate, keras.Model.predict

    def quiet_fit(self, *args, **kwargs):
        kwargs.update(epochs=1, verbose=0)
        if len(args) > 3:
            args = args[:3]
        return fit(self, *args, **kwargs)

    keras.Model.fit = quiet_fit
    keras.Model.evaluate = lambda self, *a, **k: evaluate(self, *a, **{**k, "verbose": 0})
    keras.Model.predict = lambda self, *a, **k: predict(self, *a, **{**k, "verbose": 0})


def run(path: str) -> dict:
    target = os.path.realpath(path)
    try:
        runpy.run_path(path, run_name="__main__")
    except Exception as error:  # the program's own failure is the result
        lines = [frame.lineno for frame in traceback.extract_tb(error.__traceback__)
                 if os.path.realpath(frame.filename) == target]
        return {"path": path, "raised": True, "line": lines[-1] if lines else None,
                "error": f"{type(error).__name__}: {str(error).strip().splitlines()[0][:200] if str(error).strip() else ''}"}
    return {"path": path, "raised": False, "line": None, "error": None}


if __name__ == "__main__":
    patch_datasets()
    patch_training()
    for program in sys.argv[1:]:
        print(MARKER + json.dumps(run(program)), flush=True)
