"""Every input that once hung kgraphlint or blew up its memory, each checked in a process of
its own: how long it took and how much memory it needed.

    python benchmarks/hostile.py [--seconds 10] [--megabytes 500] [--only NAME]

Each input is a small program (or a file that is not a regular file) written to a
temporary folder and checked with ``python -m kgraphlint check --no-cache``; the time is
the wall clock of that process (interpreter start included) and the memory its peak
resident set (``ru_maxrss`` from ``wait4``). The language server gets a document of 80,000
lines (1.9 MB) and, while that is analysed, a hover on another document, then shutdown and
exit: the rows are the time each answer took, and the server's peak memory (its analysis
worker included). The exit status is 1 when any input needs more than ``--seconds`` or
``--megabytes``, or ends with anything but 0 or 1 (findings or none, never a crash).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PRELUDE = "import keras\nfrom keras import layers\n"
CHAIN_BYTES = 200_000
NESTING = 5000

#: name -> program text (checked as NAME.py); the issue that listed them: #23
PROGRAMS = {
    # the constant folder
    "sum-of-a-huge-range": "n = sum(range(10**11))\n",
    "power-tower": "n = 9**9**9\n",
    "huge-string-repeat": 'text = "a" * 3_000_000_000\n',
    "huge-zfill": 'text = "x".zfill(3_000_000_000)\n',
    "huge-zfill-float": 'text = "x".zfill(3e9)\n',
    "huge-format-width": 'text = "{:>3000000000}".format(1)\n',
    "huge-f-string-width": 'text = f"{1:>3000000000}"\n',
    "huge-percent-width": 'text = "%3000000000d" % 1\n',
    "huge-list-repeat": "items = 10**10 * [0]\n",
    "list-of-a-huge-range": "items = list(range(10**10))\n",
    "product-of-a-huge-range": "import math\nn = math.prod(range(1, 10**8))\n",
    "squaring-in-a-loop": "n = 3\nfor _ in range(500):\n    n = n * n\n",
    "doubling-a-string-in-a-loop": 'text = "ab"\nfor _ in range(500):\n    text = text + text\n',
    "replace-blow-up": 'text = ("a" * 50_000).replace("a", "a" * 50_000)\n',
    "join-blow-up": 'parts = ["a" * 50_000] * 50_000\ntext = "".join(parts)\n',
    "power-chain": "n = 1" + " ** 1" * NESTING + "\n",
    # the parser
    "call-chain": "f = x" + "()" * (CHAIN_BYTES // 2) + "\n",
    "attribute-chain": "f = x" + ".a" * (CHAIN_BYTES // 2) + "\n",
    "subscript-chain": "f = x" + "[0]" * (CHAIN_BYTES // 3) + "\n",
    "operator-chain": "f = 1" + " + 1" * (CHAIN_BYTES // 4) + "\n",
    "nested-lambdas": "f = " + "lambda: " * NESTING + "1\n",
    "nested-nots": "f = " + "not " * NESTING + "x\n",
    "nested-conditionals": "f = " + "1 if x else " * NESTING + "2\n",
    "too-large": "x = 1\n" * 400_000,
}


def special_files(folder: Path) -> dict[str, list[str]]:
    """name -> the paths to check: inputs that are not regular files."""
    pipe = folder / "pipe.py"
    os.mkfifo(pipe)
    zero = folder / "zero.py"
    os.symlink("/dev/zero", zero)
    walked = folder / "walked"
    walked.mkdir()
    os.mkfifo(walked / "pipe.py")
    os.symlink("/dev/zero", walked / "zero.py")
    return {"named-fifo": [str(pipe)], "link-to-dev-zero": [str(zero)], "fifo-and-dev-zero-in-a-walk": [str(walked)]}


def measure(paths: list[str], limit: float) -> tuple[float, float, int, list[str]]:
    """Seconds, peak megabytes, exit code and finding codes of one check."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen([sys.executable, "-m", "kgraphlint", "check", "--no-cache", "--format", "json",
                                    "--jobs", "1", *paths], stdout=out, stderr=subprocess.DEVNULL)
        deadline = started + limit
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        out.seek(0)
        try:
            codes = sorted({f["code"] for f in json.loads(out.read() or b"[]")})
        except ValueError:
            codes = ["(no JSON)"]
    return seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), codes


def frame(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_message(stream) -> dict:
    length = 0
    while (line := stream.readline()).strip():
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return json.loads(stream.read(length))


def language_server(folder: Path) -> list[tuple[str, float, float, int]]:
    """(what, seconds, megabytes, exit code) for a hover and a shutdown while a large
    document is analysed, and the server's exit."""
    small, big = folder / "small.py", folder / "big.py"
    text = PRELUDE + "x = keras.Input(shape=(8,))\n" + "x = layers.Dense(8)(x)\n" * 80_000
    server = subprocess.Popen([sys.executable, "-m", "kgraphlint", "lsp"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def send(message: dict) -> None:
        server.stdin.write(frame(message))
        server.stdin.flush()

    def answer(id: int) -> float:
        started = time.perf_counter()
        while read_message(server.stdout).get("id") != id:
            pass
        return time.perf_counter() - started

    def opened(path: Path, content: str) -> None:
        send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": path.as_uri(), "languageId": "python", "version": 1, "text": content}}})

    send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": None, "capabilities": {}}})
    answer(1)
    send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    opened(small, PRELUDE + "x = keras.Input(shape=(8,))\ny = layers.Dense(4)(x)\n")
    while read_message(server.stdout).get("method") != "textDocument/publishDiagnostics":
        pass
    opened(big, text)
    send({"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": {
        "textDocument": {"uri": small.as_uri()}, "position": {"line": 3, "character": 0}}})
    hover = answer(2)
    send({"jsonrpc": "2.0", "id": 3, "method": "shutdown", "params": None})
    shutdown = answer(3)
    started = time.perf_counter()
    send({"jsonrpc": "2.0", "method": "exit", "params": None})
    server.stdin.close()
    _, status, usage = os.wait4(server.pid, 0)
    leaving = time.perf_counter() - started
    megabytes, code = usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)
    return [("lsp: hover while 1.9 MB is analysed", hover, megabytes, code),
            ("lsp: shutdown while it is analysed", shutdown, megabytes, code),
            ("lsp: exit after it", leaving, megabytes, code)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--megabytes", type=float, default=500.0)
    parser.add_argument("--only", help="run the inputs whose name contains this")
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        inputs = {}
        for name, body in PROGRAMS.items():
            path = folder / f"{name}.py"
            path.write_text(PRELUDE + body)
            inputs[name] = [str(path)]
        inputs.update(special_files(folder))
        print(f"{'input':38} {'seconds':>8} {'MB':>8} {'exit':>5}  findings")
        for name, paths in inputs.items():
            if args.only and args.only not in name:
                continue
            seconds, megabytes, code, codes = measure(paths, limit=max(60.0, 3 * args.seconds))
            bad = seconds > args.seconds or megabytes > args.megabytes or code not in (0, 1)
            failed |= bad
            print(f"{name:38} {seconds:8.2f} {megabytes:8.0f} {code:5}  {', '.join(codes) or '-'}"
                  f"{'   <- over the limits' if bad else ''}", flush=True)
        if not args.only or args.only.startswith("lsp"):
            for name, seconds, megabytes, code in language_server(folder):
                bad = seconds > args.seconds or megabytes > args.megabytes or code != 0
                failed |= bad
                print(f"{name:38} {seconds:8.2f} {megabytes:8.0f} {code:5}{'   <- over the limits' if bad else ''}",
                      flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
