"""The check command's outputs, exit codes, configuration and suppression comments."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import FIXTURES

DEAD_BRANCH = """\
import keras
from keras import layers
x = keras.Input(shape=(16,))
merged = layers.Dense(32, activation="relu")(x)
hidden = layers.Dense(16, activation="relu")(merged){comment}
output = layers.Dense(10, activation="softmax")(merged)
model = keras.Model(x, output)
"""
CONCAT = """\
import keras
from keras import layers
a = keras.Input(shape=(4, 8))
b = keras.Input(shape=(5, 8))
model = keras.Model([a, b], layers.concatenate([a, b]))
"""


def test_default_command_is_check(cli):
    bare = cli(FIXTURES / "bugs" / "dead_branch.py", "--format", "json")
    explicit = cli("check", FIXTURES / "bugs" / "dead_branch.py", "--format", "json")
    assert bare.json() == explicit.json() and bare.code == explicit.code == 1


def test_json_finding_contract(cli):
    [finding] = cli("check", "--format", "json", FIXTURES / "bugs" / "question_answering.py").json()[:1]
    assert list(finding) == ["path", "line", "column", "end_line", "end_column", "code", "name", "severity",
                             "message", "related", "fix"]
    assert (finding["code"], finding["name"], finding["severity"]) == ("KGL301", "swapped-arguments", "warning")
    assert (finding["line"], finding["column"]) == (10, 17)
    assert finding["fix"]["message"] == "write input_dim=text_vocabulary_size, output_dim=64"
    edit = finding["fix"]["edits"][0]
    assert set(edit) == {"line", "column", "end_line", "end_column", "replacement"}
    assert edit["replacement"] == "input_dim=text_vocabulary_size"
    merge = cli("check", "--format", "json", FIXTURES / "bugs" / "residual_projection.py").json()
    related = next(f for f in merge if f["code"] == "KGL101")["related"][0]
    assert set(related) == {"path", "line", "column", "message"}


def test_concise_format(cli):
    result = cli("check", "--format", "concise", FIXTURES / "bugs" / "disconnected.py")
    assert result.out.strip() == (
        f"{FIXTURES / 'bugs' / 'disconnected.py'}:9:9: KGL203 [graph-disconnected] " +
        result.out.split("[graph-disconnected] ", 1)[1].strip())
    assert result.out.count("\n") == 1


def test_full_format_has_frame_caret_related_and_totals(cli):
    result = cli("check", "--no-color", FIXTURES / "bugs")
    assert "^^^^" in result.out
    assert "error KGL102 [concat-axis-mismatch]" in result.out
    assert "branch_c = layers.AveragePooling2D(3, strides=2, activation=\"relu\")(x)" in result.out
    assert "note:" in result.out
    findings = cli("check", "--format", "json", FIXTURES / "bugs").json()
    errors = sum(f["severity"] == "error" for f in findings)
    warnings = sum(f["severity"] == "warning" for f in findings)
    from kgraphlint.source.files import discover

    files = len(list(discover([str(FIXTURES / "bugs")])))
    infos = sum(f["severity"] == "info" for f in findings)
    assert result.out.strip().splitlines()[-1] == f"{errors} errors, {warnings} warnings, {infos} info in {files} files"


def test_exit_codes(cli, write, tmp_path):
    assert cli("check", FIXTURES / "models").code == 0
    warning_only = write(DEAD_BRANCH.format(comment=""))
    assert cli("check", warning_only).code == 1
    assert cli("check", "--fail-on", "error", warning_only).code == 0
    assert cli("check", "--exit-zero", warning_only).code == 0
    assert cli("check", "--select", "KGL999", warning_only).code == 2


def test_select_ignore_by_code_name_and_prefix(cli, write):
    path = write(DEAD_BRANCH.format(comment=""))
    codes = lambda *flags: {f["code"] for f in cli("check", "--format", "json", *flags, path).json()}  # noqa: E731
    assert codes() == {"KGL201"}
    assert codes("--ignore", "unused-branch") == set()
    assert codes("--ignore", "KGL2") == set()
    assert codes("--select", "KGL1") == set()
    assert codes("--select", "KGL1", "--extend-select", "unused-branch") == {"KGL201"}


def test_suppression_comments(cli, write):
    for comment, silenced in [("", False), ("  # noqa: KGL201", True), ("  # noqa", True),
                              ("  # kgraphlint: ignore[unused-branch]", True), ("  # noqa: KGL101", False),
                              ("  # kgraphlint: ignore[concat-axis-mismatch]", False)]:
        path = write(DEAD_BRANCH.format(comment=comment))
        findings = cli("check", "--format", "json", path).json()
        assert (findings == []) is silenced, comment
    skip = write("# kgraphlint: skip-file\n" + DEAD_BRANCH.format(comment=""))
    assert cli("check", "--format", "json", skip).json() == []
    in_string = write(DEAD_BRANCH.format(comment="  ;  note = '# noqa'"))
    assert len(cli("check", "--format", "json", in_string).json()) == 1


def test_pyproject_configuration(cli, write, tmp_path):
    write(DEAD_BRANCH.format(comment=""), "project/src/branch.py")
    write(CONCAT, "project/src/concat.py")
    write(CONCAT, "project/legacy/old.py")
    write(CONCAT, "project/tests/test_concat.py")
    project = tmp_path / "project"
    (project / "pyproject.toml").write_text("""
