"""--jobs gives the same output in the same order; the cache skips unchanged files."""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURES


def test_parallel_output_is_identical_and_ordered(cli):
    serial = cli("check", "--format", "json", "--no-cache", "--jobs", "1", FIXTURES)
    parallel = cli("check", "--format", "json", "--no-cache", "--jobs", "2", FIXTURES)
    assert serial.out == parallel.out and serial.code == parallel.code
    paths = [f["path"] for f in serial.json()]
    assert paths == sorted(paths, key=lambda p: paths.index(p))  # grouped by file, in discovery order
    assert len(serial.json()) > 30


def count_parses(monkeypatch) -> list:
    import kgraphlint.analysis as analysis

    parsed = []
    original = analysis.parse_module.__wrapped__  # not the per-process cache of parsed texts

    def counting(text, *args, **kwargs):
        parsed.append(text)
        return original(text, *args, **kwargs)

    monkeypatch.setattr(analysis, "parse_module", counting)
    return parsed


def test_unchanged_files_are_not_parsed_again(cli, write, tmp_path, monkeypatch):
    program = write((FIXTURES / "bugs" / "inception_block.py").read_text(), "model.py")
    parsed = count_parses(monkeypatch)
    first = cli("check", "--format", "json", "--jobs", "1", program)
    assert len(parsed) == 1
    second = cli("check", "--format", "json", "--jobs", "1", program)
    assert len(parsed) == 1, "the unchanged file was parsed again"
    assert second.out == first.out and second.code == first.code == 1
    full = cli("check", "--no-color", "--jobs", "1", program)
    assert "branch_c = layers.AveragePooling2D" in full.out and len(parsed) == 1  # frames from cache too

    cli("check", "--format", "json", "--jobs", "1", "--ignore", "KGL302", program)
    assert len(parsed) == 2, "other settings must not reuse the entry"
    program.write_text(program.read_text() + "\n# edited\n")
    cli("check", "--format", "json", "--jobs", "1", program)
    assert len(parsed) == 3, "edited content must not reuse the entry"
    cli("check", "--format", "json", "--jobs", "1", "--no-cache", program)
    assert len(parsed) == 4


#: a merge whose shapes only the library's code gives: MobileNetV2's last feature map
MERGE_ON_A_BACKBONE = """import keras

base = keras.applications.MobileNetV2(input_shape=(96, 96, 3), include_top=False, weights=None)
narrow = keras.layers.Conv2D(7, 1)(base.output)
merged = keras.layers.Add()([base.output, narrow])
"""


def test_installed_packages_parsed_modules_are_kept_for_the_next_run(cli, write, monkeypatch):
    """keras.applications' modules are parsed by the first run only: the next one (nothing
    kept in memory, as in a new process) loads their trees from the parse store beside the
    result cache and finds the same; a damaged entry is parsed again and written anew;
    --no-cache neither reads nor writes the store."""
    import os

    from kgraphlint.source import parse

    program = write(MERGE_ON_A_BACKBONE, "model.py")
    store = Path(os.environ["KGRAPHLINT_CACHE_DIR"]) / "parsed"
    library: list[str] = []  # the imported modules libcst parsed (not the program)
    original = parse.parse_fresh

    def counting(text: str):
        if text != program.read_text():
            library.append(text)
        return original(text)

    monkeypatch.setattr(parse, "parse_fresh", counting)

    def run(*options: str) -> list[dict]:
        parse.forget_parsed()
        library.clear()
        program.write_text(program.read_text() + "# edited: not a cached result\n")
        return cli("check", "--format", "json", "--jobs", "1", "--select", "KGL101", *options, program).json()

    first = run()
    assert [f["code"] for f in first] == ["KGL101"] and "(None, 3, 3, 1280)" in first[0]["message"]
    assert library and len(list(store.glob("*.pickle"))) == len(library)
    assert run() == first and library == []
    for entry in store.glob("*.pickle"):
        entry.write_bytes(b"not a pickle")
    assert run() == first and library
    assert run() == first and library == []  # written anew
    for entry in store.glob("*.pickle"):
        entry.unlink()
    assert run("--no-cache") == first and library
    assert list(store.glob("*.pickle")) == []

    # a project's own modules change while it is worked on: read, not kept
    parse.forget_parsed()
    cli("check", "--format", "json", "--jobs", "1", FIXTURES / "project" / "netlib")
    assert list(store.glob("*.pickle")) == []


