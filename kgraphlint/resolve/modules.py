"""Find the source file of a module a program imports, without importing anything.

``from .blocks import conv_block`` names a file beside the importer; ``from mypkg.layers
import attention`` one under the importer's project root or on ``sys.path`` (an installed
package's source). Keras, TensorFlow and NumPy themselves are never followed: kgraphlint
models what they mean instead. The exception is ``keras.applications``: those are model
builders written in plain Keras, and reading them is how ``ResNet50(weights=None)`` gets
its layers.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import libcst as cst

from kgraphlint.resolve.symbols import canonical_module
from kgraphlint.source.files import read_bytes
from kgraphlint.source.parse import limit_problem, parse_imported
from kgraphlint.source.parse_store import installed

#: packages whose meaning kgraphlint models (or that hold no model builders)
NOT_FOLLOWED = frozenset({"keras", "tensorflow", "tf_keras", "numpy", "sklearn", "scipy", "pandas", "torch",
                          "jax", "matplotlib", "os", "sys", "typing"})

#: parts of Keras that are model-building code like any user's, read from the installed source
FOLLOWED_KERAS = ("keras.applications", "keras.src.applications")


@lru_cache(maxsize=4096)
def followed_keras(dotted: str) -> str | None:
    """The installed module path of a ``keras.applications`` name (however it was reached:
    tf.keras, tensorflow.keras, keras.src), or None for the rest of Keras."""
    path = canonical_module(dotted)
    return path if any(path == root or path.startswith(root + ".") for root in FOLLOWED_KERAS) else None


def split_relative(dotted: str) -> tuple[int, str]:
    """``..pkg.mod`` -> (2, "pkg.mod")"""
    level = len(dotted) - len(dotted.lstrip("."))
    return level, dotted[level:]


@lru_cache(maxsize=1024)
def project_root(importer: Path) -> Path:
    """The folder a program's absolute imports start from: above its outermost package."""
    folder = importer.parent
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        folder = folder.parent
    return folder


def module_file(module: str, importer: str | None) -> tuple[Path | None, tuple[Path, ...]]:
    """The .py file of ``module`` (``pkg.mod`` or relative ``.mod``) as ``importer`` sees it,
    and the places looked at before, where it was not: a file created there later would be
    found instead, so what the importer means depends on them too (the cache's dependencies)."""
    absent = []
    for candidate in candidates(module, importer):
        if candidate.is_file():
            return candidate, tuple(absent)
        absent.append(candidate)
    return None, tuple(absent)


def candidates(module: str, importer: str | None) -> Iterator[Path]:
    """Where the file of ``module`` may be, in the order Python looks (nothing for the
    packages kgraphlint does not follow)."""
    level, name = split_relative(module)
    if level:
        if importer is None:
            return
        base = Path(importer).parent
        for _ in range(level - 1):
            base = base.parent
        yield from _in_folder(base, name)
        return
    name = followed_keras(name) or name
    top = name.split(".", 1)[0]
    if not name or (top in NOT_FOLLOWED and followed_keras(name) is None) or top in sys.stdlib_module_names:
        return
    roots = [project_root(Path(importer))] if importer is not None else []
    for root in [*roots, *map(Path, search_path())]:
        yield from _in_folder(root, name)


@lru_cache(maxsize=1)
def search_path() -> tuple[str, ...]:
    return tuple(entry for entry in sys.path if entry and Path(entry).is_dir())


MAX_MODULE_BYTES = 400_000


def parsed(path: Path) -> cst.Module | None:
    """The module's code, parsed (or, when the same text was parsed before in this process,
    shared: libcst trees are immutable); None when it cannot be read, is too large or does
    not parse."""
    try:
        text = read_bytes(path, MAX_MODULE_BYTES).decode("utf-8")
        # The same guard as for the analysed file: libcst's parser crashes the process on
        # very deep nesting, and takes time and memory with the square of the depth.
        if limit_problem(text, str(path)) is not None:
            return None
        return parse_imported(text, installed(path))
    except Exception:  # unreadable or unparsable: that module stays unknown
        return None


def _in_folder(folder: Path, name: str) -> Iterator[Path]:
    path = folder.joinpath(*name.split(".")) if name else folder
    if name:
        yield path.with_suffix(".py")
    yield path / "__init__.py"
