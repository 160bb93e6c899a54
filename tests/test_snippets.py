"""Snippet mode: Stack Overflow style programs (no imports, star imports, Keras 1/2 module
paths) give the findings the same programs give with their imports written out."""

from __future__ import annotations

import re

import pytest

from conftest import FIXTURES
from kgraphlint import check_source

SNIPPETS = sorted((FIXTURES / "snippets").glob("*.py"))
IMPORT = re.compile(r"^(from|import)\s")
#: the imports the snippets leave out, written as Keras 3 code writes them
FULL_IMPORTS = """\
import numpy as np
from keras.models import Model, Sequential
from keras.layers import LSTM, Activation, Conv2D, Dense, Dropout, Flatten, Input, MaxPooling2D, add
from keras.optimizers import Adam
from keras.utils import to_categorical
"""
#: what only the snippet's way of importing causes
SNIPPET_CODES = {"KGL004", "KGL501"}


def with_full_imports(text: str) -> tuple[str, int]:
    """The program with its import lines replaced by FULL_IMPORTS, and how far that moves
    the lines after the imports."""
    lines = text.splitlines(keepends=True)
    kept = [line for line in lines if not IMPORT.match(line)]
    return FULL_IMPORTS + "".join(kept), FULL_IMPORTS.count("\n") - (len(lines) - len(kept))


def findings(text: str) -> list[tuple[int, str]]:
    return sorted((f.line, f.code) for f in check_source(text, "snippet.py"))


def test_each_fault_kind_is_written_in_each_style():
    styles = {"bare": lambda t: "keras" not in t, "star": lambda t: "from keras.layers import *" in t,
              "keras2": lambda t: "from keras.layers.core import" in t}
    kinds = {path.stem.rpartition("_")[0] for path in SNIPPETS}
    assert len(kinds) >= 10
    for kind in kinds:
        for style, looks_so in styles.items():
            assert looks_so((FIXTURES / "snippets" / f"{kind}_{style}.py").read_text()), (kind, style)


@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda p: p.stem)
def test_snippet_gives_the_findings_of_the_program_with_its_imports(snippet):
    text = snippet.read_text()
    full, shift = with_full_imports(text)
    first_code_line = next(n for n, line in enumerate(text.splitlines(), 1)
                           if line.strip() and not line.startswith("#") and not IMPORT.match(line))
    expected = [(line + shift if line >= first_code_line else line, code)
                for line, code in findings(text) if code not in SNIPPET_CODES]
    assert expected, f"{snippet.name} finds nothing but its imports"
    assert findings(full) == sorted(expected)


def test_the_note_lists_the_names_once_at_the_first():
    text = "model = Sequential()\nmodel.add(Dense(10, input_dim=4))\nmodel.compile(loss='mse', optimizer=Adam())\n"
    notes = [f for f in check_source(text, "snippet.py") if f.code == "KGL004"]
    assert [(n.line, n.column) for n in notes] == [(1, 9)]
    assert "from keras.models import Sequential; from keras.layers import Dense; " \
           "from keras.optimizers import Adam" in notes[0].message


@pytest.mark.parametrize("text", [
    # a name bound anywhere in the file is the file's own
    "from shop import Sequential\ndef Dense(n):\n    return n\nmodel = Sequential()\nmodel.add(Dense(10))\n",
    # a star import kgraphlint cannot see into may bind any name
    "from mylib import *\nmodel = Sequential()\nmodel.add(Dense(10, input_dim=4))\nmodel.add(Dense(1))\n",
    # ... even when it comes after the names are used
    "model = Sequential()\nmodel.add(Dense(10, input_dim=4))\nmodel.add(Dense(1))\nfrom mylib import *\n",
    # not Keras: no model is made, added to or compiled
    "layer = Dense(10)\nprint(Model)\n",
    # a file that never says keras and is no snippet: not even its syntax error is reported
    "x = Model(\n",
])
def test_snippet_mode_stays_out_of_other_code(text):
    assert [f.code for f in check_source(text, "other.py") if f.code != "KGL701"] == []
