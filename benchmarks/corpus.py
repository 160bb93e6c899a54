"""How much of real Keras code nobody here wrote kgraphlint sees, and what it says about it.

    python benchmarks/corpus.py [--scratch /tmp/kgl-corpus] [--json numbers.json] [--only NAME ...]

Downloads the packages below by name, at the pinned versions, into a virtual environment
under ``--scratch`` (``--system-site-packages``, for the TensorFlow and Keras already
installed; nothing goes into the shared site-packages), and runs this repository's
kgraphlint through its public CLI on each package's source (``*_test.py`` left out: tests
build wrong models on purpose), on keras/src of the installed keras, and on the user-style
programs in benchmarks/corpus_programs (which use those libraries as their READMEs show):

- ``kgraphlint summary --format json``: the models extracted, fully (every output shape and
  parameter count known) or partly, and how many have opaque nodes (rows marked "opaque":
  calls kgraphlint could not see into);
- ``kgraphlint summary --stats --format json``: layer calls, the share with fully known
  shapes, and the top reasons shapes were lost;
- ``kgraphlint check --format json --no-cache``: findings by code and severity, and every
  error and warning in full (on this correct code each is presumed a false alarm).

The denominator is counted without kgraphlint: the model construction sites of
benchmarks/corpus_sites.py (its docstring defines them), of which a site is extracted when
the summary lists a model of its file at one of its lines. For each user program the
summary is also compared with the truth real Keras gives (``<name>.expected.json``, written
by benchmarks/corpus_truth.py): models and layer rows equal in every field.

Printed as Markdown tables to paste into a closing note; ``--json`` also writes every number
(and the error/warning findings) for a before/after comparison. kgraphlint runs under the
environment's Python so that imports of the libraries resolve to their installed source.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import corpus_sites

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = Path(__file__).resolve().parent / "corpus_programs"
#: installed with their dependencies (image-classifiers, efficientnet and keras-applications
#: are segmentation-models' own, pinned to what it resolved to; tf-keras must match the TensorFlow installed)
PINNED = ("keras-hub==0.32.0", "segmentation-models==1.0.1", "image-classifiers==1.0.0", "efficientnet==1.0.0",
          "keras-applications==1.0.8", "tf-keras==2.21.0")
#: installed without dependencies: keras-tcn 3.5.7 declares tensorflow-macos on every platform
PINNED_NO_DEPS = ("keras-tcn==3.5.7",)
SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Package:
    name: str
    folder: str  # under site-packages, or "keras/src" of the installed keras

    @property
    def context(self) -> str:
        """The package the folder is part of: where its classes' bases are defined."""
        return self.folder.split("/")[0]


PACKAGES = (
    Package("keras-hub", "keras_hub/src/models"),
    Package("keras-tcn", "tcn"),
    Package("segmentation-models", "segmentation_models"),
    Package("image-classifiers", "classification_models"),
    Package("tf-keras", "tf_keras/src/applications"),
    Package("keras", "keras/src"),
)
USER_PROGRAMS = "user programs"


def environment(scratch: Path) -> Path:
    """The scratch virtual environment's python, the pinned packages installed in it."""
    venv = scratch / "venv"
    python = venv / "bin" / "python"
    marker = venv / "corpus-pins.txt"
    pins = "\n".join(PINNED + PINNED_NO_DEPS)
    if marker.is_file() and marker.read_text() == pins:
        return python
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *PINNED], check=True)
    subprocess.run([*pip, "--no-deps", *PINNED_NO_DEPS], check=True)
    marker.write_text(pins)
    return python


def site_packages(python: Path) -> tuple[Path, Path]:
    """(the environment's own site-packages, the folder holding the installed keras)."""
    script = ("import importlib.util, sysconfig; "
              "print(sysconfig.get_paths()['purelib']); print(importlib.util.find_spec('keras').origin)")
    out = subprocess.run([str(python), "-c", script], check=True, capture_output=True, text=True).stdout.split("\n")
    return Path(out[0]), Path(out[1]).parent.parent


def sources(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if not p.name.endswith("_test.py"))


