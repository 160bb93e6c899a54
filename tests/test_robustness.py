"""No input crashes kgraphlint: every file gets a clear finding or message, the rest of the
run goes on, and the exit code says what happened."""

from __future__ import annotations

import json
import os

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from kgraphlint.checking import check_source_file
from kgraphlint.config import Settings
from kgraphlint.source.source_file import SourceFile

# hypothesmith compiles the programs it generates, and CPython warns about some of them.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")

GENERATED_PROGRAMS = 150
MUTATED_PROGRAMS = 300
KERAS_PRELUDE = "import keras\nfrom keras import layers\n"
PROGRAMS = sorted((FIXTURES / "models").glob("*.py")) + sorted((FIXTURES / "bugs").glob("*.py"))
SETTINGS = Settings()


def check_without_crashing(path: str, text: str) -> list:
    result = check_source_file(SourceFile(path, text), SETTINGS)
    assert result.internal_errors == [], result.internal_errors
    for finding in result.findings:
        assert finding.message and finding.line >= 1 and finding.column >= 1
    return result.findings


@settings(max_examples=GENERATED_PROGRAMS, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_node())
def test_generated_valid_programs(source):
    check_without_crashing("generated.py", KERAS_PRELUDE + source)


@settings(max_examples=GENERATED_PROGRAMS, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar())
def test_generated_grammar_programs(source):
    check_without_crashing("generated.py", KERAS_PRELUDE + source)


@st.composite
def mutated_program(draw):
    path = draw(st.sampled_from(PROGRAMS))
    lines = path.read_text().splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "truncate", "cut-file"]))
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "truncate":
            lines[index] = lines[index][: draw(st.integers(0, len(lines[index])))]
        else:
            lines = lines[:index]
    return path.name, "\n".join(lines) + "\n"


@settings(max_examples=MUTATED_PROGRAMS, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated_program())
def test_fixture_programs_with_lines_deleted_duplicated_or_truncated(case):
    name, text = case
    check_without_crashing(name, text)


