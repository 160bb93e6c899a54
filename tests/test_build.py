"""--build: the extracted models built by real Keras and compared. Needs TensorFlow
(pip install 'kgraphlint[build]'); skipped cleanly without it, except the install hint."""

from __future__ import annotations

import importlib.util
import re
import textwrap

import pytest

from conftest import FIXTURES

HAS_TENSORFLOW = importlib.util.find_spec("tensorflow") is not None
needs_tensorflow = pytest.mark.skipif(not HAS_TENSORFLOW, reason="TensorFlow is not installed")
EXPECT_BUILD = re.compile(r"#\s*expect-build:\s*(?P<codes>KGL\d{3}(?:\s*,\s*KGL\d{3})*)")


def test_without_tensorflow_build_says_how_to_install_it(cli, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "tensorflow" else real(name, *a))
    for command in ("check", "summary"):
        result = cli(command, "--build", FIXTURES / "models" / "mlp.py")
        assert result.code == 2 and "pip install 'kgraphlint[build]'" in result.err


@pytest.fixture(scope="module")
def builder():
    from kgraphlint.build.compare import Builder

    worker = Builder("cpu")
    yield worker
    worker.close()


@needs_tensorflow
def test_every_fixture_cross_checks_with_keras(cli):
    result = cli("check", "--build", "--device", "cpu", "--no-cache", "--select", "KGL9", "--format", "json",
                 FIXTURES / "models")
    assert result.json() == [], [f["message"] for f in result.json()]
    # Operations (x + y, ops.reshape), custom layers and subclasses of built-in layers, and
    # calls with tensors in several arguments are not rebuilt yet: those fixtures say so, once
    # each, with the reason; every other model is built and agrees.
    not_built = {line.split(": ")[2].rsplit("/", 1)[-1]: line for line in result.err.splitlines()
                 if "not built" in line}
    assert set(not_built) == {"ops_and_custom_layer.py", "tensor_ops.py", "layer_subclasses.py",
                              "models_from_models.py", "backbone_input_tensor.py", "custom_decoder_layer.py",
                              "attention_masks_and_scores.py"}, not_built
    assert "library code" in not_built["backbone_input_tensor.py"]
    assert "several arguments" in not_built["models_from_models.py"]
    assert "several arguments" in not_built["attention_masks_and_scores.py"]


@needs_tensorflow
@pytest.mark.parametrize("fixture", sorted((FIXTURES / "build").glob("*.py")), ids=lambda p: p.stem)
def test_keras_refusal_is_reported_next_to_the_static_finding(cli, fixture):
    expected = set()
    for number, line in enumerate(fixture.read_text().splitlines(), 1):
        match = EXPECT_BUILD.search(line)
        if match:
            expected |= {(number, code.strip()) for code in match.group("codes").split(",")}
    findings = cli("check", "--build", "--device", "cpu", "--no-cache", "--format", "json", fixture).json()
    assert {(f["line"], f["code"]) for f in findings} == expected
    keras = next(f for f in findings if f["code"] == "KGL901")
    assert keras["message"].startswith("Keras raised while") and "\x1b" not in keras["message"]


@needs_tensorflow
def test_summary_marks_layers_confirmed_by_keras(cli):
    [model] = cli("summary", "--build", "--device", "cpu", "--format", "json", FIXTURES / "models" / "mlp.py").json()
    assert model["keras_build"]["device"] == "CPU" and model["keras_build"]["error"] is None
    assert all(row["confirmed"] for row in model["layers"])
    assert model["layers"][1]["keras"] == {"output_shape": [None, 512], "params": 401920}
    table = cli("summary", "--build", "--device", "cpu", "--no-color", FIXTURES / "models" / "mlp.py").out
    assert "confirmed" in table and "built by Keras on CPU" in table


@needs_tensorflow
def test_layers_that_cannot_be_rebuilt_are_named_in_a_note(cli, write):
    path = write(textwrap.dedent("""
        import keras
        from keras import layers
        x = keras.Input(shape=(8,))
        y = layers.Lambda(lambda t: t * 2)(x)
        model = keras.Model(x, layers.Dense(2)(y))
    """))
    result = cli("check", "--build", "--device", "cpu", "--no-cache", path)
    assert "was not built with Keras" in result.err and "Lambda" in result.err


@needs_tensorflow
def test_a_static_gap_shows_as_a_crosscheck_mismatch(builder, monkeypatch):
    from kgraphlint.keras.layers import base as layers
    from kgraphlint.checking import check_source_file
    from kgraphlint.config import Settings
    from kgraphlint.source.source_file import SourceFile

    original = layers.CATALOGUE["Dense"]
    broken = layers.LayerKnowledge(original.output, lambda c, s: (original.params(c, s)[0] + 1, 0), min_rank=2)
    monkeypatch.setitem(layers.CATALOGUE, "Dense", broken)
    source = SourceFile("m.py", (FIXTURES / "models" / "mlp.py").read_text())
    findings = check_source_file(source, Settings(select=("KGL902",)), builder=builder).findings
    assert len(findings) == 4
    assert "401,921 parameters statically, 401,920 in Keras" in findings[0].message