def kgraphlint(python: Path, args: list[str], files: list[Path]) -> tuple[object, float]:
    """The JSON a kgraphlint command prints, and the seconds it took."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    start = time.perf_counter()
    result = subprocess.run([str(python), "-m", "kgraphlint", *args, *map(str, files)],
                            capture_output=True, text=True, env=env, cwd=ROOT)
    seconds = time.perf_counter() - start
    try:
        return json.loads(result.stdout), seconds
    except json.JSONDecodeError:
        sys.exit(f"kgraphlint {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-3000:]}")


def partly_known(model: dict) -> bool:
    """A summary with a shape or count it does not know ("?" or null in the JSON contract)."""

    def unknown(shape: object) -> bool:
        if shape == "?":
            return True
        return isinstance(shape, list) and any(unknown(d) if isinstance(d, list) else d == "?" for d in shape)

    return model.get("total_params") is None or any(
        unknown(layer["output_shape"]) or layer["params"] is None for layer in model["layers"])


def measure(name: str, files: list[Path], sites: list[corpus_sites.Site], python: Path) -> dict:
    models, summary_s = kgraphlint(python, ["summary", "--format", "json"], files)
    stats, _ = kgraphlint(python, ["summary", "--stats", "--format", "json"], files)
    findings, check_s = kgraphlint(python, ["check", "--format", "json", "--no-cache", "--exit-zero"], files)
    stats = stats["stats"]
    model_lines = {(str(Path(m["path"]).resolve()), m["line"]) for m in models}
    extracted = [s for s in sites if any((s.path, line) in model_lines for line in range(s.line, s.end_line + 1))]
    partly = sum(partly_known(m) for m in models)
    return {
        "package": name,
        "files": len(files),
        "lines": sum(p.read_text(errors="replace").count("\n") for p in files),
        "sites": len(sites),
        "sites_extracted": len(extracted),
        # "kind in scope": [found, extracted]
        "sites_by_kind": {where: [n, sum(where == f"{s.kind} in {s.scope}" for s in extracted)]
                          for where, n in sorted(Counter(f"{s.kind} in {s.scope}" for s in sites).items())},
        "sites_missed": [f"{s.path}:{s.line} {s.kind} in {s.scope}: {s.text}" for s in sites if s not in extracted],
        "models": len(models),
        "models_fully_known": len(models) - partly,
        "models_partly_known": partly,
        "models_with_opaque_nodes": sum(any("opaque" in row for row in m["layers"]) for m in models),
        "layer_calls": stats["layer_calls"],
        "layer_calls_fully_known": stats["fully_known"],
        "reasons": stats["reasons"],
        "findings": dict(sorted(Counter(f"{f['code']} {f['name']} ({f['severity']})" for f in findings).items())),
        "findings_by_severity": {s: sum(f["severity"] == s for f in findings) for s in SEVERITIES},
        "alarms": [{"where": f"{f['path']}:{f['line']}", "code": f["code"], "name": f["name"],
                    "severity": f["severity"], "message": f["message"]}
                   for f in findings if f["severity"] in ("error", "warning")],
        "seconds": {"summary": round(summary_s, 1), "check": round(check_s, 1)},
    }


def compare_with_keras(program: Path, python: Path) -> dict:
    """How many of the models and layer rows real Keras gives kgraphlint's summary equals."""
    truth_file = program.with_suffix(".expected.json")
    truth = json.loads(truth_file.read_text()) if truth_file.is_file() else []
    got, _ = kgraphlint(python, ["summary", "--format", "json"], [program])
    by_name: dict[str, list[dict]] = {}
    for model in got:
        by_name.setdefault(model["name"], []).append({k: v for k, v in model.items() if k != "path"})
    models = layers = layers_equal = 0
    for expected in truth:
        # models pair by name, in order: the name Keras gives is the one kgraphlint must give
        candidates = by_name.get(expected["name"], [])
        mine = candidates.pop(0) if candidates else None
        models += mine == expected
        rows = {row["name"]: row for row in (mine or {}).get("layers", [])}
        layers += len(expected["layers"])
        layers_equal += sum(rows.get(row["name"]) == row for row in expected["layers"])
    return {"program": program.name, "models_keras": len(truth), "models_kgraphlint": len(got),
            "models_equal": models, "layers_keras": layers, "layers_equal": layers_equal}


def share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "-"


def all_packages(results: list[dict]) -> dict:
    """The row of all packages together."""
    row = {key: sum(r[key] for r in results) for key in (
        "files", "lines", "sites", "sites_extracted", "models", "models_fully_known", "models_partly_known",
        "models_with_opaque_nodes", "layer_calls", "layer_calls_fully_known")}
    row["findings_by_severity"] = {s: sum(r["findings_by_severity"][s] for r in results) for s in SEVERITIES}
    return {"package": "**all**", **row}


