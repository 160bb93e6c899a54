"""Write fixtures/documents/keras2_printed.ipynb: a notebook of Keras 3 code whose summary
output was printed by Keras 2 (tf_keras), as notebooks written before Keras 3 still show.

    pip install tf_keras
    python scripts/generate_keras2_notebook.py

The program is run with tf_keras (the same code, ``import tf_keras as keras``, with GRU's
``reset_after=False``, the default of Keras 2 before 2.3) and its printed summaries are stored
as the cell's output; the cell's source says ``import keras``. kgraphlint must not call those
tables stale for what only differs between Keras releases: Keras 2's names (input_1, model_1)
and GRU's weight count.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "fixtures" / "documents" / "keras2_printed.ipynb"
PROGRAM = """\
import keras
from keras import layers

inputs = keras.Input(shape=(20, 8))
x = layers.GRU(16, return_sequences=True)(inputs)
x = layers.GRU(8)(x)
outputs = layers.Dense(3, activation="softmax")(x)
model = keras.Model(inputs, outputs)
model.summary()

features = keras.Input(shape=(12,))
hidden = layers.Dense(6, activation="relu")(features)
scorer = keras.Model(features, layers.Dense(1, activation="sigmoid")(hidden))
scorer.summary()
"""


def main() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        keras2 = PROGRAM.replace("import keras\nfrom keras import", "import tf_keras as keras\nfrom tf_keras import")
        exec(compile(keras2.replace("layers.GRU(16, return_sequences=True)",
                                    "layers.GRU(16, return_sequences=True, reset_after=False)")
                     .replace("layers.GRU(8)", "layers.GRU(8, reset_after=False)"), "keras2", "exec"), {})
    cell = {"cell_type": "code", "execution_count": 1, "metadata": {},
            "outputs": [{"name": "stdout", "output_type": "stream", "text": printed.getvalue().splitlines(True)}],
            "source": PROGRAM.splitlines(True)}
    notebook = {"cells": [cell], "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                                             "name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
    TARGET.write_text(json.dumps(notebook, indent=1) + "\n")
    print(f"wrote {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
