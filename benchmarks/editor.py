"""The language server's latency as an editor sees it, from a client over stdio.

    python benchmarks/editor.py [--lines 1000] [--edits 15] [--command kgraphlint lsp]

Starts ``kgraphlint lsp`` as a separate process and speaks JSON-RPC to it over its
standard input and output, as Neovim's or VS Code's client does (incremental document
changes, as those clients send). Measured on the client's clock, for one model file of
``--lines`` lines (a long functional model with one finding):

- start to first diagnostics: from starting the server process (an editor starts it when
  the first file opens) through initialize to the first published diagnostics, and the
  two parts: start to the initialize response (Python, pygls and kgraphlint loading), and
  open to diagnostics (the file's first check); then opening a second, different file;
- edit to new diagnostics: a one-character change (a layer width, in the middle of the
  file) until the diagnostics for that version arrive; the median and the worst. The
  edits start a moment (``PAUSE_SECONDS``) after the files were opened, as a user reads
  before typing: the server parses an opened file's pieces for the incremental parser
  in that time (an edit sent sooner waits for what is left of it);
- hover: the first hover after an edit (it computes the hover facts) and later ones.

On Linux each line also gives the CPU time the server process and its analysis worker
used (from /proc), which a busy machine does not inflate as much as the wall-clock times.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


#: between opening the files and the first edit
PAUSE_SECONDS = 2.0


def cpu_seconds(pid: int) -> float | None:
    """The CPU time a process and its children (the server's analysis worker) have used,
    user and system (Linux only)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(int(child)) or 0.0 for child in children)


class Client:
    """A minimal LSP client: requests, notifications, and every message the server sends,
    with the time it arrived."""

    def __init__(self, command: list[str], cwd: Path) -> None:
        self.started = time.perf_counter()
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, cwd=cwd)
        self.messages: queue.Queue = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            body = stream.read(length)
            self.messages.put((time.perf_counter(), json.loads(body)))

    def send(self, message: dict) -> float:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        sent = time.perf_counter()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()
        return sent

    def notify(self, method: str, params: dict) -> float:
        return self.send({"method": method, "params": params})

    def request(self, method: str, params: dict) -> tuple[float, int]:
        self.next_id += 1
        return self.send({"id": self.next_id, "method": method, "params": params}), self.next_id

    def wait(self, matches, timeout: float = 60.0) -> tuple[float, dict]:
        deadline = time.perf_counter() + timeout
        while True:
            arrived, message = self.messages.get(timeout=max(0.0, deadline - time.perf_counter()))
            if message.get("method") == "window/logMessage" or "id" in message and "method" in message:
                if "id" in message and "method" in message:  # a request from the server: answer it
                    self.send({"id": message["id"], "result": None})
                continue
            if matches(message):
                return arrived, message

    def response(self, request_id: int) -> tuple[float, dict]:
        return self.wait(lambda m: m.get("id") == request_id and "method" not in m)

    def diagnostics(self, uri: str, version: int | None = None) -> tuple[float, dict]:
        return self.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                         and m["params"]["uri"] == uri and (version is None or m["params"].get("version") == version))

    def close(self) -> None:
        try:
            _, shutdown = self.request("shutdown", None)
            self.response(shutdown)
            self.notify("exit", None)
            self.process.wait(timeout=15)
        except Exception:
            self.process.kill()


def model_file(lines: int) -> str:
    """A long functional model with one finding (a swapped Embedding) near its top."""
    body = ["inputs = keras.Input(shape=(64,))", "x = inputs", 'words = keras.Input(shape=(None,), dtype="int32")',
            "vectors = layers.Embedding(64, 20000)(words)"]
    while len(body) < lines - 5:
        body.append('x = layers.Dense(64, activation="relu")(x)')
    body += ['outputs = layers.Dense(10, activation="softmax")(x)',
             "model = keras.Model([inputs, words], [outputs, vectors])"]
    return "\n".join(["import keras", "from keras import layers", "", *body]) + "\n"


