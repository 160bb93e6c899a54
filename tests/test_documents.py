"""Notebooks and Markdown tutorials: their code is checked, their printed summaries compared.

The documents in fixtures/documents were executed with real Keras by
scripts/generate_documents.py; their recorded tables are Keras's own output.
"""

from __future__ import annotations

import json
import re

import pytest

from conftest import FIXTURES

DOCUMENTS = FIXTURES / "documents"


def test_executed_documents_have_no_findings(cli):
    executed = [p for p in DOCUMENTS.iterdir() if p.suffix in (".ipynb", ".md") and "mistyped" not in p.name]
    assert len(executed) == 5
    result = cli("check", "--format", "json", *executed)
    assert result.json() == [] and result.code == 0
    assert result.err == ""


def test_notebook_magics_are_masked_and_models_found(cli):
    path = DOCUMENTS / "classifier.ipynb"
    [model] = cli("summary", "--format", "json", path).json()
    assert (model["name"], model["cell"], model["line"]) == ("digits_cnn", 2, 8)
    printed = re.search(r"Total params: ([\d,]+)", path.read_text()).group(1)
    assert model["total_params"] == int(printed.replace(",", ""))


def test_cell_edited_after_the_run_is_stale(cli):
    path = FIXTURES / "bugs" / "classifier_edited.ipynb"
    [finding] = cli("check", "--format", "json", path).json()
    assert (finding["code"], finding["cell"], finding["line"]) == ("KGL601", 2, 9)
    assert "(None, 64) recorded, (None, 128) computed" in finding["message"]
    text = cli("check", "--no-color", path).out
    assert "cell 2, line 9, column 1" in text and "model.summary()" in text


def test_mistyped_row_is_named_at_its_line(cli):
    path = DOCUMENTS / "functional_tutorial_mistyped.md"
    [finding] = cli("check", "--format", "json", path).json()
    lines = path.read_text().splitlines()
    assert "dense_1 (Dense)" in lines[finding["line"] - 1] and "105" in lines[finding["line"] - 1]
    assert "dense_1 (Dense): 105 parameters recorded, 1,056 computed" in finding["message"]
    assert "cell" not in finding


def test_keras2_tables_are_read(cli, write):
    original = (DOCUMENTS / "keras2_tutorial.md").read_text()
    assert "=====" in original  # the Keras 2 table style
    assert cli("check", "--format", "json", DOCUMENTS / "keras2_tutorial.md").json() == []
    changed = write(original.replace("1056", "1065"), "keras2.md")
    [finding] = cli("check", "--format", "json", changed).json()
    assert finding["code"] == "KGL601" and "1,065 parameters recorded, 1,056 computed" in finding["message"]


def test_corrupt_notebook_is_a_finding_not_a_crash(cli, write, tmp_path):
    write('{"cells": [', "broken.ipynb")
    write((FIXTURES / "bugs" / "disconnected.py").read_text(), "model.py")
    result = cli("check", "--format", "json", tmp_path)
    codes = {(f["path"].rsplit("/", 1)[-1], f["code"]) for f in result.json()}
    assert codes == {("broken.ipynb", "KGL001"), ("model.py", "KGL203")}
    broken = next(f for f in result.json() if f["code"] == "KGL001")
    assert "not a valid notebook" in broken["message"] and broken["message"].count("was checked") == 1
    assert result.code == 1 and "Traceback" not in result.err


def test_documents_with_nothing_to_check(cli, write, tmp_path):
    write(json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# Notes"]}],
                      "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), "notes.ipynb")
    write("# Keras notes\n\nNo code here, only `keras` in prose.\n\n```bash\npip install keras\n```\n", "notes.md")
    write(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), "empty.ipynb")
    result = cli("check", "--format", "json", tmp_path)
    assert result.json() == [] and result.code == 0 and result.err == ""
    assert cli("summary", "--format", "json", tmp_path).json() == []


def test_documents_can_be_excluded(cli, write, tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.kgraphlint]\nexclude = ["*.ipynb", "docs"]\n')
    (tmp_path / "nb.ipynb").write_text((FIXTURES / "bugs" / "notebook_bugs.ipynb").read_text())
    write((FIXTURES / "bugs" / "tutorial_bugs.md").read_text(), "docs/tutorial.md")
    write((FIXTURES / "bugs" / "tutorial_bugs.md").read_text(), "guide.md")
    paths = {f["path"].rsplit("/", 1)[-1] for f in cli("check", "--format", "json", tmp_path).json()}
    assert paths == {"guide.md"}


def test_keras_mask_operations_in_a_printed_summary_are_not_drift(cli, write):
    """Keras 3 lists the operations that compute masks (not_equal, any, logical_or, a second
    concatenate, ...) among the layers: the code builds them, so they are no difference.
    A layer changed after the run still is."""
    original = (DOCUMENTS / "masked_text_models.md").read_text()
    assert all(f"({kind})" in original for kind in ("NotEqual", "Any", "LogicalOr", "ExpandDims"))
    assert cli("check", "--format", "json", DOCUMENTS / "masked_text_models.md").json() == []
    printed = re.search(r"^│ lstm \(LSTM\) +│[^│]+│ +([\d,]+) │", original, flags=re.MULTILINE).group(1)
    widened = write(original.replace("layers.LSTM(16)", "layers.LSTM(20)", 1), "masked.md")
    [finding] = cli("check", "--format", "json", widened).json()
    assert finding["code"] == "KGL601" and f"lstm (LSTM): {printed} parameters recorded" in finding["message"]
    assert "not_equal" not in finding["message"]


