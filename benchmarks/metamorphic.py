"""The long run of the metamorphic soundness check (tests/metamorphic.py): for every program
in fixtures/ (and any folders given), hide each of up to ``--per-program`` expressions in
turn and report every violation: an error or warning that appears elsewhere, or a known
shape or count that changes.

    python benchmarks/metamorphic.py [--per-program 40] [--seed 0] [extra folders ...]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from metamorphic import candidate_sites, facts, violations  # noqa: E402


def programs(folders: list[Path]) -> list[Path]:
    found = []
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            try:
                candidate_sites(path.read_text())
            except Exception:  # a program libcst cannot parse (the syntax-error fixture)
                continue
            found.append(path)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--per-program", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    started = time.perf_counter()
    mutations = failures = 0
    paths = programs([ROOT / "fixtures", *options.folders])
    for path in paths:
        text = path.read_text()
        sites = candidate_sites(text)
        original = facts(text, path.name)
        for site in rng.sample(sites, min(len(sites), options.per_program)):
            mutations += 1
            problems = violations(text, site, path.name, original)
            if problems:
                failures += 1
                print(f"{path}: hiding the {site.kind} at line {site.line}: {problems}")
    print(f"{len(paths)} programs, {mutations} mutations, {failures} violations, "
          f"{time.perf_counter() - started:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
