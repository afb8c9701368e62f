"""What the store's operations report: per-file ingest outcomes, sync results, sources and store facts.

Every report is a frozen dataclass with ``to_dict()`` giving plain JSON-ready data, for
``--json`` output and tool artifacts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = ["FileOutcome", "IngestEvent", "IngestReport", "Outcome", "SourceInfo", "StoreInfo", "SyncReport"]

Outcome = Literal["added", "unchanged", "replaced", "failed"]


@dataclass(frozen=True)
class FileOutcome:
    """What an ingest did with one file.

    Attributes:
        path: the file as it was found (or the argument that named nothing).
        outcome: ``added`` (new source), ``replaced`` (its chunks changed: new content, a new
            speech-to-text spec, a repaired interrupted run), ``unchanged``, or ``failed``.
        source: its path in the workspace, once known.
        chunks: its chunks in the store afterwards.
        added: chunks written (new or changed).
        removed: chunks deleted (stale).
        transcribed: whether speech-to-text ran (False: the stored transcript was used).
        reason: why it failed.
        speakers: the speakers its transcript names, in the order they first speak ([] unlabelled).
    """

    path: str
    outcome: Outcome
    source: str | None = None
    chunks: int = 0
    added: int = 0
    removed: int = 0
    transcribed: bool = False
    reason: str | None = None
    speakers: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return asdict(self)


@dataclass(frozen=True)
class IngestReport:
    """Every file of one ingest, in order."""

    files: list[FileOutcome] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        """How many files had ``outcome``."""
        return sum(1 for f in self.files if f.outcome == outcome)

    @property
    def chunks_added(self) -> int:
        """Chunks written, over all files."""
        return sum(f.added for f in self.files)

    @property
    def chunks_removed(self) -> int:
        """Chunks deleted, over all files."""
        return sum(f.removed for f in self.files)

    @property
    def ok(self) -> bool:
        """Whether no file failed."""
        return self.count("failed") == 0

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: the files and the totals."""
        return {
            "files": [f.to_dict() for f in self.files],
            **{outcome: self.count(outcome) for outcome in ("added", "unchanged", "replaced", "failed")},
            "chunks_added": self.chunks_added,
            "chunks_removed": self.chunks_removed,
        }


@dataclass(frozen=True)
class IngestEvent:
    """Progress of an ingest, one event per stage of each file (for a progress bar).

    Attributes:
        path: the file.
        index: its position, from 0.
        total: how many files the ingest has.
        stage: ``checking``, ``transcribing``, ``embedding``, ``writing`` or ``done``.
        outcome: with ``done``, what happened to it.
    """

    path: str
    index: int
    total: int
    stage: Literal["checking", "transcribing", "embedding", "writing", "done"]
    outcome: FileOutcome | None = None


@dataclass(frozen=True)
class SyncReport:
    """What :meth:`~audio_tools.rag.store.RecordingStore.sync` found and did.

    Attributes:
        kept: sources whose file is still there, unchanged.
        removed: sources whose file is gone (their chunks were deleted).
        moved: (old source, new source) for files found at a new path (re-keyed, not transcribed).
        changed: sources whose file now holds other content (left as they are: ingest them again).
    """

    kept: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    moved: list[tuple[str, str]] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {"kept": self.kept, "removed": self.removed, "moved": [list(m) for m in self.moved],
                "changed": self.changed}


@dataclass(frozen=True)
class SourceInfo:
    """One recording in the store.

    Attributes:
        source: its path in the workspace.
        source_sha256: the sha256 of its content.
        title: its title.
        recorded_at: when it was recorded (epoch seconds).
        stt_spec: the speech-to-text spec of its transcript.
        chunks: its chunks in the store.
        end_s: where its last chunk ends, in seconds.
    """

    source: str
    source_sha256: str
    title: str
    recorded_at: float
    stt_spec: str
    chunks: int
    end_s: float

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return asdict(self)


@dataclass(frozen=True)
class StoreInfo:
    """Facts about a store.

    Attributes:
        location: the folder of an embedded store, or the server's URL.
        server: whether it is a Chroma server.
        collection: the collection name.
        embedding_model: the embeddings its vectors were made with (None: empty store).
        embedding_dimension: their dimension (None: empty store).
        generation: how many changes it has seen (two per change).
        chunks: chunks stored.
        sources: recordings stored.
        transcripts: transcripts kept (under the store folder, by content).
        lexical_current: whether the saved lexical (BM25) index matches the collection.
        rebuild_pending: a rebuild was interrupted; run it again.
    """

    location: str
    server: bool
    collection: str
    embedding_model: str | None
    embedding_dimension: int | None
    generation: int
    chunks: int
    sources: int
    transcripts: int
    lexical_current: bool
    rebuild_pending: bool

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return asdict(self)
