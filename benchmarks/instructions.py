"""Count the instructions a cold check executes, against a bare libcst parse: a measure that
does not move with the machine's load (benchmarks/run.py's timings vary by 15-20% from run
to run on a shared 2-core machine, more than most changes it should judge).

    python benchmarks/instructions.py [--part user|library]      # needs valgrind

Each measurement runs in its own process under callgrind, which counts the instructions of
every thread (libcst parses on one of its own) between two marks the process sets itself,
after its imports and a first check that loads every module and fills the parse store.
Printed: instructions of the bare parse of the part's files, of a cold check (no result
cached; installed packages' parsed modules and the library calls replayed from them kept:
kgraphlint.source.parse_store, kgraphlint.interpret.call_memo) and of a cold check with
nothing kept (``--no-cache``), with their ratios to the parse. Instructions
are not time: libcst's parser is Rust and runs more instructions per cycle than the Python
interpreter, so the ratios of times are higher than these.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODES = ("parse", "cold", "nothing kept")


def measured(mode: str, part: str) -> None:
    """Inside callgrind: prepare, then count only ``mode``'s run."""
    sys.path.insert(0, str(HERE))
    import run as bench

    from kgraphlint.cache import ResultCache
    from kgraphlint.checking import check_paths
    from kgraphlint.cli import tune_garbage_collector
    from kgraphlint.config import Overrides
    from kgraphlint.source.parse import forget_parsed

    tune_garbage_collector()
    sources = bench.user_style_sources() if part == "user" else bench.library_sources([])
    with tempfile.TemporaryDirectory() as scratch:
        files = bench.replicate(sources, Path(scratch) / "code", 0)
        paths = [str(Path(scratch) / "code")]
        cache = ResultCache(Path(scratch) / "cache")
        check_paths(paths, Overrides(), jobs=1, cache=cache)  # loads everything, fills the store
        forget_parsed()
        shutil.rmtree(cache.root, ignore_errors=True)
        mark("--zero")
        if mode == "parse":
            bench.bare_parse(files)
        else:
            check_paths(paths, Overrides(), jobs=1, cache=cache if mode == "cold" else None)
        mark("--dump")


def mark(action: str) -> None:
    subprocess.run(["callgrind_control", action, str(os.getpid())], capture_output=True, check=True)


def count(mode: str, part: str) -> int:
    """The instructions between the marks, counted by callgrind in a new process."""
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/callgrind.%p",
                        os.path.realpath(sys.executable), __file__, "--measure", mode, "--part", part],
                       capture_output=True, check=True)
        dumps = list(Path(out).glob("callgrind.*.1"))  # the dump --dump asked for
        found = re.search(r"^summary: (\d+)", dumps[0].read_text(), re.MULTILINE) if dumps else None
        if found is None:
            sys.exit("callgrind wrote no dump between the marks")
        return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=("user", "library"), default="user")
    parser.add_argument("--measure", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure is not None:
        measured(args.measure, args.part)
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed")
    counts = {mode: count(mode, args.part) for mode in MODES}
    print(f"{args.part} code, instructions (callgrind)")
    for mode, instructions in counts.items():
        ratio = "" if mode == "parse" else f"   {instructions / counts['parse']:.2f}x the parse"
        print(f"  {mode:<14}{instructions:>16,}{ratio}")


if __name__ == "__main__":
    main()
