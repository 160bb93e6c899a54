"""The language server, driven over stdio as an editor drives it."""

from __future__ import annotations

import asyncio
import json
import sys

import pytest


pygls = pytest.importorskip("pygls")
from lsprotocol import types  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402

from conftest import FIXTURES  # noqa: E402

PROGRAM = """import keras
from keras import layers

inputs = keras.Input(shape=(32,))
x = layers.Dense(64, activation="relu")(inputs)
words = keras.Input(shape=(None,), dtype="int32")
vectors = layers.Embedding(64, vocab_size)(words)
model = keras.Model([inputs, words], [x, vectors])
head = layers.Dense(4)
"""


async def session(tmp_path) -> dict:
    path = tmp_path / "model.py"
    path.write_text(PROGRAM.replace("vocab_size", "20000"))
    uri = path.as_uri()
    published: list[types.PublishDiagnosticsParams] = []
    arrived = asyncio.Event()
    client = LanguageClient("kgraphlint-test", "1")

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        published.append(params)
        arrived.set()

    async def next_diagnostics() -> types.PublishDiagnosticsParams:
        await asyncio.wait_for(arrived.wait(), 30)
        arrived.clear()
        return published[-1]

    await client.start_io(sys.executable, "-m", "kgraphlint", "lsp")
    try:
        await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities(),
                                                             root_uri=tmp_path.as_uri()))
        client.initialized(types.InitializedParams())
        text = path.read_text()
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
        opened = await next_diagnostics()
        hover = await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=4, character=0)))
        argument_hover = await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=4, character=42)))
        actions = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=types.Position(line=6, character=0), end=types.Position(line=6, character=0)),
            context=types.CodeActionContext(diagnostics=opened.diagnostics)))
        fixed = text.replace("Embedding(64, 20000)", "Embedding(20000, 64)")
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)]))
        changed = await next_diagnostics()
        layer_hover = await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=8, character=1)))
        path.write_text(text)
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
        client.text_document_did_save(types.DidSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
        saved = await next_diagnostics()
        await client.shutdown_async(None)
        client.exit(None)
    finally:
        await client.stop()
    return {"opened": opened, "hover": hover, "argument_hover": argument_hover, "actions": actions,
            "changed": changed, "layer_hover": layer_hover, "saved": saved}


def test_language_server_end_to_end(tmp_path):
    result = asyncio.run(session(tmp_path))
    [diagnostic] = result["opened"].diagnostics
    assert (diagnostic.code, diagnostic.source) == ("KGL301", "kgraphlint")
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    assert diagnostic.range.start == types.Position(line=6, character=10)
    assert diagnostic.code_description.href == (
        "https://github.com/kgraphlint/kgraphlint/blob/main/rules/kgl301_swapped_arguments.py")
    assert "(None, 64)" in result["hover"].contents.value
    assert "Dense" in result["hover"].contents.value and "2,112 parameters" in result["hover"].contents.value
    assert "(None, 32)" in result["argument_hover"].contents.value
    titles = [action.title for action in result["actions"]]
    assert titles[0].startswith("Fix KGL301") and any("Ignore KGL301" in t for t in titles)
    [edit_a, edit_b] = result["actions"][0].edit.changes[next(iter(result["actions"][0].edit.changes))]
    assert (edit_a.new_text, edit_b.new_text) == ("input_dim=20000", "output_dim=64")
    assert result["changed"].version == 2 and list(result["changed"].diagnostics) == []
    assert "`Dense` 'dense_1'" in result["layer_hover"].contents.value
    assert "not called yet" in result["layer_hover"].contents.value
    assert [d.code for d in result["saved"].diagnostics] == ["KGL301"]


class RawSession:
    """The server over stdio, driven frame by frame: pygls' client cannot send a bad frame.
    Messages from the server arrive in order on a queue; waiting for one fails the test
    after a minute instead of hanging it."""

    def __init__(self, folder) -> None:
        import queue
        import subprocess
        import threading

        self.log = folder / "server.log"
        self.process = subprocess.Popen([sys.executable, "-m", "kgraphlint", "lsp"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=self.log.open("wb"), cwd=folder)
        self.messages: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
                elif not line.strip():
                    break
            self.messages.put(json.loads(stream.read(length)))

    def send(self, message: dict, length: int | None = None, before: bytes = b"") -> None:
        body = json.dumps(message).encode()
        self.process.stdin.write(before + b"Content-Length: %d\r\n\r\n" % (len(body) if length is None else length)
                                 + body)
        self.process.stdin.flush()

    def request(self, id: int, method: str, params: object = None, **framing) -> None:
        self.send({"jsonrpc": "2.0", "id": id, "method": method, "params": params}, **framing)

    def notify(self, method: str, params: object) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def until(self, done) -> list[dict]:
        """The messages that arrive up to and including the first one ``done`` accepts."""
        import queue

        seen = []
        while True:
            try:
                seen.append(self.messages.get(timeout=60))
            except queue.Empty:
                raise AssertionError(f"the server stopped answering; it had sent {seen}; its log ends with "
                                     f"{self.log.read_text()[-2000:]!r}") from None
            if done(seen[-1]):
                return seen

    def start(self, root) -> None:
        self.request(1, "initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": {}})
        self.until(lambda m: m.get("id") == 1)
        self.notify("initialized", {})

    def open(self, path, text: str, version: int = 1) -> None:
        self.notify("textDocument/didOpen", {"textDocument": {"uri": path.as_uri(), "languageId": "python",
                                                               "version": version, "text": text}})

    def finish(self, id: int) -> list[dict]:
        self.request(id, "shutdown")
        seen = self.until(lambda m: m.get("id") == id)
        self.notify("exit", None)
        self.process.stdin.close()
        assert self.process.wait(timeout=60) == 0
        return seen


def diagnostics_of(message: dict, uri: str) -> bool:
    return message.get("method") == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri


def test_the_server_survives_framing_errors(tmp_path):
    """A length that is not a number, too short, too long or absurd, junk between frames:
    each costs at most its own message, and the server goes on answering."""
    session = RawSession(tmp_path)
    session.start(tmp_path)
    session.request(2, "kgraphlint/ping", before=b"Content-Length: abc\r\n\r\n{not json at all", length=5)
    session.request(3, "kgraphlint/ping")
    session.request(4, "kgraphlint/ping", length=500)
    session.request(5, "kgraphlint/ping", before=b"some junk\r\n")
    session.request(6, "kgraphlint/ping", length=10 ** 15)
    session.request(7, "kgraphlint/ping")
    answered = {m["id"] for m in session.finish(8) if "id" in m}
    assert {3, 5, 7, 8} <= answered


def test_requests_never_wait_for_a_running_analysis_and_stale_analyses_are_dropped(tmp_path):
    small, big = tmp_path / "model.py", tmp_path / "big.py"
    slow = "import keras\nfrom keras import layers\nx = keras.Input(shape=(8,))\n" + (
        "x = layers.Dense(8)(x)\n" * 4000) + "model = keras.Model(x, x)\n"
    session = RawSession(tmp_path)
    session.start(tmp_path)
    session.open(small, PROGRAM.replace("vocab_size", "20000"))
    session.until(lambda m: diagnostics_of(m, small.as_uri()))
    # The big document's analysis takes seconds: a hover on the other one is answered first.
    session.open(big, slow)
    session.request(10, "textDocument/hover", {"textDocument": {"uri": small.as_uri()},
                                               "position": {"line": 4, "character": 0}})
    seen = session.until(lambda m: m.get("id") == 10)
    assert "(None, 64)" in seen[-1]["result"]["contents"]["value"]
    assert not any(diagnostics_of(m, big.as_uri()) for m in seen)
    # A newer version while the old one is analysed: only the newer one's result is published.
    session.notify("textDocument/didChange", {"textDocument": {"uri": big.as_uri(), "version": 2},
                                              "contentChanges": [{"text": PROGRAM.replace("vocab_size", "20000")}]})
    [published] = [m for m in session.until(lambda m: diagnostics_of(m, big.as_uri())) if diagnostics_of(m, big.as_uri())]
    assert published["params"]["version"] == 2
    assert [d["code"] for d in published["params"]["diagnostics"]] == ["KGL301"]
    # Shutdown does not wait for a running analysis either.
    session.open(tmp_path / "other.py", slow)
    seen = session.finish(11)
    assert not any(diagnostics_of(m, (tmp_path / "other.py").as_uri()) for m in seen)


def test_data_findings_carry_where_the_fix_goes_as_related_information(tmp_path):
    program = tmp_path / "flat_mnist.py"
    program.write_text((FIXTURES / "data" / "flat_mnist.py").read_text())
    session = RawSession(tmp_path)
    session.start(tmp_path)
    session.open(program, program.read_text())
    published = session.until(lambda m: diagnostics_of(m, program.as_uri()))[-1]
    session.finish(2)
    [fit, *_] = [d for d in published["params"]["diagnostics"] if d["code"] == "KGL405"]
    assert fit["range"]["start"]["line"] == 16
    lines = [r["location"]["range"]["start"]["line"] for r in fit["relatedInformation"]]
    assert 6 in lines  # x_train = x_train.reshape(len(x_train), 784)..., the line the fix changes
