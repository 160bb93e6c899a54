"""fixtures/data: programs that feed models data of the wrong shape, each next to its
corrected version. kgraphlint finds exactly the marked lines and nothing in the fixes; with
TensorFlow installed, real Keras agrees: it fails where kgraphlint says it raises, and runs
every fixed program."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES
from test_check_fixtures import expected_findings

DATA = FIXTURES / "data"
BUGGY = sorted(p for p in DATA.glob("*.py") if not p.stem.endswith("_fixed"))
FIXED = sorted(DATA.glob("*_fixed.py"))
DATA_RULES = ("KGL405", "KGL406", "KGL407")
HAS_TENSORFLOW = importlib.util.find_spec("tensorflow") is not None


def test_every_buggy_program_has_a_fixed_version():
    assert len(BUGGY) >= 7
    assert [p.stem + "_fixed" for p in BUGGY] == [p.stem for p in FIXED]


def test_the_data_rules_are_all_exercised():
    codes = {code for path in BUGGY for *_, code in expected_findings(path)}
    assert set(DATA_RULES) <= codes


@pytest.mark.parametrize("fixture", BUGGY, ids=lambda p: p.stem)
def test_buggy_program_findings(cli, fixture):
    result = cli("check", "--format", "json", fixture)
    found = {(f.get("cell"), f["line"], f["code"]) for f in result.json()}
    assert found == expected_findings(fixture)
    assert result.code == 1


@pytest.mark.parametrize("fixture", FIXED, ids=lambda p: p.stem)
def test_fixed_program_has_no_findings(cli, fixture):
    result = cli("check", "--format", "json", fixture)
    assert result.json() == []


def first_failure(cli, path: Path) -> int | None:
    """The line where kgraphlint says Keras first raises, or None if it says the program runs."""
    findings = cli("check", "--format", "json", path).json()
    lines = [f["line"] for f in findings if f["code"] in DATA_RULES and "Keras raises" in f["message"]]
    return min(lines) if lines else None


@pytest.mark.skipif(not HAS_TENSORFLOW, reason="TensorFlow is not installed")
def test_keras_fails_where_kgraphlint_says_and_runs_the_fixes(cli):
    programs = BUGGY + FIXED
    runner = Path(__file__).with_name("keras_runner.py")
    completed = subprocess.run([sys.executable, str(runner), *map(str, programs)], capture_output=True,
                               text=True, timeout=600)
    marker = "keras-runner: "
    results = {Path(r["path"]): r for r in (json.loads(line[len(marker):]) for line in completed.stdout.splitlines()
                                            if line.startswith(marker))}
    assert len(results) == len(programs), completed.stderr[-2000:]
    for path in programs:
        expected_line = first_failure(cli, path)
        result = results[path]
        if expected_line is None:
            assert not result["raised"], f"{path.name}: Keras raised {result['error']} at line {result['line']}"
        else:
            assert result["raised"] and result["line"] == expected_line, (path.name, result)