[tool.kgraphlint]
ignore = ["unused-branch"]
exclude = ["legacy"]
per-file-ignores = { "tests/*" = ["KGL102"] }

[tool.kgraphlint.severity]
concat-axis-mismatch = "warning"
""")
    result = cli("check", "--format", "json", project)
    assert [(f["path"].rsplit("/", 1)[-1], f["code"], f["severity"]) for f in result.json()] == [
        ("concat.py", "KGL102", "warning")]
    assert cli("check", "--fail-on", "error", project).code == 0
    assert cli("check", project).code == 1
    override = cli("check", "--format", "json", "--select", "KGL201", project).json()
    assert {f["code"] for f in override} == {"KGL201"}


def test_bad_configuration_exits_2(cli, write, tmp_path):
    path = write(CONCAT, "p/model.py")
    (tmp_path / "p" / "pyproject.toml").write_text('[tool.kgraphlint]\nselect = ["no-such-rule"]\n')
    result = cli("check", path)
    assert result.code == 2 and "no-such-rule" in result.err
    (tmp_path / "p" / "pyproject.toml").write_text('[tool.kgraphlint]\nfail_on = "error"\n')
    result = cli("check", path)
    assert result.code == 2 and "unknown setting" in result.err
    (tmp_path / "p" / "pyproject.toml").write_text('[tool.kgraphlint]\nignore = ["KGL101"\n')
    result = cli("check", path)
    assert result.code == 2 and "invalid TOML" in result.err


def test_a_pyproject_without_kgraphlint_is_not_read(cli, write, tmp_path):
    """Only kgraphlint's own table is read: a broken pyproject.toml that never names
    kgraphlint is another tool's problem, and the defaults apply."""
    path = write(CONCAT, "p/model.py")
    (tmp_path / "p" / "pyproject.toml").write_text('[project\nname = "broken"\n')
    result = cli("check", "--format", "json", path)
    assert result.code == 1 and [f["code"] for f in result.json()] == ["KGL102"]


def test_keras_version_2_keeps_keras2_imports(cli, write, tmp_path):
    path = write("from keras.layers.convolutional import Conv2D\n")
    assert cli("check", "--format", "json", path).json()[0]["code"] == "KGL501"
    assert cli("check", "--format", "json", "--keras-version", "2", path).json() == []


def test_crashing_rule_is_reported_and_others_still_run(cli, write, monkeypatch):
    from kgraphlint import registry
    from kgraphlint.rule import Rule, Severity

    class Broken(Rule):
        code, name, severity, summary = "KGL999", "broken", Severity.ERROR, "always crashes"

        def check(self, ctx):
            raise ZeroDivisionError("boom")

    rules = registry.all_rules()
    monkeypatch.setattr("kgraphlint.config.all_rules", lambda: (*rules, Broken))
    path = write(DEAD_BRANCH.format(comment=""))
    result = cli("check", "--format", "json", path)
    assert result.code == 2
    assert "internal error in rule KGL999 (broken)" in result.err and str(path) in result.err
    assert [f["code"] for f in result.json()] == ["KGL201"]


def test_rules_and_rule_commands(cli):
    listing = cli("rules")
    assert "KGL101" in listing.out and "merge-shape-mismatch" in listing.out
    explained = cli("rule", "concat-axis-mismatch")
    assert "KGL102" in explained.out and "Why is this bad?" in explained.out and "concatenate" in explained.out
    assert cli("rule", "nonsense").code == 2


def test_api_check_source():
    from kgraphlint.checking import check_source

    findings = check_source(CONCAT, "model.py")
    assert [(f.path, f.code, f.line) for f in findings] == [("model.py", "KGL102", 5)]


