"""``kgraphlint lsp``: a language server (pygls) over standard input and output.

Diagnostics are published when a document is opened or saved, and after each edit (edits
that arrive together, as a burst of keystrokes or a paste does, are checked once). The
tables the checks read (rules, layer signatures) are loaded while the client waits for
``initialize``, so the first document opened is checked as fast as the next. Hovering a name bound to a tensor, a layer call or a layer
shows its shape, class and parameters. Findings that carry a fix offer it as a quick fix,
and every finding offers a ``# noqa`` comment.

The analyses run in a worker process (``kgraphlint.ide.linting``), so that no request
waits for one, and standard input is read through ``kgraphlint.ide.framing``, so that a
bad frame from the client costs that frame only.
"""

from __future__ import annotations

import asyncio
import sys

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from kgraphlint import __version__
from kgraphlint.fixes.apply import with_noqa
from kgraphlint.ide.framing import FramedInput
from kgraphlint.ide.hover import HoverFact, hover_at
from kgraphlint.ide.linting import Linter, Outcome, Request
from kgraphlint.registry import find_rule
from kgraphlint.rule import Finding, Severity

#: how long a change waits for a newer one before it is checked: long enough to gather the
#: messages already on their way, short against the check itself (benchmarks/editor.py)
DEBOUNCE_SECONDS = 0.02
#: how long a hover waits for the hover facts of an analysis that has finished (they follow
#: its findings); it never waits for an analysis itself
HOVER_FACTS_WAIT_SECONDS = 2.0
SEVERITIES = {Severity.ERROR: types.DiagnosticSeverity.Error, Severity.WARNING: types.DiagnosticSeverity.Warning,
              Severity.INFO: types.DiagnosticSeverity.Information}


class KgraphlintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("kgraphlint", __version__)
        self.findings: dict[str, list[Finding]] = {}
        self.hovers: dict[str, list[HoverFact]] = {}
        self.versions: dict[str, int | None] = {}
        self.linter = Linter()
        #: documents whose findings are published and whose hover facts are on their way
        self.facts_coming: dict[str, asyncio.Event] = {}

    def start_linting(self) -> None:
        """The worker, started, and handing its results to this event loop."""
        self.linter.attach(self.deliver, asyncio.get_running_loop().call_soon_threadsafe)
        self.linter.start()

    async def hover_facts(self, uri: str) -> list[HoverFact]:
        """The hover facts of the document's newest analysis that has them: those of the
        published findings, if they are about to arrive, else the previous ones."""
        coming = self.facts_coming.get(uri)
        if coming is not None:
            try:
                await asyncio.wait_for(coming.wait(), HOVER_FACTS_WAIT_SECONDS)
            except asyncio.TimeoutError:
                pass
        return self.hovers.get(uri, [])

    def lint(self, uri: str) -> None:
        """Queue the document's current text for the worker; ``deliver`` publishes the result."""
        self.start_linting()
        document = self.workspace.get_text_document(uri)
        self.linter.submit(Request(uri, document.version, to_fs_path(uri) or uri, document.source))

    def deliver(self, outcome: Outcome) -> None:
        """A result from the worker, on the server's thread: dropped when the document has
        changed (or closed) since that version was sent."""
        document = self.workspace.text_documents.get(outcome.uri)
        if not outcome.has_findings:
            coming = self.facts_coming.pop(outcome.uri, None)
            if coming is not None:
                coming.set()
        if document is None or document.version != outcome.version:
            return
        if not outcome.has_findings:
            if outcome.hovers is not None:
                self.hovers[outcome.uri] = outcome.hovers
            return
        self.facts_coming[outcome.uri] = asyncio.Event()
        if outcome.config_error is not None:
            self.window_show_message(types.ShowMessageParams(types.MessageType.Error,
                                                             f"kgraphlint: {outcome.config_error}"))
        self.findings[outcome.uri] = outcome.findings
        diagnostics = [self.diagnostic(document, finding) for finding in outcome.findings if finding.cell is None]
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=outcome.uri, version=document.version, diagnostics=diagnostics))

    def stop_linting(self) -> None:
        self.linter.stop()

    @staticmethod
    def to_range(document, line: int, column: int, end_line: int, end_column: int) -> types.Range:
        """1-based code-point positions to the client's 0-based units (UTF-16 by default)."""
        codec = document.position_codec
        return codec.range_to_client_units(document.lines, types.Range(
            start=types.Position(line=line - 1, character=column - 1),
            end=types.Position(line=end_line - 1, character=end_column - 1)))

    def diagnostic(self, document, finding: Finding) -> types.Diagnostic:
        related = [
            types.DiagnosticRelatedInformation(
                location=types.Location(uri=document.uri, range=self.to_range(document, r.line, r.column, r.line,
                                                                               r.column)),
                message=r.message)
            for r in finding.related if r.path == finding.path
        ]
        rule = find_rule(finding.code)
        url = rule.url() if rule is not None else None
        return types.Diagnostic(
            range=self.to_range(document, finding.line, finding.column, finding.end_line, finding.end_column),
            message=finding.message, severity=SEVERITIES[finding.severity], code=finding.code,
            code_description=types.CodeDescription(href=url) if url else None,
            source="kgraphlint", related_information=related or None,
            data={"name": finding.name, "line": finding.line},
        )


