"""The Python inside notebooks and Markdown tutorials.

A notebook's code cells become one program in cell order, as a kernel runs them. IPython
syntax libcst cannot parse (``%matplotlib inline``, ``!pip install``, ``obj?``) is turned
into a comment of the same length, so every position stays valid. A Markdown file's
```python fences become one program whose line numbers are the Markdown file's own (every
other line is left blank). Printed outputs are kept as ``RecordedOutput`` for the
stale-summary rule.
"""

from __future__ import annotations

import json
import re

from kgraphlint.source.source_file import Cell, RecordedOutput, SourceFile

#: cell magics whose body is ordinary Python (as in ruff)
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "python", "python3", "pypy"})
SHELL_ASSIGNMENT = re.compile(r"^\s*[\w.,\s]+=\s*[!%]")
AUTOMAGIC = re.compile(r"^\s*(pip|conda|cd|ls|pwd|mkdir|rm|cat|clear|who|whos)\s(?!\s*[=(\[.])")
HELP = re.compile(r"^\s*[?]|[\w.)\]]\?\??\s*$")
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>```+|~~~+)\s*(?P<info>[\w+-]*)")
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
        return SourceFile(path, "", f"not a valid notebook ({error}); nothing in it was checked", "notebook")
    program: list[str] = []
    code_cells: list[Cell] = []
    recorded: list[RecordedOutput] = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        lines = _text(cell.get("source")).splitlines() or [""]
        start = len(program) + 1
        program.extend(mask_ipython(lines))
        code_cells.append(Cell(len(code_cells) + 1, start, len(lines)))
        output = _outputs_text(cell.get("outputs"))
        if output.strip():
            recorded.append(RecordedOutput(output, start, start + len(lines) - 1))
    return SourceFile(path, "\n".join(program) + "\n", None, "notebook", tuple(code_cells), tuple(recorded))


def load_markdown(path: str, raw: str) -> SourceFile:
    lines = raw.splitlines()
    program = [""] * len(lines)
    recorded: list[RecordedOutput] = []
    last_code: tuple[int, int] | None = None
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence, indent = opening.group("fence"), len(opening.group("indent"))
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith(fence[0] * len(fence)):
            end += 1
        body = [line[indent:] if line[:indent].isspace() else line.lstrip() for line in lines[index + 1:end]]
        if opening.group("info").lower() in PYTHON_INFO:
            program[index + 1:end] = mask_ipython(body)
            last_code = (index + 2, end)
        elif last_code is not None and body:
            recorded.append(RecordedOutput("\n".join(body), last_code[0], last_code[1], index + 2))
        index = end + 1
    return SourceFile(path, "\n".join(program) + "\n", None, "markdown", (), tuple(recorded), raw)
