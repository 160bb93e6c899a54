"""Library calls replayed from an earlier run (kgraphlint.interpret.call_memo) give exactly
what running them gives: the same models, shapes, names, findings and blind spots."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kgraphlint.analysis import analyze_source
from kgraphlint.checking import check_source_file
from kgraphlint.config import Settings
from kgraphlint.graph.summary import model_summary
from kgraphlint.report.stats import Coverage
from kgraphlint.source.files import read_source
from kgraphlint.source.parse import forget_parsed
from kgraphlint.source.parse_store import use_parse_store

#: plain arguments, a tensor of the file's own (input_tensor=, which the builder hands on
#: to code kgraphlint does not follow: a flag it sets), and a head with a bug on the result
BACKBONES = """import keras
from keras import layers

base = keras.applications.MobileNetV2(input_shape=(96, 96, 3), include_top=False, weights=None, alpha=0.35)
narrow = layers.Conv2D(7, 1)(base.output)
merged = layers.Add()([base.output, narrow])

inputs = keras.Input(shape=(64, 64, 3))
x = layers.Rescaling(1.0 / 255)(inputs)
tensor_based = keras.applications.MobileNetV2(include_top=False, weights=None, input_tensor=x, alpha=0.35)
head = layers.Dense(5, activation="softmax")(layers.GlobalAveragePooling2D()(tensor_based.output))
model = keras.Model(inputs, head)
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(keras.ops.zeros((8, 64, 64, 3)), keras.ops.zeros((8, 3)))
"""

#: the same call after an Input of the file's own: Keras names the builder's input layer
#: input_layer_1 here, input_layer in BACKBONES
AFTER_AN_INPUT = """import keras

first = keras.Input(shape=(4,))
base = keras.applications.MobileNetV2(input_shape=(96, 96, 3), include_top=False, weights=None, alpha=0.35)
"""


def everything(path: Path) -> str:
    """What kgraphlint knows of the file: each model's summary, --stats, the findings, and
    every layer call's names and outputs (a tensor handed to code not followed is escaped)."""
    forget_parsed()  # nothing kept in memory, as in a new process
    source = read_source(path)
    analysis = analyze_source(source, "3")
    coverage = Coverage()
    coverage.add(analysis)
    findings = check_source_file(source, Settings().validate(), path, analysis=analyze_source(source, "3")).findings
    calls = [(call.layer.name, call.layer.name_certain, call.certain,
              [(repr(t.shape), t.escaped, t.unseen) for t in call.outputs]) for call in analysis.facts.calls]
    return json.dumps([[model_summary(analysis, m) for m in analysis.summarised], coverage.to_json(),
                       [f.to_json() for f in findings], calls])


@pytest.fixture
def stores(tmp_path):
    yield lambda: use_parse_store(tmp_path / "parsed", tmp_path / "calls")
    use_parse_store(None, None)


def kept(folder: Path) -> dict[Path, int]:
    return {entry: entry.stat().st_mtime_ns for entry in folder.glob("*.pickle")}


def test_a_replayed_call_gives_what_running_it_gives(write, stores, tmp_path):
    programs = [write(BACKBONES, "backbones.py"), write(AFTER_AN_INPUT, "after_an_input.py")]
    use_parse_store(None, None)
    run = {path: everything(path) for path in programs}
    assert '"KGL101"' in run[programs[0]] and "input_layer_1" in run[programs[1]]
    stores()
    for path in programs:
        assert everything(path) == run[path]  # run, and kept
    entries = kept(tmp_path / "calls")
    assert len(entries) == 3, "each builder call is kept: the arguments and the names so far differ"
    for path in programs:
        assert everything(path) == run[path]  # replayed
    assert kept(tmp_path / "calls") == entries, "a call missed its entry and was kept again"


def test_a_damaged_entry_runs_the_call_again(write, stores, tmp_path):
    program = write(BACKBONES, "backbones.py")
    use_parse_store(None, None)
    expected = everything(program)
    stores()
    everything(program)
    for entry in (tmp_path / "calls").glob("*.pickle"):
        entry.write_bytes(entry.read_bytes()[:100])
    assert everything(program) == expected
    assert everything(program) == expected


def test_a_call_that_may_not_run_and_the_calls_after_it_run_each_time(write, stores, tmp_path):
    """In an undecided branch the call may not run (its records are not certain); the calls
    after it are not replayed either: the first may have changed what they read."""
    program = write("""import sys
import keras

if len(sys.argv) > 1:
    maybe = keras.applications.MobileNetV2(weights=None, alpha=0.35, input_shape=(96, 96, 3))
surely = keras.applications.MobileNetV2(weights=None, alpha=0.35, input_shape=(96, 96, 3))
""")
    use_parse_store(None, None)
    expected = everything(program)
    stores()
    assert everything(program) == expected
    assert kept(tmp_path / "calls") == {}


def test_custom_layers_a_builder_makes_are_replayed_as_objects_of_the_librarys_classes(write, stores, tmp_path):
    """ConvNeXt's LayerScale and StochasticDepth are custom layers: objects of classes of the
    library module, which a replay finds by name in the module as this run loaded it."""
    program = write("import keras\nbase = keras.applications.ConvNeXtTiny(weights=None, include_top=False)\n")
    use_parse_store(None, None)
    expected = everything(program)
    assert "layer_scale" in expected
    stores()
    assert everything(program) == expected
    entries = kept(tmp_path / "calls")
    assert len(entries) == 1
    assert everything(program) == expected
    assert kept(tmp_path / "calls") == entries


def test_the_cli_keeps_calls_beside_the_result_cache_and_no_cache_keeps_none(cli, write):
    from kgraphlint.cache import code_fingerprint

    program = write(BACKBONES, "backbones.py")
    calls = Path(os.environ["KGRAPHLINT_CACHE_DIR"]) / "calls" / code_fingerprint()
    before = kept(calls)
    plain = cli("check", "--format", "json", "--jobs", "1", "--no-cache", program)
    assert kept(calls) == before
    first = cli("check", "--format", "json", "--jobs", "1", program)
    assert len(kept(calls)) == len(before) + 2
    program.write_text(program.read_text() + "# edited: not a cached result\n")
    again = cli("check", "--format", "json", "--jobs", "1", program)
    assert plain.json() == first.json() == again.json() and plain.json()
