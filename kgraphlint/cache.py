"""A cache of check results, so an unchanged file is not parsed again.

An entry is keyed by the file's content, the settings that apply to it and kgraphlint
itself (its version and a fingerprint of its own source files, so an edited checkout never
reuses stale results). Entries live in ``.kgraphlint_cache/`` beside the nearest
pyproject.toml (or in the working directory), or where ``KGRAPHLINT_CACHE_DIR`` says.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

from kgraphlint import __version__
from kgraphlint.config import Settings, absolute
from kgraphlint.digest import new_digest
from kgraphlint.registry import remember_names_in
from kgraphlint.rule import Edit, Finding, Fix, Related, Severity
from kgraphlint.source.files import file_digest
from kgraphlint.source.source_file import SourceFile

CACHE_DIR_NAME = ".kgraphlint_cache"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """kgraphlint's version and the size and mtime of its source files, in every stage
    package (rules included) and its data."""
    import kgraphlint
    import kgraphlint.rules

    digest = new_digest(__version__.encode())
    for package in (kgraphlint, kgraphlint.rules):
        for name, stat in sorted(source_files(os.path.dirname(package.__file__))):
            digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def source_files(folder: str, prefix: str = "") -> list[tuple[str, os.stat_result]]:
    """(path below ``folder``, stat) of its .py files, in every subfolder, and of data/*.json.
    With os.scandir: every run that reads the cache computes the fingerprint, and pathlib's
    rglob costs several times as much."""
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir() and entry.name != "__pycache__":
                found += source_files(entry.path, f"{prefix}{entry.name}/")
            elif entry.name.endswith(".py") or (prefix == "data/" and entry.name.endswith(".json")):
                found.append((prefix + entry.name, entry.stat()))
    return found


def cache_root(start: Path) -> Path:
    """Where the cache for files under ``start`` lives."""
    override = os.environ.get("KGRAPHLINT_CACHE_DIR")
    if override:
        return Path(override)
    start = absolute(start)
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        if (candidate / "pyproject.toml").is_file():
            return candidate / CACHE_DIR_NAME
    return Path.cwd() / CACHE_DIR_NAME


def finding_from_json(data: dict) -> Finding:
    fix = data.get("fix")
    return Finding(
        data["path"], data["line"], data["column"], data["end_line"], data["end_column"], data["code"],
        data["name"], Severity(data["severity"]), data["message"],
        tuple(Related(r["path"], r["line"], r["column"], r["message"], r.get("cell")) for r in data["related"]),
        None if fix is None else Fix(fix["message"], tuple(Edit(**e) for e in fix["edits"])),
        data.get("cell"),
    )


class ResultCache:
    def __init__(self, root: Path) -> None:
        self.root = root / code_fingerprint()
        #: installed packages' parsed modules (kgraphlint.source.parse_store), whatever version
        #: of kgraphlint reads them
        self.parses = root / "parsed"
        #: library calls replayed from installed packages' code (kgraphlint.interpret.call_memo),
        #: kept while kgraphlint's code is this one
        self.calls = root / "calls" / code_fingerprint()
        # the rules' names, so that a run whose results are all cached needs not load them
        remember_names_in(self.root / "rules.json")

    @staticmethod
    def key(source: SourceFile, settings: Settings) -> str:
        digest = new_digest()
        digest.update(source.path.encode())
        digest.update(b"\0")
        digest.update(source.text.encode())
        digest.update(b"\0")
        digest.update((source.document or "").encode())
        digest.update(repr(settings).encode())
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> list[Finding] | None:
        """The findings stored under key, unless a module the file imports has changed since."""
        try:
            data = json.loads(self._path(key).read_text())
            if any(file_digest(path) != digest for path, digest in data["dependencies"].items()):
                return None
            return [finding_from_json(item) for item in data["findings"]]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def put(self, key: str, findings: list[Finding], dependencies: list[str] = ()) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            ignore = self.root.parent / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Created by kgraphlint\n*\n")
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            entry = {"findings": [f.to_json() for f in findings],
                     "dependencies": {path: file_digest(path) for path in dependencies}}
            temporary.write_text(json.dumps(entry))
            temporary.replace(path)  # atomic: a reader never sees half an entry
        except OSError:
            pass  # a cache that cannot be written only costs speed
