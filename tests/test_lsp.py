"""The language server, driven over stdio as an editor drives it."""

from __future__ import annotations

import asyncio
import sys

import pytest


pygls = pytest.importorskip("pygls")
from lsprotocol import types  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402

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
