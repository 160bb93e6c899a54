"""Record, or compare with a recording, what kgraphlint prints as JSON for two trees.

    python scripts/record_outputs.py record OUT_DIR
    python scripts/record_outputs.py compare OUT_DIR

The trees are the repository's fixtures/ and keras/src/applications of the installed keras
package (found without importing it). For each, ``kgraphlint check --format json`` and
``kgraphlint summary --format json`` are run without the cache; ``record`` writes their
output to OUT_DIR, ``compare`` reruns them and reports every file that is not
byte-identical (exit 1). A refactoring that must not change behaviour is checked this way:
record on the commit before it, compare after.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def trees() -> dict[str, Path]:
    keras = importlib.util.find_spec("keras")
    if keras is None or not keras.submodule_search_locations:
        sys.exit("keras is not installed: its applications are one of the recorded trees")
    applications = Path(next(iter(keras.submodule_search_locations))) / "src" / "applications"
    return {"fixtures": ROOT / "fixtures", "applications": applications}


def run(command: str, tree: Path) -> bytes:
    # Paths are printed relative to the working directory: run inside the tree's parent so
    # that recordings made from different checkouts compare equal.
    result = subprocess.run(
        [sys.executable, "-m", "kgraphlint", command, "--format", "json", *(
            ["--no-cache", "--exit-zero"] if command == "check" else []), tree.name],
        cwd=tree.parent, capture_output=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    if result.returncode not in (0, 1):
        sys.exit(f"kgraphlint {command} {tree} exited {result.returncode}:\n{result.stderr.decode()}")
    return result.stdout


def outputs() -> dict[str, bytes]:
    return {f"{name}.{command}.json": run(command, tree)
            for name, tree in trees().items() for command in ("check", "summary")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["record", "compare"])
    parser.add_argument("directory", type=Path)
    options = parser.parse_args()
    if options.action == "record":
        options.directory.mkdir(parents=True, exist_ok=True)
        for name, data in outputs().items():
            (options.directory / name).write_bytes(data)
            print(f"recorded {name} ({len(data):,} bytes)")
        return 0
    differ = 0
    for name, data in outputs().items():
        same = (options.directory / name).read_bytes() == data
        differ += not same
        print(f"{'identical' if same else 'DIFFERS  '} {name} ({len(data):,} bytes)")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
