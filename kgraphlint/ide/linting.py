"""The language server's analyses, in a process of their own.

libcst's parser holds the interpreter lock for seconds on a large document, so a thread
would still stall the server: the analyses run in one long-lived worker process, and the
server's own thread only sends documents and receives results. Hover, code actions and
shutdown never wait for an analysis.

One analysis runs at a time. Each document waits with its newest text only (an edit that
comes while it waits replaces it), and a result for a version older than the document's
is dropped when it arrives. The worker keeps the incremental parser of the open
documents. It sends a document's findings as soon as they are known, then its hover
facts (none, when it was told that another document waits: that one goes first). It
checks a small program when it starts, so that the tables the checks read are loaded
before the first document comes; a document's first check parses it whole (the quickest
way to its diagnostics), and its pieces are parsed for the incremental parser afterwards,
while nothing else waits.

The two sides never write a large message at the same time (two full pipes would block
both): the server sends a document only when the worker has sent its last message for
the previous one, and otherwise only the one-word hint that something waits.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Callable, Iterator

from kgraphlint.analysis import AnalysisError, FileAnalysis, analyze_source
from kgraphlint.checking import check_source_file
from kgraphlint.config import ConfigError, Settings, discover_settings
from kgraphlint.ide.hover import HoverFact, hover_facts
from kgraphlint.ide.incremental import IncrementalParser
from kgraphlint.rule import Finding
from kgraphlint.source.files import source_from_text
from kgraphlint.source.source_file import SourceFile

#: the server to the worker, while it analyses: another document is waiting
HURRY = "hurry"
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


@dataclass(frozen=True)
class Request:
    uri: str
    version: int | None
    path: str
    text: str


@dataclass(frozen=True)
class Outcome:
    """What the worker found for one version of a document: its findings (with the
    configuration error, if any, that made the defaults apply), or after them its hover
    facts (None: skipped)."""

    uri: str
    version: int | None
    findings: list[Finding] | None = None
    config_error: str | None = None
    hovers: list[HoverFact] | None = None

    @property
    def has_findings(self) -> bool:
        return self.findings is not None


def lint_source(source: SourceFile, settings: Settings, path: Path, parser: IncrementalParser | None
                ) -> tuple[list[Finding], FileAnalysis | None]:
    """One document's findings, and the analysis they came from (for its hover facts).
    Without a ``parser`` the text is parsed whole (faster once; the parser is faster on edits)."""
    try:
        analysis = analyze_source(source, settings.keras_version, parse=parser.parse if parser else None,
                                  time_budget=settings.time_budget)
    except AnalysisError:
        analysis = None  # check_source_file analyses again and reports the internal error
    return check_source_file(source, settings, path, analysis=analysis).findings, analysis


def _serve(connection: Connection) -> None:
    """The worker: analyse each request, answer with findings, then hover facts."""
    lint_source(source_from_text("warm_up.py", WARM_UP), Settings(), Path("warm_up.py"), IncrementalParser())
    parser = IncrementalParser()
    checked: set[str] = set()
    #: opened documents whose pieces are still to be parsed for their first edit
    preparing: dict[str, Iterator[None]] = {}
    while True:
        prepare(preparing, connection)
        try:
            request = connection.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        if request == HURRY:  # it came after this analysis's hover facts were sent
            continue
        config_error = None
        try:
            settings = discover_settings(Path(request.path))
        except ConfigError as error:
            config_error, settings = str(error), Settings()
        source = source_from_text(request.path, request.text)
        preparing.pop(request.uri, None)  # edited: its check parses what it needs
        first = request.uri not in checked
        checked.add(request.uri)
        findings, analysis = lint_source(source, settings, Path(request.path), None if first else parser)
        connection.send(Outcome(request.uri, request.version, findings, config_error))
        hurry = connection.poll()
        if hurry:
            connection.recv()
        facts = hover_facts(analysis) if analysis is not None and not hurry else None
        connection.send(Outcome(request.uri, request.version, hovers=facts))
        if first and source.kind == "python":
            preparing[request.uri] = parser.prepare(request.text)


def prepare(preparing: dict[str, Iterator[None]], connection: Connection) -> None:
    """Parse opened documents' pieces and place their nodes, a batch at a time, while the
    server sends nothing: a first edit then re-parses and places only its own."""
    for uri in list(preparing):
        while not connection.poll():
            try:
                next(preparing[uri])
            except Exception:  # noqa: BLE001 (done, or a text libcst cannot parse: its check said so)
                del preparing[uri]
                break
        else:
            return


class Linter:
    """The server's side: a queue of documents for the worker, and results handed to
    ``deliver`` on the thread ``call_soon`` schedules on (the server's event loop: both
    are known once it runs, ``attach``)."""

    def __init__(self) -> None:
        self.deliver: Callable[[Outcome], None] | None = None
        self.call_soon: Callable | None = None
        self.waiting: dict[str, Request] = {}  # by document, the newest text only
        self.running: Request | None = None
        self.hurried = False  # whether the running analysis was told that others wait
        self.lock = threading.Lock()
        self.connection: Connection | None = None
        self.process = None

    def attach(self, deliver: Callable[[Outcome], None], call_soon: Callable) -> None:
        self.deliver, self.call_soon = deliver, call_soon

    def start(self, fork: bool = False) -> None:
        """Start the worker now, if it is not running: it warms up while the editor gets
        ready. ``fork``: while this process has no thread yet, the worker can be a fork of
        it, with everything already imported (where the platform forks); later workers
        (after a crash) are spawned, as forking a process with threads is unsafe."""
        with self.lock:
            if self.process is None:
                self._start(fork and "fork" in multiprocessing.get_all_start_methods() and sys.platform == "linux")

    def _start(self, fork: bool = False) -> None:
        context = multiprocessing.get_context("fork" if fork else "spawn")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child,), daemon=True, name="kgraphlint-lint")
        self.process.start()
        child.close()
        threading.Thread(target=self._receive, args=(self.connection, self.process), daemon=True,
                         name="kgraphlint-lint-results").start()

    def submit(self, request: Request) -> None:
        with self.lock:
            self.waiting[request.uri] = request
            if self.running is not None and not self.hurried:
                self.hurried = True
                self.connection.send(HURRY)
            self._send_next()

    def forget(self, uri: str) -> None:
        with self.lock:
            self.waiting.pop(uri, None)

    def _send_next(self) -> None:
        if self.running is not None or not self.waiting:
            return
        if self.process is None:
            self._start()
        uri = next(iter(self.waiting))
        self.running, self.hurried = self.waiting.pop(uri), False
        self.connection.send(self.running)

    def _receive(self, connection: Connection, process) -> None:
        """The results thread: each outcome to the event loop; a new worker if this one dies."""
        while True:
            try:
                outcome = connection.recv()
            except (EOFError, OSError):
                break
            if not outcome.has_findings:  # the last message about this document: the worker waits
                with self.lock:
                    self.running = None
                    self._send_next()
            self.call_soon(self.deliver, outcome)
        with self.lock:
            if self.process is not process:  # stopped on purpose
                return
            self.process = self.running = None  # that document's analysis is lost with it
            self._send_next()

    def stop(self) -> None:
        """End the worker now, whatever it is doing (shutdown does not wait for analyses)."""
        with self.lock:
            process, connection = self.process, self.connection
            self.process = self.running = None
            self.waiting.clear()
        if process is not None:
            process.kill()
            process.join()
            connection.close()
