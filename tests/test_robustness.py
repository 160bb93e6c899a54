"""No input crashes kgraphlint: every file gets a clear finding or message, the rest of the
run goes on, and the exit code says what happened."""

from __future__ import annotations

import json
import os
import re

import hypothesmith
import pytest
from hypothesis import HealthCheck, example, given, settings
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
    }
    for name, text in expected_problems.items():
        [finding] = by_file[name]
        assert finding["code"] == "KGL001" and text in finding["message"], (name, finding["message"])
    [operators] = by_file["operators.py"]
    assert too_deep(operators), operators["message"]
    [deep] = by_file["lambdas.py"]
    assert (deep["code"], deep["severity"]) == ("KGL003", "info") and "nests 1,503 levels" in deep["message"]
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


#: what a program nested past CPython's own limit gets: CPython's limit follows the
#: recursion limit (TensorFlow, imported by other tests, triples it), so either Python
#: refuses the file or kgraphlint measures it and does not analyse it
PYTHON_REFUSES = (("KGL001", "too deeply nested for Python to parse"), ("KGL003", "not analysed: the code nests"))


def not_analysed(message: str) -> tuple:
    return (("KGL003", f"not analysed: {message}"),)


def too_deep(finding: dict) -> bool:
    return any(finding["code"] == code and message in finding["message"] for code, message in PYTHON_REFUSES)


HOSTILE_SHAPES = {
    # libcst's parse of these took minutes or gigabytes (issue 23); CPython measures them first
    "lambdas.py": ("f = " + "lambda: " * 5000 + "1\n", PYTHON_REFUSES),
    "nots.py": ("f = " + "not " * 5000 + "x\n", PYTHON_REFUSES),
    "conditionals.py": ("f = " + "1 if x else " * 5000 + "2\n", PYTHON_REFUSES),
    "attributes.py": ("f = x" + ".a" * 100_000 + "\n", PYTHON_REFUSES),
    "calls.py": ("f = x" + "()" * 100_000 + "\n", PYTHON_REFUSES),
    "subscripts.py": ("f = x" + "[0]" * 70_000 + "\n", PYTHON_REFUSES),
    "operators.py": ("f = 1" + " + 1" * 50_000 + "\n", PYTHON_REFUSES),
    # a parenthesis in a comment does not hide a long expression
    "hidden.py": ("x = (1  # )\n" + "    + 1\n" * 5000 + ")\n", PYTHON_REFUSES),
    # valid Python past kgraphlint's limits: not analysed, at the line where it is deepest
    "deep.py": ("x = 1\n" + "f = " + "lambda: " * 1100 + "1\n",
                not_analysed("the code nests 1,103 levels deep at line 4 (kgraphlint follows at most 250)")),
    # libcst nests what CPython keeps flat: `and` chains and strings written side by side
    "conditions.py": ("x = 1" + " and 1" * 400 + "\n", not_analysed("the code nests")),
    "concatenated.py": ("text = (\n" + '    "a"\n' * 400 + ")\n", not_analysed("the code nests")),
    "side_by_side.py": ('text = (' + '"a" ' * 3000 + ")\n", not_analysed("the code nests 3,002 levels")),
    "subscripted.py": ("x = " + "y[" * 120 + "0" + "]" * 120 + "\n", not_analysed("the code nests")),
    "large.py": ("x = 1\n" * 400_000, not_analysed(
        "the file has 2,400,038 characters of code (kgraphlint analyses at most 2,000,000)")),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_SHAPES))
def test_programs_past_the_size_and_nesting_limits_get_a_clear_finding(cli, write, name):
    text, verdicts = HOSTILE_SHAPES[name]
    result = cli("check", "--format", "json", "--no-cache", write(KERAS_PRELUDE + text, name))
    [finding] = result.json()
    assert any(finding["code"] == code and message in finding["message"] for code, message in verdicts), finding
    assert result.code == (1 if finding["code"] == "KGL001" else 0) and result.err == ""


def test_code_as_deep_as_the_limit_is_analysed_and_its_findings_placed(cli, write):
    """Below the nesting limit everything runs, positions included (libcst's code generation
    once failed at 500 levels, 200 nested subscripts or 330 strings side by side)."""
    deep = "x = 1" + " + 1" * 200 + "\ntext = (\n" + '    "a"\n' * 200 + ")\n"
    program = write(KERAS_PRELUDE + deep + "head = layers.Dense(1, activation='softmax')\n"
                    "model = keras.Sequential([keras.Input(shape=(3,)), head])\n")
    result = cli("check", "--format", "json", "--no-cache", program)
    assert [(f["code"], f["line"]) for f in result.json()] == [("KGL401", 206)] and result.err == ""


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


