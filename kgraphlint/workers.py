"""``--jobs``: check files in worker processes, one file at a time per worker.

Each worker is told one file, answers with its result, and is told the next. The parent
knows which file every worker has, so a worker that dies (killed for memory, a crash in
native code) is reported with the file it was checking, a fresh worker takes its place,
and every other file's result is kept. (``concurrent.futures`` cannot say which task a
dead worker had: it fails every pending one.)
"""

from __future__ import annotations

import multiprocessing
import signal
from collections import deque
from multiprocessing.connection import Connection, wait
from typing import Callable, TypeVar

Task = TypeVar("Task")
Result = TypeVar("Result")


def _serve(connection: Connection, work: Callable) -> None:
    """A worker's loop: one task in, its result out, until told to stop (None) or orphaned."""
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        connection.send(work(task))


def how_it_ended(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


class _Worker:
    def __init__(self, work: Callable) -> None:
        self.connection, child = multiprocessing.Pipe()
        self.process = multiprocessing.Process(target=_serve, args=(child, work), daemon=True)
        self.process.start()
        child.close()
        self.task: int | None = None

    def stop(self) -> None:
        try:
            self.connection.send(None)
        except OSError:
            pass
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()


def run_in_processes(tasks: list[Task], jobs: int, work: Callable[[Task], Result],
                     died: Callable[[Task, str], Result]) -> list[Result]:
    """``work`` of every task in up to ``jobs`` processes, results in the tasks' order; a task
    whose worker died gets ``died(task, how)`` instead."""
    results: list = [None] * len(tasks)
    waiting = deque(range(len(tasks)))
    workers = [_Worker(work) for _ in range(min(jobs, len(tasks)))]
    busy: dict[Connection, _Worker] = {}

    def give(worker: _Worker) -> None:
        if waiting:
            worker.task = waiting.popleft()
            worker.connection.send(tasks[worker.task])
            busy[worker.connection] = worker

    try:
        for worker in workers:
            give(worker)
        while busy:
            for connection in wait(list(busy)):
                worker = busy.pop(connection)
                try:
                    results[worker.task] = connection.recv()
                except (EOFError, OSError):  # the process is gone: its task is the culprit
                    worker.process.join()
                    results[worker.task] = died(tasks[worker.task], how_it_ended(worker.process.exitcode))
                    connection.close()
                    workers.remove(worker)
                    if not waiting:
                        continue
                    worker = _Worker(work)
                    workers.append(worker)
                give(worker)
    finally:
        for worker in workers:
            worker.stop()
    return results
