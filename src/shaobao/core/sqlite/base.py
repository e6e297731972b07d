"""SQLite with writers that queue in order instead of polling for the write lock.

SQLite lets one writer at a time hold the database. When a second one asks, its busy
handler sleeps and retries, with sleeps growing to 100 ms: under many concurrent writes
(a busy intake, a grid worker's batch of checks) the lock often sits free while waiters
sleep, and an unlucky request waits seconds. Here every write transaction first takes an
exclusive `flock` on a file beside the database: the kernel hands it to the next waiter
the moment it is released (processes and threads alike, each connection has its own file
description), and releases it if a process dies. SQLite's own lock is then taken with no
contention. Reads, which WAL lets run beside a writer, take no lock.
"""

from __future__ import annotations

import fcntl
import os
from typing import Any

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._writer_fd: int | None = None
        self._writer_held = False

    def _writer_lock_path(self) -> str | None:
        name = str(self.settings_dict["NAME"])
        if self.is_in_memory_db() or not name:
            return None
        return f"{name}.writer-lock"

    def _writer_lock_take(self) -> None:
        if self._writer_held:
            return
        if self._writer_fd is None:
            path = self._writer_lock_path()
            if path is None:
                return
            self._writer_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._writer_fd, fcntl.LOCK_EX)
        self._writer_held = True

    def _writer_lock_release(self) -> None:
        if self._writer_held and self._writer_fd is not None:
            fcntl.flock(self._writer_fd, fcntl.LOCK_UN)
        self._writer_held = False

    def _start_transaction_under_autocommit(self) -> None:
        self._writer_lock_take()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # private in the stubs
        except BaseException:
            self._writer_lock_release()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]  # private in the stubs
        finally:
            self._writer_lock_release()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]  # private in the stubs
        finally:
            self._writer_lock_release()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]  # private in the stubs
        finally:
            self._writer_lock_release()
            if self._writer_fd is not None:
                os.close(self._writer_fd)
                self._writer_fd = None