#: constant folds that once hung kgraphlint or took gigabytes: (program, line, reason)
FOLDS = {
    "power.py": ("n = 9**9**9\n", 3, "the power is too large to compute (an int of more than 100,000 bits)"),
    "repeat.py": ('text = "a" * 3_000_000_000\n', 3, "the repetition would be longer than 100,000"),
    "zfill.py": ('text = "x".zfill(3_000_000_000)\n', 3, "str.zfill's result would be longer"),
    "format.py": ('text = "{:>3000000000}".format(1)\n', 3, "str.format's result would be longer"),
    "fstring.py": ('text = f"{1:>3000000000}"\n', 3, "the formatted text would be longer"),
    "percent.py": ('text = "%3000000000d" % 1\n', 3, "the formatted text would be longer"),
    "sum.py": ("n = sum(range(10**11))\n", 3, "the call reads more than 100,000 items"),
    "prod.py": ("import math\nn = math.prod(range(1, 10**8))\n", 4, "the call reads more than 100,000 items"),
    "squares.py": ("n = 3\nfor _ in range(500):\n    n = n * n\n", 5, "the product is too large to compute"),
    "replace.py": ('text = ("a" * 50_000).replace("a", "a" * 50_000)\n', 3, "str.replace's result would be longer"),
    "join.py": ('parts = ["a" * 50_000] * 50_000\ntext = "".join(parts)\n', 4, "str.join's result would be longer"),
    "extend.py": ("items, chunk = [], [0] * 500\nfor _ in range(400):\n    items.extend(chunk)\n", 5,
                  "the concatenation would be longer"),
    "steps.py": ("x = 0\nfor i in range(500):\n    for j in range(500):\n        for k in range(500):\n"
                 "            x = x + 1\n", 7, "the analysis stopped here: the file needs more than 400,000 evaluation"),
    "built.py": ('for i in range(500):\n    for j in range(500):\n        text = "a" * 90_000\n', 5,
                 "the analysis stopped here: its constant folding built more than 20,000,000"),
}


