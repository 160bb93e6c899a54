"""Regenerate the rules table in README.md from the rules themselves.

    python scripts/update_readme_rules.py

The table sits between the `<!-- rules:start -->` and `<!-- rules:end -->` markers;
tests/test_rule_examples.py fails when it is out of date.
"""

from __future__ import annotations

import re
from pathlib import Path

from kgraphlint.registry import all_rules

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- rules:start -->", "<!-- rules:end -->"
GROUPS = {"correctness": "Bugs", "design": "Design smells", "build": "With --build"}


def rules_table() -> str:
    lines = []
    for category, title in GROUPS.items():
        rules = [r for r in all_rules() if r.category == category]
        if not rules:
            continue
        lines += [f"**{title}**", "", "| code | name | severity | fix | finds |", "|---|---|---|---|---|"]
        lines += [f"| {r.code} | {r.name} | {r.severity.value} | {'yes' if r.fixable else ''} | {r.summary} |"
                  for r in rules]
        lines.append("")
    return "\n".join(lines).rstrip()


def updated_readme(text: str) -> str:
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
    return pattern.sub(f"{START}\n{rules_table()}\n{END}", text)


if __name__ == "__main__":
    README.write_text(updated_readme(README.read_text()))
    print(f"updated {README}")