@needs_tensorflow
def test_build_rule_examples(builder):
    from kgraphlint.checking import check_source_file
    from kgraphlint.config import Settings
    from kgraphlint.registry import all_rules
    from kgraphlint.source.source_file import SourceFile

    for rule in (r for r in all_rules() if r.category == "build"):
        for example in rule.bad:
            found = check_source_file(SourceFile("e.py", textwrap.dedent(example)), Settings(select=(rule.code,)),
                                      builder=builder).findings
            assert [f.code for f in found] == [rule.code]
        for example in rule.good:
            found = check_source_file(SourceFile("e.py", textwrap.dedent(example)), Settings(), builder=builder).findings
            assert found == [], [f.message for f in found]


@needs_tensorflow
def test_device_gpu_without_a_gpu_is_a_clear_error(cli):
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("this machine has a GPU")
    result = cli("check", "--build", "--device", "gpu", FIXTURES / "models" / "mlp.py")
    assert result.code == 2 and "TensorFlow sees no GPU" in result.err


@needs_tensorflow
def test_the_build_worker_never_imports_modules_beside_the_checked_code(cli, write, tmp_path, monkeypatch):
    marker = tmp_path / "imported"
    for name in ("json.py", "keras.py", "tensorflow.py", "sitecustomize.py"):
        write(f"open({str(marker)!r}, 'a').write({name!r})\n", name)
    path = write((FIXTURES / "models" / "mlp.py").read_text(), "model.py")
    monkeypatch.chdir(tmp_path)  # where `python -m` would look first
    result = cli("check", "--build", "--device", "cpu", "--no-cache", "--select", "KGL9", "--format", "json", path)
    assert not marker.exists(), marker.read_text()
    assert (result.code, result.json()) == (0, []) and "not built" not in result.err


@needs_tensorflow
def test_layers_that_load_files_are_not_built_and_the_note_says_why(cli, write, tmp_path, monkeypatch):
    write("alpha\nbeta\n", "vocab.txt")
    (tmp_path / "exported").mkdir()
    path = write(textwrap.dedent("""
        import keras
        from keras import layers
        x = keras.Input(shape=(8,))
        y = layers.TFSMLayer("exported", call_endpoint="serve")(x)
        saved = keras.Model(x, layers.Dense(2)(y))
        words = keras.Sequential([keras.Input(shape=(4,), dtype="string"),
                                  layers.StringLookup(vocabulary="vocab.txt"), layers.Dense(2)])
    """))
    monkeypatch.chdir(tmp_path)
    result = cli("check", "--build", "--device", "cpu", "--no-cache", "--format", "json", path)
    assert result.json() == []  # nothing was loaded, so Keras raised nothing
    notes = [line for line in result.err.splitlines() if "was not built with Keras" in line]
    assert len(notes) == 2, result.err
    assert "'tfsm_layer' is a TFSMLayer, which loads a SavedModel from disk" in notes[0]
    assert "'string_lookup' is a StringLookup whose vocabulary is read from the file 'vocab.txt'" in notes[1]


def test_the_build_worker_confines_itself(tmp_path):
    """Past the specs' own refusals, the worker's audit hook refuses the network, programs
    and files outside the Python installation (run here without TensorFlow)."""
    import subprocess
    import sys

    from kgraphlint.build.compare import WORKER

    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    probe = textwrap.dedent(f"""
        import importlib.util, os, socket, subprocess, sys, tempfile
        spec = importlib.util.spec_from_file_location("worker", {str(WORKER)!r})
        worker = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(worker)
        folder = tempfile.mkdtemp()
        sys.addaudithook(worker.Sandbox(folder))
        attempts = {{
            "read outside": lambda: open({str(outside)!r}).read(),
            "write outside": lambda: open({str(outside)!r} + ".new", "w"),
            "remove outside": lambda: os.remove({str(outside)!r}),
            "socket": lambda: socket.create_connection(("127.0.0.1", 9)),
            "program": lambda: subprocess.run(["true"]),
            "read the installation": lambda: open(os.__file__).read(),
            "write its own folder": lambda: open(os.path.join(folder, "scratch"), "w").write("x"),
        }}
        for name, attempt in attempts.items():
            try:
                attempt()
                print(name, "allowed")
            except PermissionError:
                print(name, "refused")
    """)
    result = subprocess.run([sys.executable, "-I", "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == [
        "read outside refused", "write outside refused", "remove outside refused", "socket refused",
        "program refused", "read the installation allowed", "write its own folder allowed"]
    assert outside.read_text() == "secret" and not (tmp_path / "secret.txt.new").exists()
