"""Hiding any expression of a fixture program never adds an error or warning elsewhere, nor
changes a shape or count kgraphlint still knows (tests/metamorphic.py says how). CI runs
EXAMPLES drawn (program, expression) pairs; benchmarks/metamorphic.py runs thousands."""

from __future__ import annotations

import os
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from metamorphic import candidate_sites, facts, hide, middle_call_sites, model_lines, violations

from kgraphlint.checking import check_source
from kgraphlint.rule import Severity

EXAMPLES = int(os.environ.get("KGRAPHLINT_METAMORPHIC_EXAMPLES", "40"))
PROGRAMS = sorted(p for folder in ("models", "bugs", "data", "applications") for p in (FIXTURES / folder).glob("*.py")
                  if p.name != "syntax_error.py")


@lru_cache(maxsize=None)
def program(index: int) -> tuple[str, list, tuple]:
    text = PROGRAMS[index].read_text()
    return text, candidate_sites(text), facts(text, PROGRAMS[index].name)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(PROGRAMS) - 1), st.randoms(use_true_random=False))
def test_hiding_an_expression_never_makes_kgraphlint_more_certain(index, random):
    text, sites, original = program(index)
    site = random.choice(sites)
    problems = violations(text, site, PROGRAMS[index].name, original)
    assert not problems, f"{PROGRAMS[index].name}: hiding the {site.kind} at line {site.line}: {problems}"


MODEL_PROGRAMS = sorted(p for folder in ("models", "bugs", "partial") for p in (FIXTURES / folder).glob("*.py")
                        if p.name != "syntax_error.py")


def alarms(text: str, path: str) -> set[tuple[str, int]]:
    return {(f.code, f.line) for f in check_source(text, path) if f.severity in (Severity.ERROR, Severity.WARNING)}


@pytest.mark.parametrize("path", MODEL_PROGRAMS, ids=lambda p: p.stem)
def test_an_opaque_call_in_the_middle_of_a_model_keeps_the_model_and_what_comes_before(path):
    """A call nothing knows put around the layer call in the middle of each model
    (``x = __hidden__(layers.Dense(8)(x))``) drops no model, and every error or warning
    before that line is still reported."""
    text = path.read_text()
    lines, before = model_lines(text, path.name), alarms(text, path.name)
    for site in middle_call_sites(text, path.name):
        hidden = hide(text, site)
        assert model_lines(hidden, path.name) == lines, f"hiding line {site.line}"
        upstream = {(code, line) for code, line in before if line < site.line}
        assert upstream <= alarms(hidden, path.name), f"hiding line {site.line}"
