"""What --fix, --diff and --add-noqa do to files: the right places, nothing else changed,
no edit lost; and the same for notebooks (cell sources) and Markdown (code blocks)."""

from __future__ import annotations

import json
import os
import stat

import pytest

from conftest import FIXTURES

BUGS = FIXTURES / "bugs"
SWAPPED = """import keras
from keras import layers
vocab = 20000
words = keras.Input(shape=(None,), dtype="int32")
vectors = layers.Embedding(64, vocab)(words)
model = keras.Model(words, vectors)
"""
FIXED_LINE = "vectors = layers.Embedding(input_dim=vocab, output_dim=64)(words)"


@pytest.mark.parametrize("separator", ["\u2028", "\x0c", "\x1c", "\x85"])
def test_fix_and_noqa_count_lines_as_libcst_does(cli, write, separator):
    """str.splitlines breaks lines at these; Python and libcst do not, so a line counted by
    splitlines is off by one after them."""
    text = SWAPPED.replace("vocab = 20000", f'vocab = 20000  # one{separator}two\nnote = "a{separator}b"')
    path = write(text, "model.py")
    cli("check", "--add-noqa", path)
    noqa = path.read_text(encoding="utf-8")
    assert f'note = "a{separator}b"\n' in noqa and f"# one{separator}two\n" in noqa
    assert "(words)  # noqa: KGL301\n" in noqa
    assert cli("check", "--format", "json", path).json() == []

    path.write_text(text, encoding="utf-8")
    cli("check", "--fix", path)
    fixed = path.read_text(encoding="utf-8")
    assert fixed == text.replace("vectors = layers.Embedding(64, vocab)(words)", FIXED_LINE)


def test_fix_keeps_bom_line_endings_and_mode(cli, tmp_path):
    path = tmp_path / "model.py"
    original = b"\xef\xbb\xbf" + SWAPPED.replace("\n", "\r\n").encode()
    path.write_bytes(original)
    path.chmod(0o755)
    result = cli("check", "--fix", "--format", "json", path)
    assert result.json() == []
    data = path.read_bytes()
    assert data == original.replace(b"layers.Embedding(64, vocab)", b"layers.Embedding(input_dim=vocab, output_dim=64)")
    assert stat.S_IMODE(path.stat().st_mode) == 0o755


def test_fix_keeps_a_declared_encoding(cli, tmp_path):
    path = tmp_path / "model.py"
    original = ("# -*- coding: utf-8 -*-\n# caf\u00e9\n" + SWAPPED).encode()
    path.write_bytes(original)
    cli("check", "--fix", path)
    assert path.read_bytes() == original.replace(b"Embedding(64, vocab)", b"Embedding(input_dim=vocab, output_dim=64)")


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks here")
def test_fix_writes_a_symlinks_target_and_keeps_the_link(cli, tmp_path):
    target = tmp_path / "real" / "model.py"
    target.parent.mkdir()
    target.write_text(SWAPPED)
    link = tmp_path / "model.py"
    link.symlink_to(target)
    cli("check", "--fix", link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert FIXED_LINE in target.read_text()


def test_fix_keeps_hard_links(cli, tmp_path):
    first = tmp_path / "model.py"
    first.write_text(SWAPPED)
    second = tmp_path / "copy_of_model.txt"
    os.link(first, second)
    inode = first.stat().st_ino
    cli("check", "--fix", first)
    assert first.stat().st_ino == inode and first.stat().st_nlink == 2
    assert FIXED_LINE in second.read_text()
    assert not list(tmp_path.glob(".model.py.*")), "no temporary file is left behind"


def test_fix_does_not_overwrite_an_edit_made_while_it_runs(cli, write, monkeypatch):
    from kgraphlint.fixes import apply

    path = write(SWAPPED, "model.py")
    edited = SWAPPED + "# typed in the editor meanwhile\n"
    real = apply.fixed_text

    def edit_meanwhile(*args, **kwargs):
        changed = real(*args, **kwargs)
        path.write_text(edited)  # the user saves while kgraphlint is still working
        return changed

    monkeypatch.setattr(apply, "fixed_text", edit_meanwhile)
    result = cli("check", "--fix", path)
    assert path.read_text() == edited
    assert f"{path}: not changed: it changed while kgraphlint was running" in result.err


def test_fix_and_add_noqa_say_how_many_findings(cli, write):
    path = write((BUGS / "question_answering.py").read_text(), "qa.py")
    other = write((BUGS / "social_posts.py").read_text(), "posts.py")
    fixable = [f for f in cli("check", "--format", "json", path, other).json() if f["fix"]]
    diff = cli("check", "--diff", path, other)
    assert f"kgraphlint: {len(fixable)} findings would be fixed in 2 files (nothing written)" in diff.err
    fixed = cli("check", "--fix", path, other)
    assert f"kgraphlint: fixed {len(fixable)} findings in 2 files" in fixed.err
    inception = write((BUGS / "inception_block.py").read_text(), "inception.py")
    remaining = cli("check", "--format", "json", inception).json()
    lines = {f["end_line"] for f in remaining}
    assert len(remaining) == len(lines) == 2
    noqa = cli("check", "--add-noqa", inception)
    assert "kgraphlint: added # noqa to 2 lines, silencing 2 findings, in 1 file" in noqa.err
    assert "fixed" not in cli("check", "--fix", "--quiet", other).err


def nbformat_text(notebook: dict) -> str:
    """As Jupyter (nbformat) writes a notebook."""
    return json.dumps(notebook, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def test_notebook_fix_diff_and_noqa_edit_the_cells_and_keep_the_json(cli, tmp_path):
    notebook = json.loads((BUGS / "notebook_bugs.ipynb").read_text())
    notebook["cells"][2]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["caf\u00e9 \u2713\n"]}]
    path = tmp_path / "nb.ipynb"
    path.write_text(nbformat_text(notebook), encoding="utf-8")
    before = path.read_text(encoding="utf-8")
    codes = {(f["cell"], f["code"]) for f in cli("check", "--format", "json", path).json()}
    assert codes == {(2, "KGL102"), (3, "KGL301")}

    diff = cli("check", "--diff", path)
    assert diff.code == 1 and path.read_text(encoding="utf-8") == before
    assert f"--- {path}:cell 3" in diff.out
    assert "+vectors = layers.Embedding(input_dim=vocab_size, output_dim=128)(words)  # expect: KGL301" in diff.out

    fixed = cli("check", "--fix", "--format", "json", path)
    assert [(f["cell"], f["code"]) for f in fixed.json()] == [(2, "KGL102")]
    after = path.read_text(encoding="utf-8")
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert len(before.splitlines()) == len(after.splitlines()) and len(changed) == 1
    assert "Embedding(input_dim=vocab_size, output_dim=128)" in changed[0][1]

    cli("check", "--add-noqa", path)
    noqa = path.read_text(encoding="utf-8")
    assert cli("check", "--format", "json", path).json() == []
    changed = [b for a, b in zip(after.splitlines(), noqa.splitlines()) if a != b]
    assert changed == ['    "merged = layers.concatenate([a, b])  # expect: KGL102  # noqa: KGL102\\n",']
    assert json.loads(noqa)["cells"][2]["outputs"] == notebook["cells"][2]["outputs"]


