"""kgraphlint: a static checker for Keras model code.

The public API:

    check_source(text, path)   -> list[Finding]    check a program given as text
    check_paths([paths])       -> CheckResult      check files and directories
    analyze_source(SourceFile) -> FileAnalysis     the extracted models and facts
    model_summary(analysis, model) -> dict         one model's summary (the JSON contract)
"""

__version__ = "0.1.0"

from kgraphlint.analysis import analyze_source  # noqa: E402
from kgraphlint.checking import check_paths, check_source  # noqa: E402
from kgraphlint.graph.summary import model_summary  # noqa: E402

__all__ = ["__version__", "analyze_source", "check_paths", "check_source", "model_summary"]