@pytest.mark.parametrize("name", ["functional_tutorial.md", "masked_text_models.md"])
def test_summary_of_a_markdown_tutorial_matches_what_keras_printed(cli, name):
    path = DOCUMENTS / name
    text = path.read_text()
    printed_names = re.findall(r'^Model: "(\w+)"', text, flags=re.MULTILINE)
    printed_totals = [int(n.replace(",", "")) for n in re.findall(r"^ Total params: ([\d,]+)", text, flags=re.MULTILINE)]
    summaries = cli("summary", "--format", "json", path).json()
    assert [s["name"] for s in summaries] == printed_names
    assert [s["total_params"] for s in summaries] == printed_totals
    assert all("cell" not in s for s in summaries)


def test_a_table_printed_by_keras_2_is_judged_by_what_both_keras_agree_on(cli, write):
    """Keras 3 code whose output Keras 2 printed (scripts/generate_keras2_notebook.py):
    input_1/model_1 names and GRU's older weight count are no staleness; a Dense's count is."""
    notebook = DOCUMENTS / "keras2_printed.ipynb"
    text = notebook.read_text()
    assert "input_1 (InputLayer)" in text and "model_1" in text and "1200" in text  # Keras 2's own
    assert cli("check", "--format", "json", notebook).json() == []
    changed = write(text.replace("78        ", "87        "), "stale.ipynb")
    [finding] = cli("check", "--format", "json", changed).json()
    assert finding["code"] == "KGL601" and "87 parameters recorded, 78 computed" in finding["message"]


TUTORIAL = """# A tutorial

```python
import keras
from keras import layers


def tower(x, widths):
    for width in widths:
        if width:
            x = layers.Conv2D(width, 3, strides=2)(x)
    return x
```

Training looks like this (a placeholder, not code):

```python
model.fit(x_train, y_train, epochs=<N>)
```

1. Then the two towers are joined:

   ```py
   inputs = keras.Input(shape=(32, 32, 3))
   a = tower(inputs, [16])
   b = layers.Conv2D(16, 1)(inputs)
   merged = layers.concatenate([a, b])
   ```

> ~~~python
> words = keras.Input(shape=(None,), dtype="int32")
> text_model = keras.Model(words, layers.Embedding(64, 20000)(words))
> ~~~
"""


def test_markdown_code_keeps_its_indentation_and_each_block_is_parsed_alone(cli, write):
    path = write(TUTORIAL, "tutorial.md")
    lines = TUTORIAL.splitlines()
    findings = cli("check", "--format", "json", path).json()
    by_code = {f["code"]: f for f in findings}
    assert set(by_code) >= {"KGL001", "KGL102"}, findings

    parse_error = by_code["KGL001"]
    placeholder = next(n for n, line in enumerate(lines, 1) if "epochs=<N>" in line)
    assert (parse_error["line"], parse_error["column"]) == (placeholder, lines[placeholder - 1].index("<") + 1)
    assert f"the code block on lines {placeholder}-{placeholder} was not checked (the others were)" in (
        parse_error["message"])
    assert "nothing in this file was checked" not in parse_error["message"]

    concat = by_code["KGL102"]  # the function's body (indented) is followed into from the list item's block
    line = lines[concat["line"] - 1]
    assert line.startswith("   merged = ") and line[concat["column"] - 1:].startswith("layers.concatenate([a, b])")
    assert "from 'conv2d' (line 11)" in concat["message"]  # the line inside the function's body
    assert "conv2d_1" in concat["message"]

    [quoted] = [f for f in findings if f["code"] == "KGL301"]  # the blockquote's ~~~ block, after '> '
    assert lines[quoted["line"] - 1][quoted["column"] - 1:].startswith("layers.Embedding(64, 20000)")


def test_markdown_without_keras_reports_no_parse_errors(cli, write):
    path = write("# Notes\n\n```python\nprint(\n```\n", "notes.md")
    assert cli("check", "--format", "json", path).json() == []


def test_a_printed_summary_after_a_block_that_does_not_parse_is_not_compared(cli, write):
    text = (DOCUMENTS / "functional_tutorial.md").read_text()
    broken = text.replace("model.summary()", "model.summary(", 1)
    assert broken != text
    findings = cli("check", "--format", "json", write(broken, "broken.md")).json()
    assert [f["code"] for f in findings] == ["KGL001"]


def test_notebook_places_are_cells_everywhere(cli):
    path = FIXTURES / "bugs" / "notebook_bugs.ipynb"
    [concat, swapped] = cli("check", "--format", "json", path).json()
    assert (concat["cell"], concat["line"]) == (2, 4)
    assert "from 'conv2d' (cell 2, line 2)" in concat["message"]
    assert [(r["cell"], r["line"]) for r in concat["related"]] == [(2, 2), (2, 3)]
    [edit, _] = swapped["fix"]["edits"]
    assert (edit["cell"], edit["line"]) == (swapped["cell"], swapped["line"])
    [first, second] = cli("summary", "--format", "json", path).json()
    table = cli("summary", "--no-color", path).out
    assert f"({path}:cell {first['cell']}, line {first['line']})" in table
    assert f"({path}:cell {second['cell']}, line {second['line']})" in table
    graph = cli("graph", path).out
    assert f"%% model '{first['name']}' ({path}:cell {first['cell']}, line {first['line']})" in graph
    assert "KGL102" in graph and "KGL301" in graph  # the layers findings point at are marked
