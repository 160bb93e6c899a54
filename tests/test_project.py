"""fixtures/project: a model built from blocks in another module, hyper-parameters in a
config dict and a loop over stages. kgraphlint follows the imports, summarises the whole
model as Keras does, and finds the bug seeded across the module boundary."""

from __future__ import annotations

import json
import shutil

from conftest import FIXTURES
from test_check_fixtures import expected_findings

PACKAGE = FIXTURES / "project" / "netlib"


def test_the_model_built_from_another_modules_blocks_is_summarised_as_keras_does(cli):
    model = PACKAGE / "model.py"
    result = cli("summary", "--format", "json", model)
    summary = result.json()
    for entry in summary:
        entry.pop("path")
    assert summary == json.loads(model.with_suffix(".expected.json").read_text())


def test_the_bug_in_the_imported_block_is_found_at_the_call(cli):
    result = cli("check", "--format", "json", PACKAGE)
    found = {(f["path"].rsplit("/", 1)[-1], f["line"], f["code"]) for f in result.json()}
    assert found == {("broken_model.py", line, code) for _, line, code in expected_findings(PACKAGE / "broken_model.py")}
    message = result.json()[0]["message"]
    assert "(None, 16, 16, 64)" in message and "(None, 32, 32, 64)" in message


def test_a_change_in_an_imported_module_invalidates_the_cached_result(cli, tmp_path):
    package = tmp_path / "netlib"
    shutil.copytree(PACKAGE, package)
    first = cli("check", "--format", "json", package / "broken_model.py")
    assert [f["code"] for f in first.json()] == ["KGL101"]
    blocks = package / "legacy_blocks.py"
    blocks.write_text(blocks.read_text().replace("Conv2D(filters, 1, use_bias", "Conv2D(filters, 1, strides=strides, use_bias"))
    second = cli("check", "--format", "json", package / "broken_model.py")
    assert second.json() == []


def test_modules_that_cannot_be_found_or_parsed_stay_unknown(cli, write):
    write("def conv_block(x, filters:\n", "pkg/broken.py")
    write("", "pkg/__init__.py")
    program = write(
        "import keras\n"
        "from .broken import conv_block\n"
        "from .missing import dense_block\n"
        "from somewhere_else import head\n"
        "inputs = keras.Input(shape=(8, 8, 3))\n"
        "x = conv_block(inputs, 16)\n"
        "x = dense_block(x)\n"
        "model = keras.Model(inputs, head(x))\n",
        "pkg/model.py",
    )
    result = cli("check", "--format", "json", program)
    assert result.json() == [] and result.code == 0


def test_creating_a_module_that_was_missing_invalidates_the_cached_result(cli, write):
    """A module missing when a result was cached is a dependency too: once it exists, the
    importer is checked again and the bug seeded in it is found."""
    write("", "pkg/__init__.py")
    program = write(
        "import keras\n"
        "from keras import layers\n"
        "from .blocks import head\n"
        "inputs = keras.Input(shape=(8, 8, 3))\n"
        "model = keras.Model(inputs, head(inputs))\n",
        "pkg/model.py",
    )
    assert cli("check", "--format", "json", program).json() == []
    write("from keras import layers\n"
          "def head(x):\n"
          "    return layers.Add()([layers.Conv2D(4, 3)(x), layers.Conv2D(8, 3)(x)])\n", "pkg/blocks.py")
    [finding] = cli("check", "--format", "json", program).json()
    assert finding["code"] == "KGL101" and finding["path"] == str(program)
