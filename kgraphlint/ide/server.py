"""``kgraphlint lsp``: a language server (pygls) over standard input and output.

Diagnostics are published when a document is opened or saved, and after each edit (edits
that arrive together, as a burst of keystrokes or a paste does, are checked once). The
tables the checks read (rules, layer signatures) are loaded while the client waits for
``initialize``, so the first document opened is checked as fast as the next. Hovering a name bound to a tensor, a layer call or a layer
shows its shape, class and parameters. Findings that carry a fix offer it as a quick fix,
and every finding offers a ``# noqa`` comment.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from kgraphlint import __version__
from kgraphlint.analysis import AnalysisError, FileAnalysis, analyze_source
from kgraphlint.checking import check_source_file
from kgraphlint.ide.incremental import IncrementalParser
from kgraphlint.config import ConfigError, Settings, discover_settings
from kgraphlint.fixes.apply import with_noqa
from kgraphlint.ide.hover import HoverFact, hover_at, hover_facts
from kgraphlint.registry import find_rule
from kgraphlint.rule import Finding, Severity
from kgraphlint.source.files import source_from_text
from kgraphlint.source.source_file import SourceFile

#: how long a change waits for a newer one before it is checked: long enough to gather the
#: messages already on their way, short against the check itself (benchmarks/editor.py)
DEBOUNCE_SECONDS = 0.02
#: what the warm-up checks: a little of everything the first real check needs
WARM_UP = """import keras
from keras import layers
inputs = keras.Input(shape=(28, 28, 1))
x = layers.Conv2D(8, 3, activation="relu")(inputs)
x = layers.Flatten()(x)
outputs = layers.Dense(10, activation="softmax")(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
"""
SEVERITIES = {Severity.ERROR: types.DiagnosticSeverity.Error, Severity.WARNING: types.DiagnosticSeverity.Warning,
              Severity.INFO: types.DiagnosticSeverity.Information}


def lint_source(source: SourceFile, settings: Settings, path: Path, parser: IncrementalParser | None
                ) -> tuple[list[Finding], FileAnalysis | None]:
    """One document's findings, and the analysis they came from (hovers are read from it
    when the user first hovers: their positions are not worth computing before). Without
    a ``parser`` the text is parsed whole (faster once; the parser is faster on edits)."""
    try:
        analysis = analyze_source(source, settings.keras_version, parse=parser.parse if parser else None)
    except AnalysisError:
        analysis = None  # check_source_file analyses again and reports the internal error
    return check_source_file(source, settings, path, analysis=analysis).findings, analysis


class KgraphlintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("kgraphlint", __version__)
        self.findings: dict[str, list[Finding]] = {}
        self.hovers: dict[str, list[HoverFact]] = {}
        self.analyses: dict[str, FileAnalysis | None] = {}
        self.versions: dict[str, int | None] = {}
        #: parsed chunks of the open documents, so that an edit re-parses only what changed
        self.parser = IncrementalParser()

    def hover_facts(self, uri: str) -> list[HoverFact]:
        if uri not in self.hovers:
            analysis = self.analyses.get(uri)
            self.hovers[uri] = hover_facts(analysis) if analysis is not None else []
        return self.hovers[uri]

    def lint(self, uri: str) -> None:
        document = self.workspace.get_text_document(uri)
        path = to_fs_path(uri) or uri
        try:
            settings = discover_settings(Path(path))
        except ConfigError as error:
            self.window_show_message(types.ShowMessageParams(types.MessageType.Error, f"kgraphlint: {error}"))
            settings = Settings()
        source = source_from_text(path, document.source)
        opened = uri not in self.analyses
        # A document's first check parses it whole (the quickest way to its diagnostics);
        # its pieces are parsed for the incremental parser right after, before the first edit.
        findings, self.analyses[uri] = lint_source(source, settings, Path(path), None if opened else self.parser)
        self.hovers.pop(uri, None)
        self.findings[uri] = findings
        diagnostics = [self.diagnostic(document, finding) for finding in findings if finding.cell is None]
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, version=document.version, diagnostics=diagnostics))
        if opened and source.kind == "python":
            self.prepare_edits(uri, document.version)

    def prepare_edits(self, uri: str, version: int | None) -> None:
        """Parse an opened document's pieces and place their nodes, a batch at a time
        between requests, so that the first edit re-parses and places only its own."""
        steps = self.parser.prepare(self.workspace.get_text_document(uri).source)
        loop = asyncio.get_event_loop()

        def step() -> None:
            if self.workspace.get_text_document(uri).version != version or uri not in self.analyses:
                return  # edited or closed meanwhile: its check parses what it needs
            try:
                next(steps)
            except (StopIteration, Exception):  # noqa: BLE001 (a text libcst cannot parse: the check said so)
                return
            loop.call_soon(step)

        loop.call_soon(step)

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
    """Check a small program once: the rules, signatures and parser thread are then ready
    before the editor opens the first document."""
    lint_source(source_from_text("warm_up.py", WARM_UP), Settings(), Path("warm_up.py"), IncrementalParser())


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
    ls.analyses.pop(uri, None)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: KgraphlintServer, params: types.HoverParams) -> types.Hover | None:
    document = ls.workspace.get_text_document(params.text_document.uri)
    position = document.position_codec.position_from_client_units(document.lines, params.position)
    fact = hover_at(ls.hover_facts(params.text_document.uri), position.line + 1, position.character + 1)
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


def serve() -> int:
    server.start_io()
    return 0