def test_notebook_in_another_json_style_is_kept_in_it(cli, tmp_path):
    notebook = json.loads((BUGS / "notebook_bugs.ipynb").read_text())
    path = tmp_path / "colab.ipynb"
    text = json.dumps(notebook, indent=2, ensure_ascii=True)  # no final line break
    path.write_text(text)
    cli("check", "--fix", path)
    assert path.read_text() == json.dumps(json.loads(path.read_text()), indent=2, ensure_ascii=True)
    assert "Embedding(input_dim=vocab_size" in path.read_text()


def test_notebook_whose_json_cannot_be_reproduced_is_left_alone(cli, tmp_path):
    notebook = json.loads((BUGS / "notebook_bugs.ipynb").read_text())
    path = tmp_path / "odd.ipynb"
    text = json.dumps(notebook, indent=3).replace('"cells": [', '"cells":    [', 1)
    path.write_text(text)
    result = cli("check", "--fix", path)
    assert path.read_text() == text
    assert "not changed: its JSON is formatted in a way kgraphlint cannot reproduce" in result.err


def test_markdown_fix_and_noqa_edit_the_code_blocks(cli, write):
    document = ("# Tutorial\n\n1. Build it:\n\n   ```python\n" +
                "".join(f"   {line}\n" if line else "\n" for line in SWAPPED.splitlines()) +
                "   ```\n\nThe end.\n")
    path = write(document, "tutorial.md")
    [finding] = cli("check", "--format", "json", path).json()
    line = document.splitlines()[finding["line"] - 1]
    assert finding["code"] == "KGL301" and line[finding["column"] - 1:].startswith("layers.Embedding(64, vocab)")
    [edit, _] = finding["fix"]["edits"]
    assert line[edit["column"] - 1:edit["end_column"] - 1] == "64"
    cli("check", "--fix", path)
    assert path.read_text() == document.replace("Embedding(64, vocab)", "Embedding(input_dim=vocab, output_dim=64)")
    path.write_text(document)
    cli("check", "--add-noqa", path)
    assert path.read_text() == document.replace("(words)\n   model", "(words)  # noqa: KGL301\n   model")


def test_standard_input_fixes_and_noqa(cli, monkeypatch, capsys):
    import io

    notebook = (BUGS / "notebook_bugs.ipynb").read_text()
    monkeypatch.setattr("sys.stdin", io.StringIO(notebook))
    result = cli("check", "--fix", "--stdin-filename", "nb.ipynb")
    assert json.loads(result.out)["cells"][4]["source"][3].startswith("vectors = layers.Embedding(input_dim=")
    monkeypatch.setattr("sys.stdin", io.StringIO(SWAPPED))
    result = cli("check", "--add-noqa", "-")
    assert "(words)  # noqa: KGL301\n" in result.out