server = KgraphlintServer()


@server.feature(types.INITIALIZE)
def initialize(ls: KgraphlintServer, params: types.InitializeParams) -> None:
    """The worker (started with the server) hands its results to the event loop from now on."""
    ls.start_linting()


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: KgraphlintServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.lint(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: KgraphlintServer, params: types.DidSaveTextDocumentParams) -> None:
    ls.lint(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
async def did_change(ls: KgraphlintServer, params: types.DidChangeTextDocumentParams) -> None:
    """Re-check once typing pauses: a newer change cancels this one's re-check."""
    uri, version = params.text_document.uri, params.text_document.version
    ls.versions[uri] = version
    await asyncio.sleep(DEBOUNCE_SECONDS)
    if ls.versions.get(uri) == version:
        ls.lint(uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: KgraphlintServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.findings.pop(uri, None)
    ls.hovers.pop(uri, None)
    ls.linter.forget(uri)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(types.TEXT_DOCUMENT_HOVER)
async def hover(ls: KgraphlintServer, params: types.HoverParams) -> types.Hover | None:
    facts = await ls.hover_facts(params.text_document.uri)
    document = ls.workspace.get_text_document(params.text_document.uri)
    position = document.position_codec.position_from_client_units(document.lines, params.position)
    fact = hover_at(facts, position.line + 1, position.character + 1)
    if fact is None:
        return None
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=fact.markdown),
        range=ls.to_range(document, fact.span.line, fact.span.column, fact.span.end_line, fact.span.end_column))


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
def code_action(ls: KgraphlintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    uri = params.text_document.uri
    document = ls.workspace.get_text_document(uri)
    first, last = params.range.start.line + 1, params.range.end.line + 1
    actions = []
    for finding in ls.findings.get(uri, []):
        if finding.cell is not None or not (first <= finding.line <= last or first <= finding.end_line <= last):
            continue
        diagnostic = ls.diagnostic(document, finding)
        if finding.fix is not None:
            edits = [types.TextEdit(range=ls.to_range(document, e.line, e.column, e.end_line, e.end_column),
                                    new_text=e.replacement) for e in finding.fix.edits]
            actions.append(types.CodeAction(
                title=f"Fix {finding.code}: {finding.fix.message}", kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic], is_preferred=True, edit=types.WorkspaceEdit(changes={uri: edits})))
        line_text = document.lines[finding.end_line - 1] if finding.end_line <= len(document.lines) else ""
        new_line = with_noqa(line_text if line_text.endswith("\n") else line_text + "\n", [
            Finding(finding.path, 1, 1, 1, 1, finding.code, finding.name, finding.severity, "")])
        whole_line = types.Range(start=types.Position(line=finding.end_line - 1, character=0),
                                 end=types.Position(line=finding.end_line, character=0))
        actions.append(types.CodeAction(
            title=f"Ignore {finding.code} ({finding.name}) on this line", kind=types.CodeActionKind.QuickFix,
            diagnostics=[diagnostic],
            edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(range=whole_line, new_text=new_line)]})))
    return actions


@server.feature(types.SHUTDOWN)
def shutdown(ls: KgraphlintServer, params: None) -> None:
    """Analyses still running are of no use once the editor is leaving: stop them now."""
    ls.stop_linting()


@server.feature(types.EXIT)
def exit_(ls: KgraphlintServer, params: None) -> None:
    ls.stop_linting()


def serve(linter: Linter | None = None) -> int:
    """Serve on standard input and output; ``linter``: a worker already started (the
    command line starts it before this module loads, so that it warms up meanwhile)."""
    if linter is not None:
        server.linter = linter
    server.start_io(stdin=FramedInput(sys.stdin.buffer))
    return 0
