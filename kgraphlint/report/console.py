"""The rich console that full output, summaries and the rule catalogue print with.

rich loads only here, when something is printed with it: JSON, SARIF, GitHub and concise
output never need it (a pre-commit hook's cached run should not pay for it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console


def console_on(file: TextIO | None = None, no_color: bool = False) -> "Console":
    from rich.console import Console

    return Console(no_color=no_color, highlight=False, soft_wrap=True, file=file)
