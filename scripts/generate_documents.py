"""Run the document templates with real Keras and write the executed documents.

    pip install -e . keras tensorflow-cpu tf-keras
    python scripts/generate_documents.py

fixtures/documents/templates/ holds the sources:

- ``NAME.ipynb.template``: a notebook in the percent format (``# %%`` code cells,
  ``# %% [markdown]`` text cells). Its code cells run in order, as a kernel runs them
  (IPython magics are skipped), and each cell's printed output is stored, giving
  fixtures/documents/NAME.ipynb.
- ``NAME.md.template``: a Markdown tutorial. Its python fences run in order and what each prints
  is written in a ``text`` fence after it, giving fixtures/documents/NAME.md.

From the executed documents it then derives the stale copies the stale-summary rule must
catch, exactly as they happen: a notebook cell edited after the run (outputs kept), and a
tutorial whose printed table has one parameter count mistyped.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import re
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from kgraphlint.source.documents import mask_ipython  # noqa: E402

DOCUMENTS = ROOT / "fixtures" / "documents"
TEMPLATES = DOCUMENTS / "templates"
BUGS = ROOT / "fixtures" / "bugs"


def run(code: str, namespace: dict) -> str:
    """Execute code (IPython syntax masked) and return what it printed."""
    masked = "\n".join(mask_ipython(code.splitlines()))
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(masked, "<document>", "exec"), namespace)
    return buffer.getvalue()


def percent_cells(text: str) -> list[tuple[str, str]]:
    """(kind, source) for each ``# %%`` cell of a percent-format script."""
    cells = []
    for chunk in re.split(r"^# %%", text, flags=re.MULTILINE)[1:]:
        header, _, body = chunk.partition("\n")
        kind = "markdown" if "[markdown]" in header else "code"
        body = body.strip("\n")
        if kind == "markdown":
            body = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in body.splitlines())
        cells.append((kind, body))
    return cells


def notebook_cell(kind: str, source: str, output: str = "", count: int | None = None) -> dict:
    lines = source.splitlines(keepends=True)
    if kind == "markdown":
        return {"cell_type": "markdown", "metadata": {}, "source": lines}
    outputs = [{"name": "stdout", "output_type": "stream", "text": output.splitlines(keepends=True)}] if output else []
    return {"cell_type": "code", "execution_count": count, "metadata": {}, "outputs": outputs, "source": lines}


def fresh_session() -> None:
    """Each document runs as in a new kernel: Keras's automatic names start again."""
    import keras
    import tf_keras

    keras.backend.clear_session()
    tf_keras.backend.clear_session()


def execute_notebook(template: Path) -> dict:
    fresh_session()
    namespace: dict = {"__name__": "__main__"}
    cells, count = [], 0
    for kind, source in percent_cells(template.read_text()):
        if kind == "code":
            count += 1
            cells.append(notebook_cell(kind, source, run(source, namespace), count))
        else:
            cells.append(notebook_cell(kind, source))
    return {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                                         "name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}


def execute_markdown(template: Path) -> str:
    fresh_session()
    namespace: dict = {"__name__": "__main__"}
    out: list[str] = []
    blocks = re.split(r"(^```python\n.*?^```\n)", template.read_text(), flags=re.MULTILINE | re.DOTALL)
    for block in blocks:
        out.append(block)
        if block.startswith("```python"):
            printed = run(block[len("```python\n"):-len("```\n")], namespace)
            if printed.strip():
                out.append(f"\n```text\n{printed.rstrip()}\n```\n")
    return "".join(out)


def write(path: Path, text: str) -> None:
    path.write_text(text)
    print(f"wrote {path.relative_to(ROOT)}")


def edited_after_run(notebook: dict) -> dict:
    """The notebook after someone widened a layer and did not re-run the cell."""
    edited = copy.deepcopy(notebook)
    for cell in edited["cells"]:
        source = "".join(cell["source"])
        if "Dense(64," in source:
            source = source.replace("Dense(64,", "Dense(128,").replace(
                "model.summary()", "model.summary()  # expect: KGL601")
            cell["source"] = source.splitlines(keepends=True)
            return edited
    raise SystemExit("the notebook template no longer has the layer the edit widens")


def mistyped(markdown: str) -> str:
    """The tutorial with one parameter count retyped wrongly (1,056 as 105)."""
    row = re.search(r"^│ dense_1 \(Dense\).*?│\s+([\d,]+) │$", markdown, flags=re.MULTILINE)
    if row is None:
        raise SystemExit("the tutorial's first table has no dense_1 row to mistype")
    wrong = row.group(1).replace(",", "")[:-1]
    line = row.group(0)
    return markdown.replace(line, line.replace(row.group(1) + " │", wrong.rjust(len(row.group(1))) + " │"), 1)


def main() -> None:
    notebook = execute_notebook(TEMPLATES / "classifier.ipynb.template")
    write(DOCUMENTS / "classifier.ipynb", json.dumps(notebook, indent=1) + "\n")
    write(BUGS / "classifier_edited.ipynb", json.dumps(edited_after_run(notebook), indent=1) + "\n")
    tutorial = execute_markdown(TEMPLATES / "functional_tutorial.md.template")
    write(DOCUMENTS / "functional_tutorial.md", tutorial)
    write(DOCUMENTS / "functional_tutorial_mistyped.md", mistyped(tutorial))
    write(DOCUMENTS / "keras2_tutorial.md", execute_markdown(TEMPLATES / "keras2_tutorial.md.template"))
    write(DOCUMENTS / "masked_text_models.md", execute_markdown(TEMPLATES / "masked_text_models.md.template"))


if __name__ == "__main__":
    main()