class Phases:
    """Wall-clock and server CPU seconds of each measured phase."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.wall: dict[str, list[float]] = {}
        self.cpu: dict[str, list[float]] = {}

    def add(self, name: str, seconds: float, cpu_before: float | None) -> None:
        self.wall.setdefault(name, []).append(seconds)
        after = cpu_seconds(self.pid)
        if cpu_before is not None and after is not None:
            self.cpu.setdefault(name, []).append(after - cpu_before)


def measure(command: list[str], lines: int, edits: int) -> Phases:
    text = model_file(lines)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        first, second = folder / "model.py", folder / "other.py"
        other_text = text.replace("Dense(64", "Dense(48")  # another file: nothing to reuse from the first
        first.write_text(text)
        second.write_text(other_text)
        client = Client(command, folder)
        phases = Phases(client.process.pid)
        try:
            _, init = client.request("initialize", {"processId": os.getpid(), "rootUri": folder.as_uri(),
                                                    "capabilities": {"textDocument": {"hover": {
                                                        "contentFormat": ["markdown"]}}}})
            arrived, _ = client.response(init)
            phases.add("start to initialize response", arrived - client.started, 0.0)
            client.notify("initialized", {})
            uri = first.as_uri()
            cpu = cpu_seconds(client.process.pid)
            sent = client.notify("textDocument/didOpen", {"textDocument": {
                "uri": uri, "languageId": "python", "version": 1, "text": text}})
            arrived, published = client.diagnostics(uri)
            phases.add("open to diagnostics", arrived - sent, cpu)
            phases.add("start to first diagnostics", arrived - client.started, 0.0)
            assert published["params"]["diagnostics"], "the model file has a finding"

            other = second.as_uri()
            cpu = cpu_seconds(client.process.pid)
            sent = client.notify("textDocument/didOpen", {"textDocument": {
                "uri": other, "languageId": "python", "version": 1, "text": other_text}})
            arrived, _ = client.diagnostics(other)
            phases.add("open a second file", arrived - sent, cpu)

            time.sleep(PAUSE_SECONDS)  # the user reads before typing; the server prepares for edits
            document = text.splitlines(keepends=True)
            middle = next(n for n in range(len(document) // 2, len(document)) if "layers.Dense(" in document[n])
            column = document[middle].index("Dense(") + len("Dense(") + 1  # the width's second digit
            for version in range(2, edits + 2):
                cpu = cpu_seconds(client.process.pid)
                sent = client.notify("textDocument/didChange", {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [{"range": {"start": {"line": middle, "character": column},
                                                  "end": {"line": middle, "character": column + 1}},
                                        "text": str(version % 10)}]})
                arrived, _ = client.diagnostics(uri, version)
                phases.add("edit to new diagnostics", arrived - sent, cpu)
                for name in ("first hover after an edit", "later hovers"):
                    cpu = cpu_seconds(client.process.pid)
                    sent, hover = client.request("textDocument/hover", {
                        "textDocument": {"uri": uri}, "position": {"line": middle, "character": 0}})
                    arrived, answer = client.response(hover)
                    assert answer.get("result"), ("hovering x shows its shape", answer)
                    phases.add(name, arrived - sent, cpu)
        finally:
            client.close()
    return phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=15)
    parser.add_argument("--command", nargs="+", default=[sys.executable, "-m", "kgraphlint", "lsp"])
    args = parser.parse_args()
    phases = measure(args.command, args.lines, args.edits)
    print(f"language server, {args.lines:,}-line model file, as the client sees it "
          f"(median; worst; server CPU), {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}:")
    for name, seconds in phases.wall.items():
        cpu = phases.cpu.get(name)
        spent = f"CPU {statistics.median(cpu) * 1000:>5.0f} ms" if cpu else ""
        worst = f"worst {max(seconds) * 1000:>5.0f} ms" if len(seconds) > 1 else ""
        print(f"  {name:<30}{statistics.median(seconds) * 1000:>6.0f} ms  {worst:<16}{spent}")


if __name__ == "__main__":
    main()