def report(results: list[dict], programs: list[dict]) -> list[str]:
    out = ["| package | files | lines | sites | sites extracted | models (fully / partly known; with opaque nodes) "
           "| layer calls | fully known | errors / warnings / infos |",
           "|---|---|---|---|---|---|---|---|---|"]
    for r in [*results, all_packages(results)] if len(results) > 1 else results:
        sev = r["findings_by_severity"]
        out.append(f"| {r['package']} | {r['files']:,} | {r['lines']:,} | {r['sites']:,} | "
                   f"{r['sites_extracted']:,} ({share(r['sites_extracted'], r['sites'])}) | "
                   f"{r['models']:,} ({r['models_fully_known']:,} / {r['models_partly_known']:,}; "
                   f"{r['models_with_opaque_nodes']:,}) | "
                   f"{r['layer_calls']:,} | {share(r['layer_calls_fully_known'], r['layer_calls'])} | "
                   f"{sev['error']} / {sev['warning']} / {sev['info']} |")
    out += ["", "Sites by kind and scope (extracted / found):", ""]
    for r in results:
        kinds = ", ".join(f"{where} {extracted}/{n}" for where, (n, extracted) in r["sites_by_kind"].items())
        out.append(f"- {r['package']}: {kinds or 'none'}")
    if programs:
        out += ["", "| user program | models (Keras / kgraphlint / equal) | layer rows equal |", "|---|---|---|"]
        for p in programs:
            out.append(f"| {p['program']} | {p['models_keras']} / {p['models_kgraphlint']} / {p['models_equal']} | "
                       f"{p['layers_equal']}/{p['layers_keras']} ({share(p['layers_equal'], p['layers_keras'])}) |")
        total = {k: sum(p[k] for p in programs) for k in ("models_keras", "models_equal", "layers_keras", "layers_equal")}
        out.append(f"| all | {total['models_keras']} / - / {total['models_equal']} | "
                   f"{total['layers_equal']}/{total['layers_keras']} ({share(total['layers_equal'], total['layers_keras'])}) |")
    for r in results:
        out += ["", f"### {r['package']}", "", "Findings: " + (", ".join(f"{k}: {n}" for k, n in r["findings"].items()) or "none")]
        if r["reasons"]:
            out += ["", "Top reasons shapes were lost (`--stats`):"]
            out += [f"- {x['count']:,} {x['reason']} (first: {x['example']})" for x in r["reasons"]]
        if r["alarms"]:
            out += ["", "Errors and warnings:"]
            out += [f"- {a['where']}: {a['code']} {a['name']} ({a['severity']}): {a['message']}" for a in r["alarms"]]
    return out


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/kgl-corpus"))
    parser.add_argument("--json", type=Path, help="also write every number to this file")
    parser.add_argument("--only", nargs="*", help="package names to measure (default: all, and the user programs)")
    args = parser.parse_args(argv)
    python = environment(args.scratch)
    libraries, keras_root = site_packages(python)
    home = {p.name: keras_root if p.folder.startswith("keras/") else libraries for p in PACKAGES}
    folders = {p.name: home[p.name] / p.folder for p in PACKAGES}
    folders[USER_PROGRAMS] = PROGRAMS
    files = {name: sources(folder) for name, folder in folders.items()}
    # one scan over everything: a user program's BertBackbone(...) is a site because
    # keras-hub's source says BertBackbone is a Model subclass (through keras_hub/src/utils)
    context = [p for package in PACKAGES for p in sources(home[package.name] / package.context)]
    sites = corpus_sites.scan((p for paths in files.values() for p in paths), context)
    results, programs = [], []
    for name, folder in folders.items():
        if args.only and name not in args.only:
            continue
        inside = [s for s in sites if Path(s.path).is_relative_to(folder.resolve())]
        print(f"measuring {name} ({len(files[name])} files)...", file=sys.stderr)
        results.append(measure(name, files[name], inside, python))
        if name == USER_PROGRAMS:
            programs = [compare_with_keras(p, python) for p in files[name]]
    # paths as a reader knows them: below site-packages, or below this repository
    text = json.dumps({"packages": results, "programs": programs})
    for prefix in (libraries, keras_root, ROOT):
        text = text.replace(f"{prefix}/", "")
    numbers = json.loads(text)
    lines = report(numbers["packages"], numbers["programs"])
    print("\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps(numbers, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