def hostile_tree(root, huge: bool = True):
    """Every kind of file the issue lists, beside one ordinary buggy program."""
    (root / "empty.py").write_text("")
    (root / "binary.py").write_bytes(bytes(range(256)) * 8)
    (root / "latin1.py").write_bytes("import keras\nname = 'caf\xe9'\n".encode("latin-1"))
    chain = "x = layers.Dense(8, activation='relu')(x)\n" * 2000
    big = KERAS_PRELUDE + "x = keras.Input(shape=(8,))\n" + "".join(
        f"value_{i} = {i} * 2 + {i}\n" for i in range(48_000 - 2000)) + chain + "model = keras.Model(x, x)\n"
    if huge:
        (root / "huge.py").write_text(big)
    (root / "parens.py").write_text(KERAS_PRELUDE + "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    (root / "lambdas.py").write_text(KERAS_PRELUDE + "f = " + "lambda: " * 1500 + "1\n")
    (root / "operators.py").write_text(KERAS_PRELUDE + "x = 1" + " + 1" * 5000 + "\n")
    (root / "broken.ipynb").write_text('{"cells": [{"cell_type": "code", "source": ')
    (root / "not_a_notebook.ipynb").write_text(json.dumps([1, 2, 3]))
    os.symlink(root / "missing.py", root / "dangling.py")
    os.symlink(root / "self.py", root / "self.py")
    (root / "loop").mkdir()
    os.symlink(root, root / "loop" / "back")
    (root / "model.py").write_text((FIXTURES / "bugs" / "disconnected.py").read_text())


def test_hostile_files_each_get_a_clear_result(cli, tmp_path):
    hostile_tree(tmp_path)
    result = cli("check", "--format", "json", "--no-cache", tmp_path)
    assert "Traceback" not in result.err and result.err == ""
    by_file = {}
    for finding in result.json():
        by_file.setdefault(finding["path"].rsplit("/", 1)[-1], []).append(finding)
    assert by_file["model.py"][0]["code"] == "KGL203"  # the ordinary file is still checked
    expected_problems = {
        "binary.py": "not a text file", "latin1.py": "not UTF-8", "parens.py": "too many nested parentheses",
        "broken.ipynb": "not a valid notebook", "not_a_notebook.ipynb": "not a valid notebook",
        "dangling.py": "cannot read file", "self.py": "cannot read file",
        "lambdas.py": "too deeply nested to analyse", "operators.py": "too deeply nested for Python to parse",
    }
    for name, text in expected_problems.items():
        [finding] = by_file[name]
        assert finding["code"] == "KGL001" and text in finding["message"], (name, finding["message"])
    for quiet in ("empty.py", "huge.py"):
        assert quiet not in by_file, by_file.get(quiet)
    assert result.code == 1


@pytest.mark.parametrize("fmt", ["full", "concise", "json"])
def test_every_output_format_survives_hostile_files(cli, tmp_path, fmt):
    hostile_tree(tmp_path, huge=False)
    result = cli("check", "--format", fmt, "--no-cache", "--jobs", "2", tmp_path)
    assert result.code == 1 and "Traceback" not in result.err


def test_warnings_about_user_code_are_not_printed(tmp_path):
    import subprocess
    import sys

    program = tmp_path / "warns.py"
    program.write_text("import keras\nx = 1(2)\ny = (\n")  # CPython warns, then fails to parse
    result = subprocess.run([sys.executable, "-W", "default", "-m", "kgraphlint", "check", "--format", "concise",
                             "--no-cache", str(program)], capture_output=True, text=True)
    assert result.stderr == ""
    assert "KGL001" in result.stdout and result.returncode == 1


HOSTILE_SHAPES = {
    # libcst's parse of these took minutes or gigabytes (issue 23); CPython measures them first
    "lambdas.py": ("f = " + "lambda: " * 5000 + "1\n", "too deeply nested for Python to parse"),
    "nots.py": ("f = " + "not " * 5000 + "x\n", "too deeply nested for Python to parse"),
    "conditionals.py": ("f = " + "1 if x else " * 5000 + "2\n", "too deeply nested for Python to parse"),
    "attributes.py": ("f = x" + ".a" * 100_000 + "\n", "too deeply nested for Python to parse"),
    "calls.py": ("f = x" + "()" * 100_000 + "\n", "too deeply nested for Python to parse"),
    "subscripts.py": ("f = x" + "[0]" * 70_000 + "\n", "too deeply nested for Python to parse"),
    "operators.py": ("f = 1" + " + 1" * 50_000 + "\n", "too deeply nested for Python to parse"),
    # within CPython's limits, past kgraphlint's: at the line where it is deepest
    "deep.py": ("x = 1\n" + "f = " + "lambda: " * 1100 + "1\n",
                "too deeply nested to analyse (1,103 levels of syntax at line 4; kgraphlint parses at most 1,000)"),
    # a parenthesis in a comment does not hide a long expression
    "hidden.py": ("x = (1  # )\n" + "    + 1\n" * 5000 + ")\n", "too deeply nested for Python to parse"),
    "large.py": ("x = 1\n" * 400_000, "too large to analyse (2,400,038 characters of code; kgraphlint parses at "
                                      "most 2,000,000)"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_SHAPES))
def test_programs_past_the_size_and_nesting_limits_get_a_clear_finding(cli, write, name):
    text, message = HOSTILE_SHAPES[name]
    result = cli("check", "--format", "json", "--no-cache", write(KERAS_PRELUDE + text, name))
    [finding] = result.json()
    assert finding["code"] == "KGL001" and message in finding["message"], finding["message"]


def test_inputs_that_are_not_regular_files_are_skipped_with_a_note(tmp_path):
    """A named pipe would block the run, a link to /dev/zero would be read without end:
    named or found by a walk, they are skipped and said so. (In a subprocess, so that a
    regression fails the test instead of hanging it.)"""
    import subprocess
    import sys

    os.mkfifo(tmp_path / "pipe.py")
    os.symlink("/dev/zero", tmp_path / "zero.py")
    (tmp_path / "model.py").write_text((FIXTURES / "bugs" / "disconnected.py").read_text())
    for arguments in ([str(tmp_path)], [str(tmp_path / "pipe.py"), str(tmp_path / "zero.py"), str(tmp_path / "model.py")]):
        for jobs in ("1", "2"):
            result = subprocess.run([sys.executable, "-m", "kgraphlint", "check", "--format", "json", "--no-cache",
                                     "--jobs", jobs, *arguments], capture_output=True, text=True, timeout=120)
            assert [f["code"] for f in json.loads(result.stdout)] == ["KGL203"] and result.returncode == 1
            assert result.stderr.splitlines() == [
                f"kgraphlint: note: {tmp_path / 'pipe.py'}: skipped: not a regular file (a named pipe)",
                f"kgraphlint: note: {tmp_path / 'zero.py'}: skipped: not a regular file (a character device)"]
    summary = subprocess.run([sys.executable, "-m", "kgraphlint", "summary", str(tmp_path / "pipe.py")],
                             capture_output=True, text=True, timeout=120)
    assert "not a regular file (a named pipe)" in summary.stderr
