"""The Python inside notebooks and Markdown tutorials.

A notebook's code cells become one program in cell order, as a kernel runs them. IPython
syntax libcst cannot parse (``%matplotlib inline``, ``!pip install``, ``obj?``) is turned
into a comment of the same length, so every position stays valid. A Markdown file's
```python fences, found by a CommonMark parser (markdown-it-py), become one program whose
line numbers are the Markdown file's own (every other line is left blank); each fence's
code keeps its own indentation, and the characters before it on each line (the fence's
indentation in a list, a blockquote's ``>``) are kept as column offsets, so positions are
the document's. Each fence is parsed on its own first: one that does not parse is left
out of the program and reported by itself, and the others are still checked. Printed
outputs are kept as ``RecordedOutput`` for the stale-summary rule.
"""

from __future__ import annotations

import json
import os
import re

from markdown_it import MarkdownIt

from kgraphlint.source.parse import cpython_parse, mentions_keras
from kgraphlint.source.document_parts import Cell, RecordedOutput, Unparsed
from kgraphlint.source.source_file import SourceFile, split_lines

#: cell magics whose body is ordinary Python (as in ruff)
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "python", "python3", "pypy"})
SHELL_ASSIGNMENT = re.compile(r"^\s*[\w.,\s]+=\s*[!%]")
AUTOMAGIC = re.compile(r"^\s*(pip|conda|cd|ls|pwd|mkdir|rm|cat|clear|who|whos)\s(?!\s*[=(\[.])")
HELP = re.compile(r"^\s*[?]|[\w.)\]]\?\??\s*$")
PYTHON_INFO = frozenset({"python", "py", "python3", "ipython", "ipython3", "pycon"})


def comment_out(line: str) -> str:
    """The same line as a comment of the same length (positions stay valid)."""
    stripped = line.lstrip()
    indent = len(line) - len(stripped)
    return line[:indent] + "#" + stripped[1:] if stripped else line


def mask_ipython(lines: list[str]) -> list[str]:
    """Comment out IPython-only syntax in one cell (or fence)."""
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        magic = first[2:].split(maxsplit=1)[0] if len(first) > 2 else ""
        if magic not in PYTHON_CELL_MAGICS:
            return [comment_out(line) for line in lines]
        lines = [comment_out(lines[0]), *lines[1:]]
    masked = []
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")) or SHELL_ASSIGNMENT.match(line) or AUTOMAGIC.match(line) or (
            not stripped.startswith("#") and HELP.search(line)
        ):
            masked.append(comment_out(line))
        else:
            masked.append(line)
    return masked


def _text(value: object) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return value if isinstance(value, str) else ""


def _outputs_text(outputs: object) -> str:
    if not isinstance(outputs, list):
        return ""
    parts = []
    for output in outputs:
        if not isinstance(output, dict):
            continue
        if output.get("output_type") == "stream":
            parts.append(_text(output.get("text")))
        elif isinstance(output.get("data"), dict):
            parts.append(_text(output["data"].get("text/plain")))
    return "".join(parts)


def load_notebook(path: str, raw: str) -> SourceFile:
    try:
        notebook = json.loads(raw)
        cells = notebook["cells"] if isinstance(notebook, dict) else None
        if not isinstance(cells, list):
            raise ValueError("no list of cells")
    except (ValueError, KeyError, TypeError) as error:
        return SourceFile(path, "", f"not a valid notebook ({error})", "notebook")
    program: list[str] = []
    code_cells: list[Cell] = []
    recorded: list[RecordedOutput] = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        lines = split_lines(_text(cell.get("source"))) or [""]
        start = len(program) + 1
        program.extend(mask_ipython(lines))
        code_cells.append(Cell(len(code_cells) + 1, start, len(lines)))
        output = _outputs_text(cell.get("outputs"))
        if output.strip():
            recorded.append(RecordedOutput(output, start, start + len(lines) - 1))
    return SourceFile(path, "\n".join(program) + "\n", None, "notebook", tuple(code_cells), tuple(recorded))


def syntax_error(code: str) -> tuple[str, int, int] | None:
    """CPython's verdict on one code block: (message, line, column) if it does not parse."""
    try:
        cpython_parse(code, "<code block>")
    except SyntaxError as exc:
        return f"syntax error: {exc.msg}", exc.lineno or 1, exc.offset or 1
    except (ValueError, RecursionError, MemoryError) as exc:
        return f"cannot parse: {type(exc).__name__}", 1, 1
    return None


def info_word(info: str) -> str:
    """A fence's language: the first word of its info string (```python title="x")."""
    words = info.split(maxsplit=1)
    return words[0].lower().strip("{}.") if words else ""


def dedented(lines: list[str]) -> list[str]:
    """A block's lines without the indentation they all share (a method's body shown on its
    own): Python code cannot start indented, so this only turns an error into code."""
    indents = [line[:len(line) - len(line.lstrip())] for line in lines if line.strip()]
    common = os.path.commonprefix(indents) if indents else ""
    return [line[len(common):] for line in lines] if common else lines


def load_markdown(path: str, raw: str) -> SourceFile:
    lines = split_lines(raw)
    program = [""] * len(lines)
    offsets = [0] * len(lines)
    recorded: list[RecordedOutput] = []
    unparsed: list[Unparsed] = []
    last_code: tuple[int, int] | None = None
    for token in MarkdownIt("commonmark").parse(raw):
        if token.type != "fence" or token.map is None:
            continue
        first = token.map[0] + 1  # the index of the block's first line in ``lines``
        body = split_lines(token.content)[:max(0, len(lines) - first)]
        if info_word(token.info) not in PYTHON_INFO:
            if last_code is not None and body:
                recorded.append(RecordedOutput("\n".join(body), last_code[0], last_code[1], first + 1))
            continue
        if not body:
            continue
        body = dedented(body)
        code = mask_ipython(body)
        shifts = [len(lines[first + i]) - len(line) if lines[first + i].endswith(line) else 0
                  for i, line in enumerate(body)]
        problem = syntax_error("\n".join(code) + "\n")
        if problem is not None:
            message, line, column = problem
            line = min(max(line, 1), len(body))
            unparsed.append(Unparsed(message, first + line, column + shifts[line - 1], first + 1, first + len(body)))
            last_code = None  # what follows is the output of code that was not checked
            continue
        program[first:first + len(body)] = code
        offsets[first:first + len(body)] = shifts
        last_code = (first + 1, first + len(body))
    if not mentions_keras(raw):
        unparsed = []  # like a Python file: code that is not about Keras is not kgraphlint's
    return SourceFile(path, "\n".join(program) + "\n", None, "markdown", (), tuple(recorded), raw,
                      tuple(unparsed), tuple(offsets) if any(offsets) else ())
