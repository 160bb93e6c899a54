"""Time kgraphlint against a bare libcst parse and pylint's error checks.

    pip install -e '.[bench]' keras     # keras only provides the corpus' source files
    python benchmarks/run.py [--lines 50000] [--repeat 3] [--library SITE/keras_hub ...]

The corpus has two parts, measured and reported apart: user-style code (this repository's
fixture programs and benchmarks/corpus_programs, the real-code corpus's user programs) and
library code (keras/src/applications of the installed keras package, found without
importing it, plus any ``--library`` folders, e.g. an installed keras-hub), each replicated
until it holds at least ``--lines`` lines if that is given. Printed, in one run: lines per
second for a bare ``libcst.parse_module`` of every file, for ``kgraphlint check`` cold
(one process, no result cached: every file edited since the last run; installed packages'
parsed modules, and the library calls replayed from them, kept from it:
kgraphlint.source.parse_store, kgraphlint.interpret.call_memo), cold with nothing kept at all
(``--no-cache``, or the first run after installing a package), warm (every result cached)
and cold with ``--jobs`` 2 and N processes,
for ``pylint --disable=all --enable=E -j1``; startup as a user meets it (a new
``kgraphlint`` process for ``--version`` and for a check of 50 files whose results are all
cached); the ratios the targets are stated in; and how long re-checking one 1,000-line
model file takes (what the editor does on each change).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import libcst

from kgraphlint.source.parse import forget_parsed
from kgraphlint.cache import ResultCache
from kgraphlint.checking import check_paths
from kgraphlint.cli import tune_garbage_collector
from kgraphlint.config import Overrides, Settings
from kgraphlint.ide.incremental import IncrementalParser
from kgraphlint.ide.linting import lint_source
from kgraphlint.source.files import source_from_text

ROOT = Path(__file__).resolve().parent.parent
#: the targets, on user-style code (library code's ratios are reported, with no target)
TARGETS = {
    "cold / parse": ("at most", 2.5),
    "pylint / cold": ("at least", 12.0),
    "cold / warm": ("at least", 10.0),
}
#: seconds for a new process, interpreter start included
STARTUP_TARGET = 0.150


def keras_applications() -> list[Path]:
    spec = importlib.util.find_spec("keras")
    if spec is None or spec.origin is None:
        return []
    return sorted((Path(spec.origin).parent / "src" / "applications").glob("*.py"))


def user_style_sources() -> list[tuple[Path, Path]]:
    """(root, file) pairs: files keep their place under their root when copied, so that a
    program still finds the modules beside it."""
    files = sorted((ROOT / "fixtures").rglob("*.py")) + sorted((ROOT / "benchmarks" / "corpus_programs").glob("*.py"))
    return [(ROOT, path) for path in files]


def library_sources(extra: list[Path]) -> list[tuple[Path, Path]]:
    applications = [p for p in keras_applications() if not p.name.endswith("_test.py")]
    sources = [(p.parent.parent, p) for p in applications]
    for folder in extra:
        sources += [(folder.parent, p) for p in sorted(folder.rglob("*.py")) if not p.name.endswith("_test.py")]
    return sources


def replicate(sources: list[tuple[Path, Path]], folder: Path, min_lines: int) -> list[Path]:
    """The sources copied into ``folder``, again and again until they hold at least
    ``min_lines`` lines."""
    if not sources:
        return []
    files, lines, copy = [], 0, 0
    while not files or lines < min_lines:
        for root, source in sources:
            target = folder / f"copy{copy}" / source.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            files.append(target)
            lines += source.read_text(errors="replace").count("\n")
        copy += 1
    return files


def best_of(repeat: int, action, prepare=lambda: None) -> float:
    times = []
    for _ in range(repeat):
        prepare()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def bare_parse(files: list[Path]) -> None:
    for path in files:
        try:
            libcst.parse_module(path.read_text())
        except libcst.ParserSyntaxError:
            pass


def lines_in(files: list[Path]) -> int:
    return sum(p.read_text(errors="replace").count("\n") for p in files)


def pylint_seconds(folder: Path) -> float | None:
    if shutil.which("pylint") is None and importlib.util.find_spec("pylint") is None:
        return None
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pylint", "--disable=all", "--enable=E", "--jobs=1",
                    "--recursive=y", str(folder)], capture_output=True)
    return time.perf_counter() - start


def model_file(lines: int, in_function: bool = False) -> str:
    """A long model, written at the top level of the file or inside one builder function.

    Its widths are all the same, as in benchmarks/editor.py's file: widths that grew every
    few layers would make each of those layers a finding (KGL708), and the re-check would
    time a thousand findings' messages and positions instead of an edit of a model."""
    indent = "    " if in_function else ""
    body = ["inputs = keras.Input(shape=(64,))", "x = inputs"]
    while len(body) < lines - 6:
        body.append("x = layers.Dense(64, activation=\"relu\")(x)")
    body += ["outputs = layers.Dense(10, activation=\"softmax\")(x)", "model = keras.Model(inputs, outputs)"]
    if in_function:
        body = ["def build_model():", *(indent + line for line in body), f"{indent}return model", "",
                "model = build_model()"]
    return "\n".join(["import keras", "from keras import layers", "", *body]) + "\n"


