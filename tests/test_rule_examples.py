"""Every rule's own examples: a bad program yields exactly that rule's findings, a good one none."""

from __future__ import annotations

import textwrap

import pytest

from kgraphlint.checking import check_source
from kgraphlint.fixes.apply import fixed_text
from kgraphlint.registry import all_rules
from kgraphlint.rule import Invalid

RULES = all_rules()
#: rules whose findings come from building with real Keras: tests/test_build.py runs their examples
STATIC_RULES = [rule for rule in RULES if not rule.category == "build"]
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


def test_every_bad_example_pins_its_spans_and_fixes():
    for rule in STATIC_RULES:
        for example in rule.bad:
            assert isinstance(example, Invalid), f"{rule.code}: a bad example without its expected spans"
            assert (example.fixed is not None) == rule.fixable, f"{rule.code}: fixed text iff the rule has a fix"


@pytest.mark.parametrize("case", BAD, ids=[label(c) for c in BAD])
def test_bad_example_is_found(case):
    rule, _, example = case
    program = textwrap.dedent(example.code)
    path = f"example{rule.example_suffix}"
    findings = check_source(program, path)
    assert findings, f"{rule.code} found nothing in its own bad example"
    assert {f.code for f in findings} == {rule.code}, [f"{f.code}: {f.message}" for f in findings]
    assert all(finding.name == rule.name for finding in findings)
    assert tuple((f.line, f.column, f.end_line, f.end_column) for f in findings) == example.spans
    if example.fixed is not None:
        assert fixed_text(path, program, lambda text: check_source(text, path)).text == example.fixed


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