def test_a_kept_tree_is_the_parsed_tree():
    """The parse store pickles trees with their whitespace and punctuation shared: loaded,
    each of keras/src/applications' modules is the tree libcst parses and writes the same
    code, node for node, and shares what it should (two thirds fewer objects to load)."""
    import importlib.util
    import pickle

    import libcst

    from kgraphlint.source.tree_pickle import dumps

    folder = Path(importlib.util.find_spec("keras").origin).parent / "src" / "applications"
    modules = sorted(folder.glob("*.py"))
    assert len(modules) > 15
    for path in modules:
        text = path.read_text()
        parsed = libcst.parse_module(text)
        loaded = pickle.loads(dumps(parsed))
        assert loaded.deep_equals(parsed) and loaded.code == text, path.name

    class Whitespace(libcst.CSTVisitor):
        def __init__(self) -> None:
            self.seen: list[libcst.SimpleWhitespace] = []

        def visit_SimpleWhitespace(self, node: libcst.SimpleWhitespace) -> None:
            self.seen.append(node)

    in_parsed, in_loaded = Whitespace(), Whitespace()
    parsed.visit(in_parsed)
    loaded.visit(in_loaded)
    assert len(in_loaded.seen) == len(in_parsed.seen) > 1000
    assert len({id(n) for n in in_parsed.seen}) == len(in_parsed.seen)
    assert len({id(n) for n in in_loaded.seen}) < 50


def test_cache_lives_beside_the_pyproject(cli, write, tmp_path, monkeypatch):
    monkeypatch.delenv("KGRAPHLINT_CACHE_DIR")
    write("[project]\nname = 'demo'\n", "project/pyproject.toml")
    program = write((FIXTURES / "bugs" / "disconnected.py").read_text(), "project/src/model.py")
    cli("check", "--jobs", "1", program)
    cache = tmp_path / "project" / ".kgraphlint_cache"
    assert cache.is_dir() and (cache / ".gitignore").read_text().strip().endswith("*")
    assert list(cache.rglob("*.json"))


def test_correct_files_compute_no_positions(cli, monkeypatch):
    """Positions cost a code generation of the whole module: only a finding may ask for them
    (the correct fixtures are full of Concatenate, Add and Dense layers that rules inspect)."""
    import kgraphlint.source.positions as positions

    computed: list = []
    original = positions.Positions._start
    monkeypatch.setattr(positions.Positions, "_start", lambda self: computed.append(self) or original(self))
    result = cli("check", "--no-cache", "--jobs", "1", "--select", "KGL1,KGL2,KGL3,KGL4",
                 FIXTURES / "models", FIXTURES / "applications")
    assert result.code == 0, result.out
    assert computed == []


def test_networkx_graphs_are_built_on_demand_and_match_what_rules_read():
    """Checking reads plain lists (each call's consumers, each model's calls and edges); the
    networkx graphs offered to other code are built from the same facts when first asked for."""
    from kgraphlint.analysis import analyze_source
    from kgraphlint.source.files import read_source

    analysis = analyze_source(read_source(FIXTURES / "models" / "shared_input_branches.py"))
    assert "graph" not in vars(analysis) and all("graph" not in vars(m) for m in analysis.models)
    file_edges = {(p, c) for p, fed in analysis.consumers.items() for c in fed}
    assert set(analysis.graph.edges) == file_edges and len(file_edges) > 5
    for model in analysis.models:
        assert list(model.graph.nodes) == model.nodes
        assert {(p, c, d["position"]) for p, c, d in model.graph.edges(data=True)} == {
            (e.producer, e.consumer, e.position) for e in model.edges}


def test_the_cache_is_invalidated_by_a_change_in_any_stage_package(tmp_path, monkeypatch):
    """Cached results belong to the code that made them: an edit to kgraphlint/keras/ (not
    only to a top-level module) must change the fingerprint the cache is kept under."""
    import shutil

    import kgraphlint
    from kgraphlint.cache import code_fingerprint

    copy = tmp_path / "kgraphlint"
    shutil.copytree(Path(kgraphlint.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(kgraphlint, "__file__", str(copy / "__init__.py"))
    before = code_fingerprint.__wrapped__()
    shapes = copy / "keras" / "shapes.py"
    shapes.write_text(shapes.read_text() + "\n# edited\n")
    assert code_fingerprint.__wrapped__() != before
