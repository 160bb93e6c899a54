"""What a run loads before it knows it has work: `--version`, and a check whose results are
all cached, import neither libcst nor the engine, networkx, pygls or markdown-it, and, when
the output is not a terminal (a hook's, a pipe's), not even rich. Guarded by the import set,
not by a timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import FIXTURES, ROOT

#: modules only an analysis (a cache miss), a summary, --build or the language server need
HEAVY = ("libcst", "networkx", "pygls", "markdown_it", "numpy", "kgraphlint.analysis", "kgraphlint.interpret",
         "kgraphlint.keras", "kgraphlint.graph", "kgraphlint.feeding", "kgraphlint.rules.")

LOADED = """
import contextlib, io, json, sys
from kgraphlint.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exit:  # --version
        code = exit.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def loaded_modules(cache, *args) -> tuple[int, list[str]]:
    environment = {**os.environ, "KGRAPHLINT_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", LOADED, *map(str, args)], capture_output=True, text=True,
                            env=environment, cwd=ROOT, check=True)
    report = json.loads(result.stdout.splitlines()[-1])
    return report["code"], report["modules"]


def heavy_among(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == h or m.startswith(h if h.endswith(".") else h + ".") for h in HEAVY)]


FILES = sorted((FIXTURES / "bugs").glob("*.py")) + sorted((FIXTURES / "models").glob("*.py"))


@pytest.mark.parametrize("output", ["full", "json"])
def test_a_run_whose_results_are_all_cached_loads_no_engine(tmp_path, output):
    first_code, first = loaded_modules(tmp_path, "check", "--jobs", "1", "--format", output, *FILES)
    assert "libcst" in first and "kgraphlint.analysis" in first  # the first run analysed the files
    code, modules = loaded_modules(tmp_path, "check", "--jobs", "1", "--format", output, *FILES)
    assert code == first_code == 1  # the same verdict: fixtures/bugs has findings
    assert heavy_among(modules) == []
    assert not [m for m in modules if m == "rich" or m.startswith("rich.")]


def test_a_cached_run_still_rejects_an_unknown_selector(tmp_path):
    """Selectors are checked against the rules' names the cache remembers: a known prefix
    and name pass without the engine, an unknown code is still an error."""
    selected = ("--select", "KGL1,unused-noqa")
    loaded_modules(tmp_path, "check", *selected, *FILES[:2])
    code, _ = loaded_modules(tmp_path, "check", "--select", "KGL999", *FILES[:2])
    assert code == 2
    code, modules = loaded_modules(tmp_path, "check", *selected, *FILES[:2])
    assert code in (0, 1) and heavy_among(modules) == []


def test_version_loads_no_engine(tmp_path):
    code, modules = loaded_modules(tmp_path, "--version")
    assert code == 0
    assert heavy_among(modules) == [] and "rich" not in modules


#: what a cached run over plain .py files with no kgraphlint configuration needs not load:
#: TOML (no pyproject.toml names kgraphlint), OpenSSL (the digests are BLAKE2b, built in),
#: the tracebacks of internal errors, graph rendering's subprocess, the rule discovery's
#: pkgutil, and the types of notebooks' and Markdown's parts
NOT_NEEDED_CACHED = ("tomllib", "_hashlib", "hashlib", "traceback", "subprocess", "pkgutil",
                     "kgraphlint.source.document_parts")


def test_a_cached_run_without_configuration_loads_only_what_it_uses(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "unrelated"\n')  # another tool's file
    for path in FILES:
        (project / path.name).write_text(path.read_text())
    cache = tmp_path / "cache"
    first_code, first = loaded_modules(cache, "check", "--jobs", "1", project)
    assert "tomllib" not in first
    code, modules = loaded_modules(cache, "check", "--jobs", "1", project)
    assert code == first_code == 1
    assert [m for m in NOT_NEEDED_CACHED if m in modules] == []
    # the same run where a pyproject.toml configures kgraphlint reads it with TOML
    (project / "pyproject.toml").write_text('[tool.kgraphlint]\nignore = ["KGL101"]\n')
    _, modules = loaded_modules(cache, "check", "--jobs", "1", project)
    assert "tomllib" in modules
