"""Worker processes that decode pocketsphinx blocks, started as plain interpreters running this module.

pocketsphinx holds the GIL, so long files are decoded in other processes. They are started
with :mod:`subprocess`, not :mod:`multiprocessing`: its ``spawn`` and ``forkserver`` children
import the caller's ``__main__`` again (a script without a main guard fails, or runs its body
twice) and ``fork`` can deadlock a process that runs threads. A worker reads blocks on its
stdin and answers each on its stdout until its stdin closes, which also happens when the
process that started it dies.
"""

from __future__ import annotations

import json
import os
import queue
import struct
import subprocess
import sys
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO

from audio_tools.errors import AudioToolsError, BackendError
from audio_tools.stt.pocketsphinx_decoder import decode_block
from audio_tools.transcript import Word

__all__ = ["WorkerPool", "main"]

_LENGTH = struct.Struct("<Q")
_OFFSET = struct.Struct("<d")
_STOP_S = 5.0
_STDERR_TAIL_CHARS = 2000
# Runs this module with the folder holding this copy of audio_tools first on the path, in
# place of the working directory, whose files must not shadow any module.
_BOOT = ("import sys; sys.path[:] = [p for p in sys.path if p]; root = sys.argv[1]; "
         "root in sys.path or sys.path.insert(0, root); from audio_tools.stt.pocketsphinx_workers import main; main()")


class WorkerPool:
    """``size`` worker processes, started on first use, each decoding one block at a time.

    Args:
        size: the number of processes (and of blocks decoded at once).
    """

    def __init__(self, size: int) -> None:
        self._threads = ThreadPoolExecutor(size, thread_name_prefix="pocketsphinx")
        self._idle: queue.SimpleQueue[_Worker | None] = queue.SimpleQueue()
        for _ in range(size):
            self._idle.put(None)  # a slot whose process starts when first needed
        self._size = size

    def submit(self, pcm: bytes, offset: float) -> Future[list[Word]]:
        """Decode 16 kHz 16-bit mono ``pcm`` timed from ``offset`` in the next free process."""
        return self._threads.submit(self._decode, pcm, offset)

    def close(self) -> None:
        """Cancel what has not started, wait for what has, and stop the processes."""
        self._threads.shutdown(wait=True, cancel_futures=True)
        for _ in range(self._size):
            worker = self._idle.get()
            if worker is not None:
                worker.stop()

    def _decode(self, pcm: bytes, offset: float) -> list[Word]:
        worker = self._idle.get()
        try:
            if worker is None:
                worker = _Worker()
            words = worker.decode(pcm, offset)
        except BaseException:
            if worker is not None:
                worker.stop()  # its pipes may hold half a message: never reuse it
            self._idle.put(None)
            raise
        self._idle.put(worker)
        return words


class _Worker:
    """One worker process and its pipes."""

    def __init__(self) -> None:
        root = str(Path(__file__).resolve().parents[2])
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - kept for the process's life, closed by stop()
        self.process = subprocess.Popen(  # noqa: S603 - argument list, no shell
            [sys.executable, "-c", _BOOT, root], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self._stderr, shell=False,
        )

    def decode(self, pcm: bytes, offset: float) -> list[Word]:
        assert self.process.stdin is not None and self.process.stdout is not None  # noqa: S101 - set by PIPE
        try:
            _send(self.process.stdin, _OFFSET.pack(offset) + pcm)
            reply = json.loads(_receive(self.process.stdout))
        except (OSError, EOFError, ValueError) as e:
            msg = (f"A pocketsphinx worker process stopped while decoding the audio at {offset:.1f} s "
                   f"({self._exit_text()}). Try again, or use another backend, e.g. whisper.")
            raise BackendError(msg) from e
        if "error" in reply:
            raise BackendError(str(reply["error"]))
        return [Word(*fields) for fields in reply["words"]]

    def stop(self) -> None:
        """Close its stdin (it exits when it sees the end), killing it if it does not."""
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
        except OSError:
            pass  # a broken pipe: it is gone already
        try:
            self.process.wait(_STOP_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._stderr.close()

    def _exit_text(self) -> str:
        code = self.process.poll()
        self._stderr.seek(0)
        tail = self._stderr.read().decode(errors="replace")[-_STDERR_TAIL_CHARS:].strip()
        state = "still running" if code is None else f"exit {code}"
        return f"{state}: {tail}" if tail else state


def main() -> None:
    """Serve decode requests on stdin until it closes (the worker process's entry point)."""
    requests = sys.stdin.buffer
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever a library prints goes to stderr, not into a reply
    while True:
        try:
            message = _receive(requests)
        except EOFError:
            return
        (offset,) = _OFFSET.unpack_from(message)
        try:
            words = decode_block(message[_OFFSET.size:], offset)
            reply: dict[str, object] = {"words": [[w.start, w.end, w.text, w.confidence] for w in words]}
        except AudioToolsError as e:
            reply = {"error": str(e)}
        _send(replies, json.dumps(reply).encode())


def _send(stream: IO[bytes], payload: bytes) -> None:
    stream.write(_LENGTH.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def _receive(stream: IO[bytes]) -> bytes:
    """The next message; EOFError at the end of the stream, or when it ends inside a message."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        msg = "the pipe closed"
        raise EOFError(msg)
    (size,) = _LENGTH.unpack(head)
    payload = stream.read(size)
    if len(payload) < size:
        msg = "the pipe closed inside a message"
        raise EOFError(msg)
    return payload