def test_module_entry_point():
    result = subprocess.run([sys.executable, "-m", "kgraphlint", "check", "--format", "json",
                             str(FIXTURES / "bugs" / "disconnected.py")], capture_output=True, text=True)
    assert result.returncode == 1 and json.loads(result.stdout)[0]["code"] == "KGL203"


def test_internal_analysis_error_names_the_file_and_the_run_goes_on(cli, write, tmp_path, monkeypatch):
    from kgraphlint.interpret import machine as interpreter

    original = interpreter.Interpreter.run

    def run(self):
        if "CRASH" in self.module.code:
            raise RuntimeError("simulated bug")
        return original(self)

    monkeypatch.setattr(interpreter.Interpreter, "run", run)
    write("import keras\n# CRASH\n", "a_crash.py")
    write(CONCAT, "b_model.py")
    result = cli("check", "--format", "json", tmp_path)
    assert result.code == 2
    assert "a_crash.py: internal error in the analysis: RuntimeError: simulated bug" in result.err
    assert [f["code"] for f in result.json()] == ["KGL102"]
    summary = cli("summary", "--format", "json", tmp_path)
    assert summary.code == 2 and "a_crash.py" in summary.err and len(summary.json()) == 1


def test_third_party_rules_register_through_entry_points(cli, write, tmp_path, monkeypatch):
    from kgraphlint import registry

    write(textwrap.dedent('''
        from kgraphlint.rule import Rule, Severity

        class NoDropoutAbove(Rule):
            """Team rule: dropout rates above 0.5.

            ## What it does
            Reports Dropout(rate) above 0.5.
            ## Why is this bad?
            Our models underfit with it.
            ## How to fix
            Use 0.5 or less.
            """
            code, name, severity, summary = "XYZ001", "no-heavy-dropout", Severity.WARNING, "dropout above 0.5"
            bad = ("import keras\\nx = keras.layers.Dropout(0.8)\\n",)
            good = ("import keras\\nx = keras.layers.Dropout(0.2)\\n",)

            def check(self, ctx):
                for layer in ctx.layers:
                    if layer.class_name == "Dropout" and (layer.config.get("rate") or 0) > 0.5:
                        yield ctx.finding(layer.construct, "dropout above 0.5")
    '''), "site/team_rules.py")
    write("Metadata-Version: 2.1\nName: team-rules\nVersion: 1.0\n", "site/team_rules-1.0.dist-info/METADATA")
    write("[kgraphlint.rules]\nheavy = team_rules:NoDropoutAbove\n", "site/team_rules-1.0.dist-info/entry_points.txt")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    registry.all_rules.cache_clear()
    try:
        program = write("import keras\nx = keras.layers.Dropout(0.8)\n", "model.py")
        findings = cli("check", "--format", "json", "--jobs", "1", "--no-cache", program).json()
        assert [(f["code"], f["name"]) for f in findings] == [("XYZ001", "no-heavy-dropout")]
        assert "XYZ001" in cli("rules").out
    finally:
        registry.all_rules.cache_clear()


def run_module(*args: str, stdin: str = "", cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kgraphlint", *map(str, args)], input=stdin, capture_output=True,
                          text=True, cwd=cwd)


def test_dash_reads_standard_input(tmp_path):
    (tmp_path / "elsewhere.py").write_text((FIXTURES / "bugs" / "disconnected.py").read_text())
    result = run_module("-", "--format", "json", "--no-cache", stdin=CONCAT, cwd=tmp_path)
    assert [(f["path"], f["code"], f["line"]) for f in json.loads(result.stdout)] == [("-", "KGL102", 5)]
    assert result.returncode == 1
    named = run_module("check", "--format", "json", "--stdin-filename", "src/m.py", "-", stdin=CONCAT, cwd=tmp_path)
    assert [f["path"] for f in json.loads(named.stdout)] == ["src/m.py"]
    mixed = run_module("check", "-", "elsewhere.py", stdin=CONCAT, cwd=tmp_path)
    assert mixed.returncode == 2 and "cannot be checked together with other paths" in mixed.stderr


