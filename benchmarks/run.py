"""Time kgraphlint against a bare libcst parse and pylint's error checks.

    pip install -e '.[bench]' keras     # keras only provides the corpus' source files
    python benchmarks/run.py [--lines 50000] [--repeat 3]

The corpus is keras/src/applications of the installed keras package (found without
importing it) plus this repository's fixture programs, replicated until it holds at least
``--lines`` lines if that is given. Printed: lines per second for a bare
``libcst.parse_module`` of every file, for ``kgraphlint check`` cold (one process, no
cache), warm (every result cached) and with ``--jobs`` processes, for
``pylint --disable=all --enable=E``, the ratios the targets are stated in, the cold ratio
for each kind of code in the corpus (keras.applications builders, user-style fixtures), and
how long re-checking one 1,000-line model file takes (what the editor does on each change).
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

from kgraphlint.source.parse import parse_module
from kgraphlint.cache import ResultCache
from kgraphlint.checking import check_paths
from kgraphlint.cli import tune_garbage_collector
from kgraphlint.config import Overrides, Settings
from kgraphlint.ide.incremental import IncrementalParser
from kgraphlint.ide.linting import lint_source
from kgraphlint.source.files import source_from_text

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {
    "cold / parse": ("at most", 2.0),
    "pylint / cold": ("at least", 10.0),
    "cold / warm": ("at least", 10.0),
}


def keras_applications() -> list[Path]:
    spec = importlib.util.find_spec("keras")
    if spec is None or spec.origin is None:
        return []
    return sorted((Path(spec.origin).parent / "src" / "applications").glob("*.py"))


def build_corpus(folder: Path, min_lines: int) -> list[Path]:
    sources = [p for p in keras_applications() if not p.name.endswith("_test.py")]
    sources += sorted((ROOT / "fixtures").rglob("*.py"))
    if not sources:
        sys.exit("no corpus: install keras (pip install keras) or run from the repository")
    files, lines, copy = [], 0, 0
    while not files or lines < min_lines:
        for source in sources:
            target = folder / f"copy{copy}" / source.parent.name / source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            files.append(target)
            lines += source.read_text(errors="replace").count("\n")
        copy += 1
    return files


def parts(files: list[Path]) -> dict[str, list[Path]]:
    """The corpus split by kind of code: Keras's applications with the fixtures that build
    them (a few lines of a builder make hundreds of layers), and the user-style fixtures."""
    builders = [p for p in files if p.parent.name == "applications"]
    return {"keras.applications code": builders,
            "user-style fixtures": [p for p in files if p.parent.name != "applications"]}


def best_of(repeat: int, action) -> float:
    times = []
    for _ in range(repeat):
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
    """A long model, written at the top level of the file or inside one builder function."""
    indent = "    " if in_function else ""
    body = ["inputs = keras.Input(shape=(64,))", "x = inputs"]
    while len(body) < lines - 6:
        body.append(f"x = layers.Dense({32 + len(body) % 32}, activation=\"relu\")(x)")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=0, help="replicate the corpus to at least this many lines")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is kept")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    tune_garbage_collector()  # as the kgraphlint command does

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "corpus"
        files = build_corpus(folder, args.lines)
        lines = lines_in(files)
        cache_dir = Path(scratch) / "cache"
        paths = [str(folder)]

        parse = best_of(args.repeat, lambda: bare_parse(files))
        # Cold: nothing kept from an earlier run, not even the parsed modules.
        cold = best_of(args.repeat, lambda: (parse_module.cache_clear(), check_paths(paths, Overrides(), jobs=1)))
        parallel = best_of(args.repeat, lambda: (parse_module.cache_clear(),
                                                 check_paths(paths, Overrides(), jobs=args.jobs)))
        check_paths(paths, Overrides(), jobs=1, cache=ResultCache(cache_dir))
        warm = best_of(args.repeat, lambda: check_paths(paths, Overrides(), jobs=1, cache=ResultCache(cache_dir)))
        pylint = pylint_seconds(folder)
        by_part = {name: (len(part), lines_in(part), best_of(args.repeat, lambda: bare_parse(part)),
                          best_of(args.repeat, lambda: (parse_module.cache_clear(),
                                                        check_paths([str(p) for p in part], Overrides(), jobs=1))))
                   for name, part in parts(files).items()}
        editor = editor_recheck(model_file(1000), max(5, args.repeat))
        editor_function = editor_recheck(model_file(1000, in_function=True), max(5, args.repeat), "    ")

    print(f"corpus: {len(files)} files, {lines:,} lines (keras applications + fixtures)\n")
    print(f"{'run':<34}{'seconds':>9}{'lines/s':>11}")
    rows = [("libcst parse (bare)", parse), ("kgraphlint cold (1 process)", cold),
            (f"kgraphlint cold (--jobs {args.jobs})", parallel), ("kgraphlint warm (cache)", warm)]
    if pylint is not None:
        rows.append(("pylint --disable=all --enable=E", pylint))
    for label, seconds in rows:
        print(f"{label:<34}{seconds:>9.3f}{lines / seconds:>11,.0f}")
    ratios = {"cold / parse": cold / parse, "cold / warm": cold / warm}
    if pylint is not None:
        ratios["pylint / cold"] = pylint / cold
    print()
    for name, value in ratios.items():
        direction, target = TARGETS[name]
        met = value <= target if direction == "at most" else value >= target
        print(f"{name:<16}{value:>8.2f}x   target {direction} {target:g}x   {'met' if met else 'NOT met'}")
    default_jobs = f"{parallel / parse:.2f}x the parse" + (f", {pylint / parallel:.2f}x faster than pylint"
                                                       if pylint is not None else "")
    default = ", the default on this machine" if args.jobs == os.cpu_count() else ""
    print(f"{'':<16}(cold with --jobs {args.jobs}{default}: {default_jobs})")
    print("\nby part, 1 process:")
    for name, (count, part_lines, part_parse, part_cold) in by_part.items():
        print(f"  {name:<26}{count:>4} files {part_lines:>7,} lines   parse {part_parse:6.3f} s   "
              f"cold {part_cold:6.3f} s   {part_cold / part_parse:5.2f}x the parse")
    print()
    for label, seconds in (("at the top level", editor), ("in a function", editor_function)):
        print(f"{'editor re-check':<16}{seconds * 1000:>7.0f} ms  for a 1,000-line model file, {label:<16}"
              f"  target under 150 ms   {'met' if seconds < 0.150 else 'NOT met'}")
    if pylint is None:
        print("\npylint is not installed (pip install pylint) so its ratio was not measured")


if __name__ == "__main__":
    main()
