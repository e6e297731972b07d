"""Threads for `import-cases` on PostgreSQL: a reader ahead, two writers in turn.

`Prefetch` runs the batch generator (read, parse, derive) in a thread a bounded number
of batches ahead, while the writing waits on the server (psycopg releases the GIL while
it waits), so on a two-core machine Python and PostgreSQL overlap instead of taking
turns. The reader must not use the database: Django gives each thread its own
connection, which would not see the importer's transaction (or a test's).
`OrderedWriters` lets two connections work on consecutive batches at once while the
batches still commit in order. SQLite uses neither (see `importer.import_cases`).
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Generic, TypeVar, cast

from django.db import connections

T = TypeVar("T")
R = TypeVar("R")
_DONE = object()
_POLL_S = 0.1  # how often a blocked reader checks whether the consumer has gone
# While the reader thread runs Python flat out, a writer coming back from the server
# waits for the interpreter lock until the reader's time slice ends (5 ms by default),
# once per round trip. Measured beside a busy thread: fetching 5,000 ids took 45 ms with
# 5 ms slices, 11 ms with 1 ms and 5 ms with 0.2 ms (3 ms alone); a whole import of
# 50,000 rows ran about 7 % faster with 0.5 ms slices.
_SWITCH_INTERVAL_S = 0.0005


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class Prefetch(Generic[T]):
    """`with Prefetch(gen, depth) as items: for item in items: …`

    At most `depth` items wait in the queue (memory stays bounded by `depth` batches).
    `background=False` iterates in the caller's thread instead (same interface).
    An exception in the reader is raised in the consumer at the point it happened; if
    the consumer stops early (an exception, an interruption), leaving the block stops
    the reader and waits for its thread.
    """

    def __init__(self, source: Iterable[T], depth: int = 2, background: bool = True) -> None:
        self._source = source
        self._background = background
        self._queue: queue.Queue[object] = queue.Queue(maxsize=max(depth, 1))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="import-reader", daemon=True)
        self._switch_before = sys.getswitchinterval()

    def __enter__(self) -> Iterator[T]:
        if not self._background:
            return iter(self._source)
        self._switch_before = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch_before, _SWITCH_INTERVAL_S))
        self._thread.start()
        return self._items()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if not self._background:
            return
        self._stop.set()
        while self._thread.is_alive():  # unblock a reader waiting on a full queue
            with contextlib.suppress(queue.Empty):
                self._queue.get(timeout=_POLL_S)
        self._thread.join()
        sys.setswitchinterval(self._switch_before)

    def _items(self) -> Iterator[T]:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.exc
            yield item  # type: ignore[misc]

    def _run(self) -> None:
        try:
            for item in self._source:
                if not self._put(item):
                    return
            self._put(_DONE)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            self._put(_Failed(exc))
        finally:
            # A lookup cache refreshed from this thread (e.g. the work calendar every
            # 30 s) opened this thread's own connection; do not leak it.
            connections.close_all()

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False


class _Job(Generic[T, R]):
    """One item for `OrderedWriters`; `done` is set once it committed or failed."""

    def __init__(self, item: T, prev: _Job[T, R] | None) -> None:
        self.item, self.prev = item, prev
        self.done = threading.Event()
        self.result: R | None = None
        self.error: BaseException | None = None

    def wait_prev(self) -> None:
        prev = self.prev
        if prev is None:
            return
        prev.done.wait()
        if prev.error is not None:
            raise PreviousFailed from prev.error


class PreviousFailed(Exception):
    """The batch before this one did not commit, so this one must not either."""


class OrderedWriters(Generic[T, R]):
    """Commit items on two threads (two database connections), in submission order.

    `commit(item, prev_item, wait_prev)` runs on the writers in turn; it does the work
    that does not depend on the previous item first, then calls `wait_prev()`, which
    returns once the previous item has committed (or raises `PreviousFailed`). So on
    PostgreSQL batch k+1's COPY runs on one server process while batch k's rollups and
    commit run on the other, and commits (and checkpoints) still follow file order.
    At most two items are in flight. Leaving the block lets those finish and closes the
    writers' connections.
    """

    def __init__(self, commit: Callable[[T, T | None, Callable[[], None]], R]) -> None:
        self._commit = commit
        self._inboxes: list[queue.Queue[_Job[T, R] | None]] = [queue.Queue(), queue.Queue()]
        self._threads = [threading.Thread(target=self._serve, args=(box,), daemon=True,
                                          name=f"import-writer-{i}")
                         for i, box in enumerate(self._inboxes)]
        self._jobs: deque[_Job[T, R]] = deque()
        self._count = 0

    def __enter__(self) -> OrderedWriters[T, R]:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for box in self._inboxes:
            box.put(None)
        for t in self._threads:
            t.join()

    def submit(self, item: T) -> list[R]:
        """Queue `item`; returns the results of items that committed meanwhile, in order."""
        out = [self._finish_oldest()] if len(self._jobs) >= 2 else []
        job = _Job(item, self._jobs[-1] if self._jobs else None)
        self._jobs.append(job)
        self._inboxes[self._count % 2].put(job)
        self._count += 1
        return out

    def drain(self) -> list[R]:
        return [self._finish_oldest() for _ in range(len(self._jobs))]

    def _finish_oldest(self) -> R:
        job = self._jobs.popleft()
        job.done.wait()
        if job.error is not None:
            raise job.error
        return cast(R, job.result)

    def _serve(self, inbox: queue.Queue[_Job[T, R] | None]) -> None:
        try:
            while (job := inbox.get()) is not None:
                try:
                    prev = job.prev.item if job.prev is not None else None
                    job.result = self._commit(job.item, prev, job.wait_prev)
                except BaseException as exc:  # handed to the consumer, which re-raises it
                    job.error = exc
                finally:
                    job.prev = None  # the chain would keep every batch alive
                    job.done.set()
        finally:
            connections.close_all()