def editor_recheck(text: str, times: int, indent: str = "") -> float:
    """The language server's work after an edit (the findings to publish; hovers are read
    from the same analysis when the user hovers), each time with a different layer width
    changed in the middle of the file; the median."""
    parser, settings, seconds = IncrementalParser(), Settings().validate(), []
    lint_source(source_from_text("model.py", text), settings, Path("model.py"), parser)  # the file was opened
    lines = text.splitlines(keepends=True)
    for edit in range(times):
        edited = list(lines)
        edited[len(lines) // 2] = f"{indent}x = layers.Dense({17 + edit}, activation=\"relu\")(x)\n"
        source = source_from_text("model.py", "".join(edited))
        start = time.perf_counter()
        findings, _ = lint_source(source, settings, Path("model.py"), parser)
        seconds.append(time.perf_counter() - start)
        assert findings is not None
    return statistics.median(seconds)


def process_seconds(repeat: int, command: list[str], cache: Path) -> float:
    """The best wall time of a new process (what a hook or an editor save starts),
    interpreter start included. Python keeps compiled bytecode as it does on a user's
    machine (pip compiles an installed package's; an editable one's is written by its
    first run): a sandbox's PYTHONDONTWRITEBYTECODE would compile every module again in
    every process."""
    environment = {**os.environ, "KGRAPHLINT_CACHE_DIR": str(cache)}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return best_of(repeat, lambda: subprocess.run(command, capture_output=True, env=environment, cwd=ROOT))


def cold_seconds(repeat: int, paths: list[str], jobs: int = 1, cache_dir: Path | None = None) -> float:
    """Nothing kept in memory from an earlier run, not even the parsed modules. Without a
    ``cache_dir``, nothing kept on disk either (``--no-cache``, or the first run after
    installing a package); with one, the run after every file was edited: no result is
    cached, installed packages' parsed modules and the library calls replayed from them are
    (kgraphlint.source.parse_store, kgraphlint.interpret.call_memo)."""
    cache = ResultCache(cache_dir) if cache_dir is not None else None

    def prepare() -> None:
        forget_parsed()
        if cache is not None:
            shutil.rmtree(cache.root, ignore_errors=True)

    return best_of(repeat, lambda: check_paths(paths, Overrides(), jobs=jobs, cache=cache), prepare)


def measure_part(name: str, files: list[Path], folder: Path, args: argparse.Namespace) -> dict:
    paths = [str(folder)]
    cache_dir = folder.parent / f"{folder.name}-cache"
    check_paths(paths, Overrides(), jobs=1, cache=ResultCache(cache_dir))
    return {
        "name": name, "files": len(files), "lines": lines_in(files),
        "parse": best_of(args.repeat, lambda: bare_parse(files)),
        "cold": cold_seconds(args.repeat, paths, cache_dir=cache_dir),
        "nothing kept": cold_seconds(args.repeat, paths),
        "jobs": {jobs: cold_seconds(args.repeat, paths, jobs, cache_dir) for jobs in sorted({2, args.jobs})},
        "warm": best_of(args.repeat, lambda: check_paths(paths, Overrides(), jobs=1, cache=ResultCache(cache_dir))),
        "pylint": pylint_seconds(folder),
        "costliest": costliest_files(files, cache_dir),
    }


def costliest_files(files: list[Path], cache_dir: Path, count: int = 5) -> list[tuple[float, float, Path]]:
    """The files whose cold check (as ``cold_seconds`` has it with a ``cache_dir``) costs
    most beyond their own parse, in CPU seconds: where the time a part takes goes (a program
    that calls keras.applications builders pays for running the library's code)."""
    rows = []
    cache = ResultCache(cache_dir)
    for path in files:
        text = path.read_text(errors="replace")
        start = time.process_time()
        try:
            libcst.parse_module(text)
        except libcst.ParserSyntaxError:
            pass
        parse = time.process_time() - start
        forget_parsed()
        shutil.rmtree(cache.root, ignore_errors=True)
        start = time.process_time()
        check_paths([str(path)], Overrides(), jobs=1, cache=cache)
        rows.append((time.process_time() - start - parse, parse, path))
    return sorted(rows, key=lambda row: row[0], reverse=True)[:count]


def print_part(part: dict, jobs: int) -> None:
    lines = part["lines"]
    print(f"{part['name']}: {part['files']} files, {lines:,} lines")
    print(f"  {'run':<44}{'seconds':>9}{'lines/s':>11}")
    rows = [("libcst parse (bare)", part["parse"]), ("kgraphlint cold (--jobs 1)", part["cold"]),
            *((f"kgraphlint cold (--jobs {n})", seconds) for n, seconds in part["jobs"].items()),
            ("kgraphlint cold, nothing kept (--no-cache)", part["nothing kept"]),
            ("kgraphlint warm (cache)", part["warm"])]
    if part["pylint"] is not None:
        rows.append(("pylint --disable=all --enable=E -j1", part["pylint"]))
    for label, seconds in rows:
        print(f"  {label:<44}{seconds:>9.3f}{lines / seconds:>11,.0f}")
    ratios = {"cold / parse": part["cold"] / part["parse"], "cold / warm": part["cold"] / part["warm"]}
    if part["pylint"] is not None:
        ratios["pylint / cold"] = part["pylint"] / part["cold"]
    for name, value in ratios.items():
        direction, target = TARGETS[name]
        met = value <= target if direction == "at most" else value >= target
        verdict = ("met" if met else "NOT met") if part["name"].startswith("user") else "(reported, no target)"
        print(f"  {name:<16}{value:>8.2f}x   target {direction} {target:g}x   {verdict}")
    print(f"  (cold with --jobs {jobs}: {part['jobs'][jobs] / part['parse']:.2f}x the parse; "
          f"with nothing kept: {part['nothing kept'] / part['parse']:.2f}x)")
    print("  costliest files beyond their own parse (CPU seconds, one file per check):")
    for extra, parse, path in part["costliest"]:
        print(f"    {extra:7.3f} s beyond a {parse:.3f} s parse   {'/'.join(path.parts[-3:])}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=0, help="replicate each part to at least this many lines")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is kept")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--library", type=Path, action="append", default=[],
                        help="a folder of library code measured with keras.applications (repeatable)")
    args = parser.parse_args()
    tune_garbage_collector()  # as the kgraphlint command does
    repeat_process = max(5, args.repeat)

    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        parts = []
        for name, sources in (("user-style code", user_style_sources()),
                              ("library code", library_sources(args.library))):
            folder = scratch / name.split()[0]
            files = replicate(sources, folder, args.lines)
            if files:
                parts.append(measure_part(name, files, folder, args))
        hook = [str(p) for p in replicate(user_style_sources(), scratch / "hook", 0)[:50]]
        startup_cache = scratch / "startup-cache"
        kgraphlint = [sys.executable, "-m", "kgraphlint"]
        process_seconds(1, [*kgraphlint, "check", *hook], startup_cache)  # fills the cache
        startup = {"python -c pass (the interpreter alone)": process_seconds(
                       repeat_process, [sys.executable, "-c", "pass"], startup_cache),
                   "kgraphlint --version": process_seconds(repeat_process, [*kgraphlint, "--version"], startup_cache),
                   f"kgraphlint check, {len(hook)} cached files": process_seconds(
                       repeat_process, [*kgraphlint, "check", *hook], startup_cache)}
        editor = editor_recheck(model_file(1000), repeat_process)
        editor_function = editor_recheck(model_file(1000, in_function=True), repeat_process, "    ")

    for part in parts:
        print_part(part, args.jobs)
    print(f"startup: a new process, best of {repeat_process}")
    for label, seconds in startup.items():
        verdict = "" if label.startswith("python") else (
            f"target at most {STARTUP_TARGET * 1000:.0f} ms   {'met' if seconds <= STARTUP_TARGET else 'NOT met'}")
        print(f"  {label:<40}{seconds * 1000:>7.0f} ms   {verdict}")
    print()
    for label, seconds in (("at the top level", editor), ("in a function", editor_function)):
        print(f"{'editor re-check':<16}{seconds * 1000:>7.0f} ms  for a 1,000-line model file, {label:<16}"
              f"  target under 150 ms   {'met' if seconds < 0.150 else 'NOT met'}")
    if all(part["pylint"] is None for part in parts):
        print("\npylint is not installed (pip install pylint) so its ratio was not measured")


if __name__ == "__main__":
    main()