def test_a_path_that_does_not_exist_is_reported_and_the_rest_checked(cli, write, tmp_path):
    model = write(CONCAT, "model.py")
    missing = tmp_path / "misspelt.py"
    result = cli("check", "--format", "json", missing, model)
    assert [(f["path"], f["code"]) for f in result.json()] == [(str(missing), "KGL001"), (str(model), "KGL102")]
    assert "cannot read file: No such file or directory" in result.json()[0]["message"]
    assert result.code == 1
    summary = cli("summary", "--format", "json", missing, model)
    assert [s["path"] for s in summary.json()] == [str(model)]
    assert summary.code == 2 and f"{missing}: no such file or directory" in summary.err
    graph = cli("graph", missing, model)
    assert graph.code == 2 and "flowchart TD" in graph.out and f"{missing}: no such file or directory" in graph.err


def usage_error(capsys, *args: str) -> str:
    import pytest

    from kgraphlint.cli import main

    with pytest.raises(SystemExit) as exited:
        main([str(a) for a in args])
    assert exited.value.code == 2
    return capsys.readouterr().err


def test_bad_flags_exit_2_with_the_commands_usage(capsys, write):
    program = write(CONCAT)
    for jobs in ("0", "-3", "two"):
        assert "argument --jobs/-j: must be a whole number of at least 1" in usage_error(capsys, "check", "--jobs",
                                                                                       jobs, program)
    bogus = usage_error(capsys, "check", "--bogus", program)
    assert bogus.startswith("usage: kgraphlint check ") and "unrecognized arguments: --bogus" in bogus
    assert usage_error(capsys, "summary", "--bogus", program).startswith("usage: kgraphlint summary ")
    assert usage_error(capsys, "--bogus", program).startswith("usage: kgraphlint check ")


def test_help_describes_format_and_paths(capsys):
    from kgraphlint.cli import main

    for command, formats in (("check", "concise: one line per finding"), ("summary", "like Keras's model.summary()"),
                             ("graph", "rendered by Graphviz")):
        try:
            main([command, "--help"])
        except SystemExit:
            pass
        text = " ".join(capsys.readouterr().out.split())
        assert formats in text
        assert "files (.py, .ipynb, .md) and folders" in text


def test_quiet_and_output_file(cli, write, tmp_path):
    program = write(CONCAT)
    loud = cli("check", "--no-color", program)
    quiet = cli("check", "--no-color", "-q", program)
    assert "1 error, 0 warnings in 1 file" in loud.out and "in 1 file" not in quiet.out
    assert "KGL102" in quiet.out and quiet.code == loud.code == 1
    report = tmp_path / "out" / "report.json"
    report.parent.mkdir()
    written = cli("check", "--format", "json", "--output-file", report, program)
    assert written.out == "" and written.code == 1
    assert [f["code"] for f in json.loads(report.read_text())] == ["KGL102"]
    full = cli("check", "-o", tmp_path / "out" / "report.txt", program)
    assert "\x1b[" not in (tmp_path / "out" / "report.txt").read_text() and full.out == ""
    assert cli("check", "-o", tmp_path / "no" / "such" / "dir.txt", program).code == 2


def test_rules_as_json_and_unwrapped_when_piped():
    result = subprocess.run([sys.executable, "-m", "kgraphlint", "rules", "--format", "json"], capture_output=True,
                            text=True)
    rules = json.loads(result.stdout)
    from kgraphlint.registry import all_rules

    assert [r["code"] for r in rules] == [r.code for r in all_rules()]
    swapped = next(r for r in rules if r["code"] == "KGL301")
    assert swapped == {"code": "KGL301", "name": "swapped-arguments", "severity": "warning",
                       "category": "correctness", "fixable": True, "summary": swapped["summary"],
                       "url": "https://github.com/kgraphlint/kgraphlint/blob/main/rules/kgl301_swapped_arguments.py"}
    piped = subprocess.run([sys.executable, "-m", "kgraphlint", "rules"], capture_output=True, text=True,
                           env={**__import__("os").environ, "COLUMNS": "40"})
    lines = piped.stdout.splitlines()
    assert len(lines) == len(rules)
    assert lines[0].split("\t")[:3] == [rules[0]["code"], rules[0]["name"], rules[0]["severity"]]
    assert all(rule["summary"] in line for rule, line in zip(rules, lines))


def test_concise_output_marks_fixable_findings(cli):
    result = cli("check", "--format", "concise", FIXTURES / "bugs" / "question_answering.py")
    lines = result.out.splitlines()
    assert ": KGL301 [*] [swapped-arguments] " in lines[0]
    assert lines[-1] == "[*] fixable with --fix"
    unfixable = cli("check", "--format", "concise", FIXTURES / "bugs" / "disconnected.py")
    assert "[*]" not in unfixable.out


