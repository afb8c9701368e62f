"""The transcripts of the store, kept as JSON beside the index and named by what they transcribe.

A transcript is the store's source of truth: chunks, citations and re-indexing are all made
from it. Its file is named by the recording's content (sha256) and the speech-to-text spec that
made it, never by the recording's path, so a file that moves, is copied, or is ingested again
is never transcribed again::

    <store>/transcripts/<source_sha256>.<sha256 of the spec, 12 hex>.json

Files are written atomically (:func:`audio_tools.rag.files.write_atomic`) and read through a
small in-memory cache, so that citing a hit does not read JSON again. A transcript can change in
place (speakers renamed, labels dropped), also by another process: each cached one is checked
against its file's size and modification time when it is loaded.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from pathlib import Path

from audio_tools.errors import InvalidInputError
from audio_tools.rag.files import write_atomic
from audio_tools.transcript import Transcript

__all__ = ["TRANSCRIPTS_DIR", "TranscriptStore"]

TRANSCRIPTS_DIR = "transcripts"
CACHED_TRANSCRIPTS = 64
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class TranscriptStore:
    """Transcripts by (recording sha256, speech-to-text spec), on disk and in a bounded memory cache.

    Args:
        folder: where the JSON files are (``<store>/transcripts``); created on the first save.
        cached: how many transcripts to keep in memory.
    """

    def __init__(self, folder: Path, cached: int = CACHED_TRANSCRIPTS) -> None:
        self.folder = folder
        self._cached = cached
        self._memory: OrderedDict[str, tuple[tuple[int, int] | None, Transcript]] = OrderedDict()
        self._lock = threading.Lock()

    def path(self, source_sha256: str, stt_spec: str) -> Path:
        """Where the transcript of this content by this spec is (or would be) kept.

        Raises:
            InvalidInputError: ``source_sha256`` is not a sha256 in hex.
        """
        if not _SHA256.match(source_sha256):
            msg = f"{source_sha256!r} is not a sha256 in lowercase hex."
            raise InvalidInputError(msg)
        spec = hashlib.sha256(stt_spec.encode("utf-8")).hexdigest()[:12]
        return self.folder / f"{source_sha256}.{spec}.json"

    def load(self, source_sha256: str, stt_spec: str) -> Transcript | None:
        """The stored transcript, or None when there is none (or it cannot be read: it is made again).

        Raises:
            InvalidInputError: ``source_sha256`` is not a sha256 in hex.
        """
        path = self.path(source_sha256, stt_spec)
        key = path.name
        signature = _signature(path)
        if signature is None:
            return None
        with self._lock:
            cached = self._memory.get(key)
            if cached is not None and cached[0] == signature:
                self._memory.move_to_end(key)
                return cached[1]
        try:
            transcript = Transcript.from_json(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, InvalidInputError):
            return None
        self._remember(key, transcript, signature)
        return transcript

    def save(self, source_sha256: str, stt_spec: str, transcript: Transcript) -> Path:
        """Keep a transcript (atomically), replacing any earlier one of the same content and spec.

        Raises:
            OutputWriteError: the disk is full or the write failed.
        """
        path = self.path(source_sha256, stt_spec)
        write_atomic(path, transcript.to_json(indent=None).encode("utf-8"))
        self._remember(path.name, transcript, _signature(path))
        return path

    def count(self) -> int:
        """How many transcripts are kept on disk."""
        return sum(1 for _ in self.folder.glob("*.json")) if self.folder.is_dir() else 0

    def _remember(self, key: str, transcript: Transcript, signature: tuple[int, int] | None) -> None:
        with self._lock:
            self._memory[key] = (signature, transcript)
            self._memory.move_to_end(key)
            while len(self._memory) > self._cached:
                self._memory.popitem(last=False)


def _signature(path: Path) -> tuple[int, int] | None:
    """The file's size and modification time (ns); None when it is not there."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns
