"""Hiding any expression of a fixture program never adds an error or warning elsewhere, nor
changes a shape or count kgraphlint still knows (tests/metamorphic.py says how). CI runs
EXAMPLES drawn (program, expression) pairs; benchmarks/metamorphic.py runs thousands."""

from __future__ import annotations

import os
from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from metamorphic import candidate_sites, facts, violations

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
