"""A queue for SQLite writers across processes, so the write lock never lies idle.

SQLite lets one transaction write at a time. A writer that finds the lock taken sleeps in
SQLite's busy handler — 1, 2, 5, 10 … 100 ms, whatever happens meanwhile — so under load the
lock often sits free while every waiter still sleeps. Writers here first take an exclusive
`flock` on a file beside the database: the kernel wakes the next writer the moment the lock is
released. SQLite's own lock stays what guarantees correctness; this only orders who asks for it
next, so a writer that cannot queue (or waits longer than the busy timeout) goes on to SQLite
as before.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading

log = logging.getLogger(__name__)


class QueuedWriterConnection(sqlite3.Connection):
    """A sqlite3 connection that leaves the writers' queue when its transaction ends."""

    queue_path: str | None = None
    _queue_fd: int | None = None
    _in_queue: bool = False

    def join_writers(self, timeout: float) -> None:
        """Wait (up to `timeout` seconds) until this connection is the next writer."""
        if self.queue_path is None or self._in_queue:
            return
        if self._queue_fd is None:
            self._queue_fd = os.open(self.queue_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        self._in_queue = _lock(self._queue_fd, timeout)

    def leave_writers(self) -> None:
        if self._in_queue and self._queue_fd is not None:
            self._in_queue = False
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.leave_writers()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.leave_writers()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.leave_writers()
            if self._queue_fd is not None:
                os.close(self._queue_fd)
                self._queue_fd = None


def _lock(fd: int, timeout: float) -> bool:
    """Take the exclusive lock on `fd`; False (not locked) if that took longer than `timeout`."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        pass
    except OSError as exc:  # a file system without flock: SQLite's busy handler alone
        log.warning("cannot queue SQLite writers: %s", exc)
        return False
    # A blocking flock cannot time out: it waits in a helper thread, and a lock the helper gets
    # after the caller gave up is released at once.
    waiter = _Waiter(fd)
    waiter.start()
    return waiter.wait(timeout)


class _Waiter(threading.Thread):
    def __init__(self, fd: int):
        super().__init__(daemon=True, name="sqlite-writer-queue")
        # Its own descriptor of the same open file (so the same lock): the connection may
        # close its one after giving up on the wait.
        self.fd = os.dup(fd)
        self.locked = threading.Event()
        self.state_lock = threading.Lock()
        self.abandoned = False

    def run(self) -> None:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX)
            with self.state_lock:
                if self.abandoned:
                    fcntl.flock(self.fd, fcntl.LOCK_UN)
                else:
                    self.locked.set()
        except OSError:
            pass
        finally:
            os.close(self.fd)

    def wait(self, timeout: float) -> bool:
        if self.locked.wait(timeout):
            return True
        with self.state_lock:
            self.abandoned = True
            return self.locked.is_set()