def test_force_exclude_applies_exclude_to_named_files(cli, write, tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.kgraphlint]\nexclude = ["legacy/*"]\n')
    old = write(CONCAT, "legacy/old.py")
    assert [f["code"] for f in cli("check", "--format", "json", old).json()] == ["KGL102"]
    excluded = cli("check", "--format", "json", "--force-exclude", old)
    assert excluded.json() == [] and excluded.code == 0
    walked = cli("check", "--format", "json", "--force-exclude", tmp_path)
    assert walked.json() == []


def test_concatenated_sequences_of_different_lengths_get_sequence_advice(cli, write):
    [finding] = cli("check", "--format", "json", write(CONCAT)).json()
    message = finding["message"]
    assert "joins along axis 2 (features)" in message and "axis 1 (steps) has sizes 4, 5" in message
    assert "sequences of different lengths (4 and 5 steps)" in message
    assert "channels" not in message and "strides" not in message and "feature map" not in message


def test_unused_noqa_is_reported_and_fixed(cli, write):
    program = (CONCAT.replace("model = keras.Model([a, b], layers.concatenate([a, b]))\n",
                              "model = keras.Model([a, b], layers.concatenate(\n    [a, b]))  # noqa: KGL102\n")
               + "c = layers.Dense(4)(a)  # noqa: KGL101, E501, KGL107\n"
               + "d = layers.Dense(4)(b)  # kgraphlint: ignore[probable-missing-flatten]\n")
    path = write(program)
    findings = cli("check", "--ignore", "unused-branch", "--format", "json", path).json()
    assert [(f["code"], f["line"]) for f in findings] == [("KGL002", 7), ("KGL002", 8)]
    first, second = findings
    assert first["message"].startswith("`# noqa: KGL101, E501, KGL107` silences nothing here: no KGL101, KGL107 "
                                       "finding is on this line. Remove KGL101, KGL107 from it")
    assert program.splitlines()[6][first["column"] - 1:first["end_column"] - 1] == "# noqa: KGL101, E501, KGL107"
    assert "no probable-missing-flatten finding is on this line" in second["message"]
    ignored = cli("check", "--ignore", "unused-branch,KGL107", "--format", "json", path).json()
    assert "no KGL101 finding" in ignored[0]["message"] and "KGL107" not in ignored[0]["message"].split(":")[-1]
    cli("check", "--ignore", "unused-branch", "--add-noqa", path)
    assert path.read_text() == program, "--add-noqa never silences unused-noqa"
    cli("check", "--ignore", "unused-branch", "--fix", path)
    assert path.read_text() == program.replace("# noqa: KGL101, E501, KGL107", "# noqa: E501").replace(
        "  # kgraphlint: ignore[probable-missing-flatten]", "")
    assert cli("check", "--ignore", "unused-branch", "--format", "json", path).json() == []


def test_a_dead_worker_is_reported_with_its_file_and_the_other_results_are_kept(cli, write, tmp_path, monkeypatch):
    """A --jobs worker killed while it checks one file (here: that file makes it kill
    itself) costs that file only: the others' findings stay, the file is named, exit 2."""
    import signal

    from kgraphlint import checking

    real = checking.check_source_file

    def dies_on_crash_py(source, *args, **kwargs):
        if source.path.endswith("crash.py"):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(checking, "check_source_file", dies_on_crash_py)  # the workers are forked with it
    for name in ("a.py", "b.py", "c.py", "d.py"):
        write((FIXTURES / "bugs" / "disconnected.py").read_text(), name)
    write("import keras\n", "crash.py")
    result = cli("check", "--format", "json", "--no-cache", "--jobs", "2", tmp_path)
    assert result.code == 2 and "Traceback" not in result.err
    assert sorted(Path(f["path"]).name for f in result.json()) == ["a.py", "b.py", "c.py", "d.py"]
    [message] = result.err.splitlines()
    assert message == (f"kgraphlint: {tmp_path / 'crash.py'}: internal error: the worker process checking this file "
                       "died (killed by SIGKILL); the other files were checked")


def test_an_uncaught_internal_error_exits_2_with_a_message(cli, write, monkeypatch):
    from kgraphlint import cli as cli_module

    def broken(*args, **kwargs):
        raise RuntimeError("renderer exploded")

    monkeypatch.setattr(cli_module, "render_findings", broken)
    result = cli("check", "--no-cache", write("import keras\n"))
    assert result.code == 2
    assert result.err.splitlines()[-1].startswith("kgraphlint: internal error: RuntimeError: renderer exploded")
