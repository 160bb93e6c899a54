"""The pre-commit hook, run by the real pre-commit against a repository that uses this
checkout as its hook repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT

pytest.importorskip("pre_commit")


def git(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_commit_is_refused_with_a_bug_and_passes_once_fixed(tmp_path):
    head = git(ROOT, "rev-parse", "HEAD").stdout.strip()
    if not head or git(ROOT, "cat-file", "-e", f"{head}:.pre-commit-hooks.yaml").returncode != 0:
        pytest.skip("this checkout has no committed .pre-commit-hooks.yaml")
    project = tmp_path / "project"
    project.mkdir()
    for args in (("init", "-q"), ("config", "user.email", "t@example.com"), ("config", "user.name", "t")):
        git(project, *args)
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {ROOT}\n  rev: {head}\n  hooks:\n  - id: kgraphlint\n    args: [--no-cache]\n")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    installed = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=project, env=env,
                               capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr

    def commit(message: str) -> subprocess.CompletedProcess:
        git(project, "add", ".")
        return subprocess.run(["git", "commit", "-m", message], cwd=project, env=env, capture_output=True, text=True)

    model = project / "model.py"
    model.write_text((FIXTURES / "bugs" / "disconnected.py").read_text())
    refused = commit("add a model with a bug")
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output
    assert "KGL203" in output and "graph-disconnected" in output
    assert git(project, "rev-parse", "--verify", "HEAD").returncode != 0, "nothing may have been committed"

    model.write_text(model.read_text().replace("Model(inputs=title,", "Model(inputs=[title, body],"))
    passed = commit("add the model, fixed")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "kgraphlint" in passed.stdout + passed.stderr and "Passed" in passed.stdout + passed.stderr

    # pre-commit names each staged file; the configuration's exclude still applies to them
    (project / "pyproject.toml").write_text('[tool.kgraphlint]\nexclude = ["legacy/*"]\n')
    (project / "legacy").mkdir()
    (project / "legacy" / "old_model.py").write_text((FIXTURES / "bugs" / "disconnected.py").read_text())
    excluded = commit("keep an old model that is excluded from checking")
    assert excluded.returncode == 0, excluded.stdout + excluded.stderr