def test_constant_folding_is_bounded_and_says_where(tmp_path):
    """Each fold past a bound makes an unknown value (or stops the analysis) and one KGL003
    says where and why; nothing else is reported. In a subprocess, so that a regression
    fails the test instead of hanging it."""
    import subprocess
    import sys

    for name, (text, _, _) in FOLDS.items():
        (tmp_path / name).write_text(KERAS_PRELUDE + text)
    result = subprocess.run([sys.executable, "-m", "kgraphlint", "check", "--format", "json", "--no-cache",
                             "--jobs", "1", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    found = {os.path.basename(f["path"]): (f["code"], f["line"], f["message"]) for f in json.loads(result.stdout)}
    assert sorted(found) == sorted(FOLDS)
    for name, (_, line, reason) in FOLDS.items():
        assert found[name][:2] == ("KGL003", line) and reason in found[name][2], (name, found[name])


def test_a_file_past_its_time_budget_is_reported_as_not_analysed_and_not_cached(cli, write):
    program = write(KERAS_PRELUDE + "x = keras.Input(shape=(8,))\n" + "x = layers.Dense(8)(x)\n" * 300 +
                    "model = keras.Model(x, layers.Dense(1, activation='softmax')(x))\n")
    out_of_time = cli("check", "--format", "json", "--time-budget", "0.000001", program)
    [finding] = out_of_time.json()
    assert (finding["code"], finding["severity"]) == ("KGL003", "info") and out_of_time.code == 0
    assert finding["message"].startswith("not analysed: the time budget of 1e-06 s per file ran out")
    # The cache did not keep that result: with time, the file is checked.
    assert [f["code"] for f in cli("check", "--format", "json", program).json()] == ["KGL401"]


def test_the_time_budget_is_configurable(cli, write, tmp_path):
    write("[tool.kgraphlint]\ntime-budget = 0.000001\n", "pyproject.toml")
    program = write(KERAS_PRELUDE + "model = keras.Sequential([layers.Dense(4)] * 300)\n")
    [finding] = cli("check", "--format", "json", "--no-cache", program).json()
    assert finding["message"].startswith("not analysed: the time budget of 1e-06 s per file ran out")
    write("[tool.kgraphlint]\ntime-budget = \"long\"\n", "other/pyproject.toml")
    result = cli("check", "--no-cache", write("import keras\n", "other/program.py"))
    assert result.code == 2 and "time-budget must be a positive number of seconds" in result.err


#: the shapes that once hung kgraphlint or took gigabytes, by size (issue 23)
HOSTILE_FRAGMENTS = (
    lambda n: "f = x" + ".a" * n, lambda n: "f = x" + "()" * n, lambda n: "f = x" + "[0]" * n,
    lambda n: "f = 1" + " + 1" * n, lambda n: "f = " + "lambda: " * n + "1", lambda n: "f = " + "not " * n + "x",
    lambda n: "f = " + "1 if x else " * n + "2", lambda n: "f = 1" + " and 1" * n,
    lambda n: "f = (" + '"a" ' * n + ")", lambda n: "f = " + "-" * n + "1",
    lambda n: "n = 9**9**9", lambda n: 'text = "a" * 3_000_000_000', lambda n: "n = sum(range(10**11))",
    lambda n: 'text = "x".zfill(3_000_000_000)', lambda n: "items = 10**10 * [0]",
    lambda n: 'text = f"{1:>3000000000}"', lambda n: "import math\nn = math.prod(range(1, 10**8))",
    lambda n: "n = 3\nfor _ in range(500):\n    n = n * n",
)
HOSTILE_SIZES = (10, 200, 400, 3000, 60_000)
FUZZED_PROGRAMS = 200
# Built once (building its grammar takes seconds); without hypothesmith's auto_target, whose
# hill-climbing towards longer programs can spend many minutes drawing them on a fresh
# machine (no example database): the hostile shape, not the program's length, is the point.
GRAMMAR_PROGRAMS = hypothesmith.from_grammar(auto_target=False)


@st.composite
def program_with_a_hostile_shape(draw):
    """A hypothesmith program with one hostile shape put between two of its lines."""
    lines = draw(GRAMMAR_PROGRAMS).splitlines(keepends=True)
    fragment = draw(st.sampled_from(HOSTILE_FRAGMENTS))(draw(st.sampled_from(HOSTILE_SIZES)))
    at = draw(st.integers(0, len(lines)))
    return KERAS_PRELUDE + "".join(lines[:at]) + fragment + "\n" + "".join(lines[at:])


#: what ends a line of Python source: CR LF, LF, or a lone CR (the language reference)
PYTHON_LINE_END = re.compile(r"\r\n|\r|\n")


@settings(max_examples=FUZZED_PROGRAMS, deadline=None, suppress_health_check=list(HealthCheck))
@given(program_with_a_hostile_shape())
# a lone CR ends a line for Python: the finding on "n = ..." is on line 8 of 8
@example(program=KERAS_PRELUDE + "#\r0\n#\rn = 9**9**9\n")
def test_generated_programs_with_hostile_shapes_never_crash(program):
    """Through the command line: exit 0 or 1 (never 2: no internal error), JSON out, and a
    bounded result (each finding inside the file, a message of reasonable length)."""
    import contextlib
    import io
    import tempfile

    from kgraphlint.cli import main

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "generated.py")
        with open(path, "w", encoding="utf-8") as file:
            file.write(program)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["check", "--format", "json", "--no-cache", "--jobs", "1", path])
    assert code in (0, 1) and err.getvalue() == "", err.getvalue()
    findings = json.loads(out.getvalue())
    lines = len(PYTHON_LINE_END.findall(program)) + 1
    assert len(findings) <= 10 * lines
    for finding in findings:
        assert 1 <= finding["line"] <= lines and finding["column"] >= 1 and 0 < len(finding["message"]) < 2000


def test_an_expression_nested_thousands_deep_behind_a_carriage_return_does_not_crash(cli, write):
    """Found by the fuzzer above: a lone carriage return ends the comment for Python, so the
    statement after it is code nested 3,000 attributes deep, which libcst cannot write out
    recursively to find positions and show code; kgraphlint reports the limit instead."""
    path = write(KERAS_PRELUDE + "#\rf = x" + ".a" * 3000 + "\n")
    result = cli("check", "--format", "json", "--no-cache", path)
    assert result.code in (0, 1) and result.err == ""
    assert [f["code"] for f in result.json()] == ["KGL003"]
