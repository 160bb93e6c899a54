"""kgraphlint: a static checker for Keras model code.

The public API:

    check_source(text, path)   -> list[Finding]    check a program given as text
    check_paths([paths])       -> CheckResult      check files and directories
    analyze_source(SourceFile) -> FileAnalysis     the extracted models and facts
    model_summary(analysis, model) -> dict         one model's summary (the JSON contract)
"""

from __future__ import annotations

from importlib import import_module

__version__ = "0.1.0"

#: where each public name lives; imported on first use, so that ``kgraphlint --version``
#: and a run whose results are all cached never load libcst or the engine
_PUBLIC = {
    "analyze_source": "kgraphlint.analysis",
    "check_paths": "kgraphlint.checking",
    "check_source": "kgraphlint.checking",
    "model_summary": "kgraphlint.graph.summary",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> object:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'kgraphlint' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
