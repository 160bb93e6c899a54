"""Every rule's own examples: a bad program yields exactly that rule's findings, a good one none."""

from __future__ import annotations

import textwrap

import pytest

from kgraphlint.checking import check_source
from kgraphlint.registry import all_rules

RULES = all_rules()
#: rules whose findings come from building with real Keras: tests/test_build.py runs their examples
STATIC_RULES = [rule for rule in RULES if not getattr(rule, "requires_build", False)]
BAD = [(rule, i, example) for rule in STATIC_RULES for i, example in enumerate(rule.bad)]
GOOD = [(rule, i, example) for rule in STATIC_RULES for i, example in enumerate(rule.good)]


def label(case) -> str:
    rule, index, _ = case
    return f"{rule.code}-{rule.name}-{index}"


def test_every_rule_documents_itself():
    assert len(RULES) >= 14
    for rule in RULES:
        assert rule.code.startswith("KGL") and len(rule.code) == 6
        assert rule.name == rule.name.lower() and " " not in rule.name
        # A crosscheck mismatch is a kgraphlint bug: it has no bad example, only a test that simulates one.
        assert rule.summary and (rule.bad or rule.code == "KGL902") and rule.good
        doc = rule.rationale()
        for section in ("## What it does", "## Why is this bad?", "## How to fix"):
            assert section in doc, f"{rule.code} lacks {section}"


@pytest.mark.parametrize("case", BAD, ids=[label(c) for c in BAD])
def test_bad_example_is_found(case):
    rule, _, example = case
    findings = check_source(textwrap.dedent(example), f"example{rule.example_suffix}")
    assert findings, f"{rule.code} found nothing in its own bad example"
    assert {f.code for f in findings} == {rule.code}, [f"{f.code}: {f.message}" for f in findings]
    for finding in findings:
        assert finding.name == rule.name
        assert finding.line >= 1 and finding.column >= 1
        assert (finding.end_line, finding.end_column) >= (finding.line, finding.column)


@pytest.mark.parametrize("case", GOOD, ids=[label(c) for c in GOOD])
def test_good_example_is_clean(case):
    rule, _, example = case
    findings = check_source(textwrap.dedent(example), f"example{rule.example_suffix}")
    assert findings == [], [f"{f.code}: {f.message}" for f in findings]


def test_readme_rules_table_is_current():
    import sys

    from conftest import ROOT

    sys.path.insert(0, str(ROOT / "scripts"))
    from update_readme_rules import updated_readme

    readme = (ROOT / "README.md").read_text()
    assert updated_readme(readme) == readme, "run: python scripts/update_readme_rules.py"
    for rule in RULES:
        assert f"| {rule.code} | {rule.name} |" in readme
