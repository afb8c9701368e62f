"""One lock per store folder: readers share it, a writer holds it alone.

The embedded Chroma store (a ``chromadb.PersistentClient`` on a folder) is not safe to use from
several processes at once. Measured here with Chroma 1.5.9, two processes on one folder
(``benchmarks/chroma_processes.py`` repeats these):

* readers that open a client, count and query (the source being written) while another
  process upserts and deletes: 9 of 12 failed with 50 ms between the writer's batches (6
  ``Error finding id``, 3 crashed with SIGSEGV), 12 of 12 without pause (9 ``Error finding id``,
  2 SIGSEGV, 1 compactor error). Readers of other data once hung for more than 60 s in
  ``count()``: SQLite's ``busy_timeout`` of 1000 s in Chroma's Rust layer, the ~16-minute hang
  of chroma#7040 (the database stays in rollback-journal mode, where a writer shuts readers out);
* the same readers holding this lock in shared mode, the writer holding it per batch: 12 of 12
  answered, in 2.4 s (median; 3.1 s at most), process start included; without pause between
  the writer's batches they all answered too, after waiting up to 16 s for a gap;
* a reader that opened before another process wrote keeps a stale copy of the vector index in
  memory: its next query fails with ``Error finding id`` until it closes and reopens its client;
* a writer whose client opened before another process wrote (even strictly one after the
  other, never at once) saves its stale index over the other's: the other's vectors are lost
  for good (``get`` still finds their ids, ``query`` fails);
* a second client opening while the first is idle works (0.1 s).

So every use of the embedded store holds this lock: searches (opening the client included) in
shared mode, changes in exclusive mode, and both look at the collection's generation first to
reopen a client that another process made stale (:mod:`audio_tools.rag.store`). The lock is
``filelock.ReadWriteLock`` (an SQLite database of its own, ``store.lock``): the kernel drops it
when its holder dies, even by SIGKILL. Readers and writers wait up to ``store_lock_timeout_s``,
then get :class:`StoreBusyError`, which names the process writing and what to do. A Chroma
server (``chroma run``) is safe for many processes: then only the writers of this machine take
the lock, to keep the generation count and the lexical cache in order.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import filelock

from audio_tools.errors import BackendError

__all__ = ["LOCK_NAME", "StoreBusyError", "StoreLock"]

LOCK_NAME = "store.lock"
HOLDER_NAME = "writer.json"  # who holds the lock for writing, for messages only
_QUICK_TRY_S = 0.05  # the first, silent attempt before a wait is announced


class StoreBusyError(BackendError):
    """Another process kept the store locked for longer than ``store_lock_timeout_s``."""


class StoreLock:
    """The shared/exclusive lock of one store folder, safe across threads and processes.

    Threads of one process take turns (a process-wide re-entrant lock), because they share one
    Chroma client that a holder may have to reopen; processes share readers and exclude writers.

    Args:
        folder: the store folder (created when missing).
        timeout_s: how long to wait for another process before giving up.
        on_wait: told, once, when an operation has to wait for another process (a line for people).
    """

    def __init__(self, folder: Path, timeout_s: float, on_wait: Callable[[str], None] | None = None) -> None:
        self.folder = folder
        self.timeout_s = timeout_s
        self.on_wait = on_wait
        self._threads = threading.RLock()
        self._file: filelock.ReadWriteLock | None = None  # made on first use: opening it creates the folder
        self._mode: Literal["read", "write"] | None = None

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Hold the lock shared (a search); inside a :meth:`writing` block of this thread it is already held."""
        with self._threads:
            if self._mode is not None:  # nested in this thread's own hold: write covers read
                yield
                return
            self._acquire("read")
            try:
                yield
            finally:
                self._release()

    @contextlib.contextmanager
    def writing(self, doing: str) -> Iterator[None]:
        """Hold the lock alone while changing the store.

        Args:
            doing: what the holder does, shown to those who wait (``ingest meeting.flac``).

        Raises:
            StoreBusyError: another process held it for longer than the timeout.
            RuntimeError: this thread holds it for reading (take the write lock first).
        """
        with self._threads:
            if self._mode == "write":
                yield
                return
            if self._mode == "read":
                msg = "StoreLock.writing inside reading: take the write lock first."
                raise RuntimeError(msg)
            self._acquire("write")
            try:
                self._write_holder(doing)
                yield
            finally:
                with contextlib.suppress(OSError):
                    (self.folder / HOLDER_NAME).unlink()
                self._release()

    def holder(self) -> str | None:
        """Who holds (or last held) the lock for writing, as a phrase; None when unknown."""
        try:
            record = json.loads((self.folder / HOLDER_NAME).read_text(encoding="utf-8"))
            since = time.strftime("%H:%M:%S", time.localtime(float(record["since"])))
            return f"process {int(record['pid'])} ({record['doing']}, since {since})"
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _acquire(self, mode: Literal["read", "write"]) -> None:
        if self._file is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._file = filelock.ReadWriteLock(self.folder / LOCK_NAME, timeout=self.timeout_s, is_singleton=False)
        take = self._file.acquire_write if mode == "write" else self._file.acquire_read
        try:
            take(timeout=min(_QUICK_TRY_S, self.timeout_s))
        except filelock.Timeout:
            if self.on_wait is not None:
                who = self.holder() or "another process"
                self.on_wait(f"Waiting up to {self.timeout_s:g} s for {who} to finish with the store {self.folder} ...")
            started = time.monotonic()
            try:
                take(timeout=max(0.0, self.timeout_s - _QUICK_TRY_S))
            except filelock.Timeout as e:
                raise self._busy(mode, time.monotonic() - started + _QUICK_TRY_S) from e
        self._mode = mode

    def _release(self) -> None:
        self._mode = None
        if self._file is not None:
            self._file.release()

    def _write_holder(self, doing: str) -> None:
        record = json.dumps({"pid": os.getpid(), "doing": doing, "since": time.time()})
        with contextlib.suppress(OSError):
            (self.folder / HOLDER_NAME).write_text(record, encoding="utf-8")

    def _busy(self, mode: str, waited: float) -> StoreBusyError:
        who = self.holder() or "another process"
        msg = (f"The meeting store {self.folder} is busy: {who} is writing to it, and this {mode} waited "
               f"{waited:.0f} s for it (store_lock_timeout_s). An embedded store takes one writer at a time. "
               f"Wait for the other ingest to finish and try again, or raise AUDIO_TOOLS_STORE_LOCK_TIMEOUT_S to "
               f"wait longer; for many writers at once, run a Chroma server (chroma run --path DIR --port 8000) "
               f"and use it with --store http://localhost:8000 (AUDIO_TOOLS_STORE_URL).")
        return StoreBusyError(msg)
