"""The meeting store: recordings transcribed once, cut into chunks, embedded and kept in Chroma.

A :class:`RecordingStore` is one Chroma collection of chunks (embedded in a folder, or on a
Chroma server), a second one of their passages (``<collection>-passages``: each chunk's
sentences with a vector each, :func:`audio_tools.rag.chunks.chunk_passages`, which search uses
to rank chunks by their best sentence and to cite without reading transcripts), plus, in the
local store folder, the transcripts it was made from (:mod:`audio_tools.rag.transcripts`) and
its lexical index (:mod:`audio_tools.rag.lexical`)::

    <store folder>/chroma/            the embedded Chroma database (absent with a server)
    <store folder>/store.lock         readers share it, one writer holds it (:mod:`audio_tools.rag.locking`)
    <store folder>/lexical/           the BM25 cache, stamped with the collection's generation
    <settings.store_path>/transcripts/  the transcripts, named by content and speech-to-text spec

Chunk ids are deterministic (:func:`audio_tools.rag.chunks.chunk_id`: path, content hash,
speech-to-text spec, position), so every change is a difference of id sets, made idempotent:

* ingest hashes each file, and leaves it alone when the source's stored ids are exactly the ids
  its chunks would have (same content, speech-to-text spec, title, time and chunk options: each
  chunk also records the options that cut it, as ``chunking``), and its stored passage ids
  exactly those its chunks count; otherwise it transcribes (outside the lock, or reuses the
  stored transcript of the same content), embeds (outside the lock), then under the write lock
  deletes the source's stale ids and upserts the missing or changed ones, chunks and passages
  alike (passage ids derive from chunk ids: :func:`audio_tools.rag.chunks.passage_id`). A run
  killed anywhere and run again converges to what one clean run makes;
* every change, to chunks or passages, raises the chunk collection's ``generation`` before and
  after (with a fresh random token each time): the lexical cache and other processes' clients
  compare it to know they are stale (an embedded client opened before another process wrote
  must be reopened; see :mod:`audio_tools.rag.locking` for what was measured), and an embedded
  store's writers note the chunk ids each change removed and wrote, so that the lexical index
  catches up cheaply;
* the collection's metadata names the embedding model and its dimension; a store is never
  searched or extended with other embeddings (``rebuild`` re-indexes it with new ones).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from audio_tools.config import Settings
from audio_tools.errors import AudioToolsError, BackendUnavailableError, InvalidInputError
from audio_tools.rag.chunks import (
    DEFAULT_CHUNK_OPTIONS,
    ChunkOptions,
    chunk_id,
    chunk_passages,
    chunk_segments,
    chunk_transcript,
    count_passages,
    passage_from,
    passage_id,
)
from audio_tools.rag.citations import Passage
from audio_tools.rag.discover import discover
from audio_tools.rag.files import write_atomic
from audio_tools.rag.filters import SearchFilters
from audio_tools.rag.lexical import LEXICAL_DIR, LexicalCache, LexicalIndex, LexicalRow
from audio_tools.rag.locking import StoreBusyError, StoreLock
from audio_tools.rag.recording import RecordingInfo, describe_recording
from audio_tools.rag.reports import FileOutcome, IngestEvent, IngestReport, Outcome, SourceInfo, StoreInfo, SyncReport
from audio_tools.rag.speaker_labels import labels_fit, stored_labels, unlabelled
from audio_tools.rag.transcripts import TRANSCRIPTS_DIR, TranscriptStore
from audio_tools.transcript import Segment, Transcript
from audio_tools.workspace import Workspace

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.collection_configuration import CreateHNSWConfiguration
    from chromadb.api.models.Collection import Collection
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_core.embeddings import Embeddings

    from audio_tools.rag.embeddings import EmbeddingIdentity
    from audio_tools.stt import Speakers

__all__ = ["CHROMA_DIR", "DEFAULT_COLLECTION", "RecordingStore", "StoredChunk", "StoredPassages"]

DEFAULT_COLLECTION = "recordings"
PASSAGES_SUFFIX = "-passages"
CHROMA_DIR = "chroma"
# Passages are read by id, never queried by vector, so their HNSW graph is built as sparse as
# Chroma allows: at 10k chunks (46.5k passages) writing them took 25 s instead of 39 s, and the
# default graph's inserts slow from 2.2k/s to 870/s by 50k vectors (benchmarks/meeting_search.py).
PASSAGES_HNSW: CreateHNSWConfiguration = {"space": "cosine", "ef_construction": 8, "max_neighbors": 4}
CHROMA_DATABASE = "chroma.sqlite3"  # what a PersistentClient creates in CHROMA_DIR on first open
WRITE_BATCH = 1000  # chunks per Chroma upsert
READ_PAGE = 5000  # chunks per Chroma get when reading everything
_STAMP_KEYS = ("generation", "generation_token")

Progress = Callable[[IngestEvent], None]


@dataclass(frozen=True)
class StoredChunk:
    """One chunk as the store holds it.

    Attributes:
        id: its id.
        text: its text.
        metadata: its flat metadata (see :mod:`audio_tools.rag.chunks`).
        vector: its embedding, when it was asked for.
    """

    id: str
    text: str
    metadata: dict[str, Any]
    vector: tuple[float, ...] | None = None


@dataclass(frozen=True)
class StoredPassages:
    """The passages of one chunk as the store holds them, in order, with their vectors (one row each)."""

    passages: list[Passage]
    vectors: Any  # numpy array, (len(passages), dimension)


class RecordingStore:
    """Recordings searchable by meaning and by words, each chunk traceable to its transcript.

    Args:
        settings: workspace, store folder, embeddings spec, lock timeout.
        location: a folder (an embedded store) or ``http://HOST:PORT`` (a Chroma server);
            ``settings.store_url``, else ``settings.store_path``, when omitted.
        embeddings: the LangChain embeddings; ``settings.embeddings`` (built on first use) when omitted.
        collection: the Chroma collection's name.
        chunk_options: how transcripts are cut into chunks.
        on_wait: told (one line for people) when an operation has to wait for another process.

    Raises:
        InvalidInputError: a malformed server URL or collection name.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        location: str | Path | None = None,
        embeddings: Embeddings | None = None,
        collection: str = DEFAULT_COLLECTION,
        chunk_options: ChunkOptions = DEFAULT_CHUNK_OPTIONS,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        where = location if location is not None else settings.store_url or settings.store_path
        self.server_url = _server_url(str(where)) if _is_url(str(where)) else None
        self.folder = settings.store_path if self.server_url else Path(where).expanduser().resolve()
        self.location = self.server_url or str(self.folder)
        self.collection_name = _checked_name(collection)
        self.passages_name = _passages_name(self.collection_name)
        self.chunk_options = chunk_options
        self.transcripts = TranscriptStore(settings.store_path / TRANSCRIPTS_DIR)
        self._state_name = collection if self.server_url is None else f"{collection}@{_short_hash(self.server_url)}"
        self.lexical = LexicalCache(self.folder / LEXICAL_DIR / self._state_name)
        self.lock = StoreLock(self.folder, settings.store_lock_timeout_s, on_wait)
        self._embeddings = embeddings
        self._identity: EmbeddingIdentity | None = None
        self._client: ClientAPI | None = None
        self._vectorstore: Chroma | None = None
        self._seen: str | None = None  # the stamp this process's client reflects
        self._passages_handle: tuple[ClientAPI, Collection] | None = None  # (client, its passage collection)
        self._guard = threading.RLock()
        self._read_depth = 0  # nested reading() holds of the thread holding _guard
        self._read_collection: Collection | None = None  # the collection looked up once per reading hold

    def __repr__(self) -> str:
        return f"RecordingStore({self.location!r}, collection={self.collection_name!r})"

    # ----- what the store is made of

    @property
    def server(self) -> bool:
        """Whether the vectors are on a Chroma server (else embedded in :attr:`folder`)."""
        return self.server_url is not None

    @property
    def embeddings(self) -> Embeddings:
        """The embeddings of this store's queries and chunks (built from the settings on first use)."""
        if self._embeddings is None:
            from audio_tools.rag.embeddings import embeddings_for

            self._embeddings = embeddings_for(self.settings.embeddings, self.settings)
        return self._embeddings

    def identity(self) -> EmbeddingIdentity:
        """The name and dimension of :attr:`embeddings`, as the collection records them."""
        if self._identity is None:
            from audio_tools.rag.embeddings import embedding_identity

            self._identity = embedding_identity(self.embeddings)
        return self._identity

    @property
    def vectorstore(self) -> Chroma:
        """The collection as a LangChain ``Chroma`` vector store (for retrievers and chains).

        Use it inside :meth:`reading` with an embedded store: another process may be writing.

        Raises:
            InvalidInputError: the store is empty (nothing was ingested yet).
        """
        with self.reading():
            if self._collection() is None:
                msg = f"The store {self.location} is empty; ingest recordings first (audio-agent ingest PATH)."
                raise InvalidInputError(msg)
            if self._vectorstore is None:
                from langchain_chroma import Chroma

                self._vectorstore = Chroma(collection_name=self.collection_name, embedding_function=self.embeddings,
                                           client=self._client_now(), create_collection_if_not_exists=False)
            return self._vectorstore

    def stamp(self) -> str | None:
        """The collection's generation stamp (``generation-token``); None when it does not exist yet."""
        with self.reading():
            collection = self._collection()
            return None if collection is None else _stamp(collection.metadata)

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Hold the store for reading: several reads see one state, and no writer changes it meanwhile.

        With an embedded store this takes the shared lock (a writer waits); with a server it only
        keeps this process's threads in turn.

        Raises:
            StoreBusyError: a writer held the store longer than ``store_lock_timeout_s``.
        """
        if not self.server and self._read_depth == 0:
            self._create_if_new()
        hold = self._guard if self.server else self.lock.reading()
        with hold, self._guard:
            self._read_depth += 1
            try:
                yield
            finally:
                self._read_depth -= 1
                if self._read_depth == 0:
                    self._read_collection = None

    # ----- writing

    def ingest(
        self,
        paths: str | Path | Sequence[str | Path],
        *,
        stt: str | None = None,
        force: bool = False,
        recorded_at: float | None = None,
        title: str | None = None,
        progress: Progress | None = None,
        speakers: Speakers = "auto",
    ) -> IngestReport:
        """Add recordings, or bring their chunks up to date; unchanged ones cost a hash and a lookup.

        Args:
            paths: files, folders (every audio file under them) or glob patterns, relative to the workspace.
            stt: speech-to-text spec; ``settings.stt`` when omitted (``auto`` is resolved first:
                the spec that runs is part of each chunk's id).
            force: transcribe again even when a transcript of the same content and spec is stored.
            recorded_at: when they were recorded (epoch seconds), instead of what the files say.
            title: their title, instead of the file's name.
            progress: told of each file's stages (checking, transcribing, embedding, writing, done).
            speakers: speaker labels: ``"auto"`` (find how many speak), a count, or None (none). A
                stored transcript is reused when its labels fit (:mod:`audio_tools.rag.speaker_labels`),
                else the file is transcribed again with them.

        Returns:
            Each file's outcome; a file that fails does not stop the others.

        Raises:
            StoreBusyError: another process kept the store locked past ``store_lock_timeout_s``
                (files before it were ingested).
            InvalidInputError: an unknown speech-to-text spec, or embeddings other than the store's.
        """
        from audio_tools.stt import STT_BACKENDS, speaker_option

        if speakers is not None:
            speaker_option(speakers)  # refuse a bad option before any file
        workspace = Workspace(settings=self.settings)
        found = discover(paths, workspace.root)
        spec = str(STT_BACKENDS.resolve(stt or self.settings.stt, self.settings))
        with self.reading():  # refuse the whole ingest, not file by file
            self._refuse_if_rebuilding()
            collection = self._collection()
            if collection is not None:
                self._check_identity(collection)
        outcomes = [FileOutcome(path=argument, outcome="failed", reason=why) for argument, why in found.misses]
        total = len(found.files)
        for index, path in enumerate(found.files):
            shown = _shown(path, workspace.root)

            def tell(stage: Any, outcome: FileOutcome | None = None, shown: str = shown, index: int = index) -> None:
                if progress is not None:
                    progress(IngestEvent(shown, index, total, stage, outcome))

            try:
                outcome = self._ingest_file(workspace, path, shown, spec, force=force, recorded_at=recorded_at,
                                            title=title, tell=tell, speakers=speakers)
            except StoreBusyError as e:
                msg = f"{e} ({index} of {total} files were ingested before it.)"
                raise StoreBusyError(msg) from e
            except AudioToolsError as e:
                outcome = FileOutcome(path=shown, outcome="failed", reason=str(e))
            outcomes.append(outcome)
            tell("done", outcome)
        self.refresh_lexical()  # also after a run killed before its refresh: cheap when the index is current
        return IngestReport(outcomes)

    def remove(self, source: str) -> int:
        """Delete one recording's chunks (its transcript stays, so adding it back costs no transcription).

        Args:
            source: its path in the workspace, as :meth:`list_sources` shows it.

        Returns:
            How many chunks were deleted (0: only passages a killed remove left behind).

        Raises:
            InvalidInputError: the recording is not in the store.
        """
        source = self._source_name(source)
        self._refuse_if_rebuilding()
        with self.lock.writing(f"remove {source}"):
            collection = self._collection(changing=True)
            ids = collection.get(where={"source": source}, include=[])["ids"] if collection is not None else []
            passages = self._passage_ids_of(source) if collection is not None else []
            if collection is None or not (ids or passages):
                raise self._not_stored(source)
            self._change(collection, delete=ids, delete_passages=passages)
        self.refresh_lexical()
        return len(ids)

    def sync(self) -> SyncReport:
        """Make the store follow the workspace: drop recordings whose file is gone, re-key moved ones.

        A moved file is one whose content (sha256) is found at a path the store does not know: its
        chunks get that path and new ids, made from its stored transcript and keeping their
        vectors; nothing is transcribed. A file whose content changed is reported and left for
        ``ingest``.
        """
        workspace = Workspace(settings=self.settings)
        self._refuse_if_rebuilding()
        with self.reading():
            stored = self._sources()
        report = SyncReport()
        gone: dict[str, _SourceRecord] = {}
        for source, record in sorted(stored.items()):
            info = self._describe(workspace, source)
            if info is None:
                gone[source] = record
            elif info.source_sha256 == record.sha256:
                report.kept.append(source)
            else:
                report.changed.append(source)
        if not gone:
            self.refresh_lexical()
            return report
        moves = self._find_moves(workspace, gone, known=set(stored))
        with self.lock.writing("sync"):
            collection = self._collection(changing=True)
            if collection is None:
                return report
            for old, record in gone.items():
                new = moves.get(old)
                if new is None:
                    self._change(collection, delete=self._ids_of(collection, old),
                                 delete_passages=self._passage_ids_of(old))
                    report.removed.append(old)
                else:
                    self._move(collection, record, new)
                    report.moved.append((old, new.source))
        self.refresh_lexical()
        return report

    def rebuild(self) -> int:
        """Index every recording again from its stored transcript, into a new collection.

        For new embeddings (change ``settings.embeddings``, then rebuild) or new chunk options:
        nothing is transcribed. The old collection is searchable until the new one is written.
        If it is interrupted, run it again: what it was rebuilding is kept in a manifest meanwhile.

        Returns:
            The chunks of the new collection.

        Raises:
            InvalidInputError: a recording has no stored transcript (ingest it again, or remove it).
        """
        manifest = self._rebuild_manifest()
        if manifest is None:
            with self.lock.writing("rebuild (listing)"):  # no ingest may slip in between listing and manifest
                records = self._sources()
                manifest = [record.to_json() for record in records.values()]
                missing = [r["source"] for r in manifest
                           if self.transcripts.load(r["sha256"], r["stt_spec"]) is None]
                if missing:
                    msg = (f"Cannot rebuild: no stored transcript for {', '.join(sorted(missing))}. Ingest them "
                           f"again (audio-agent ingest PATH --force) or remove them (audio-agent store remove "
                           f"SOURCE) first.")
                    raise InvalidInputError(msg)
                write_atomic(self._manifest_path(), json.dumps({"sources": manifest}).encode("utf-8"))
        documents: list[Document] = []
        passages: list[Document] = []
        for record in manifest:
            transcript = self.transcripts.load(record["sha256"], record["stt_spec"])
            if transcript is None:
                msg = f"The stored transcript of {record['source']} disappeared during the rebuild; ingest it again."
                raise InvalidInputError(msg)
            info = RecordingInfo(source=record["source"], source_sha256=record["sha256"],
                                 recorded_at=record["recorded_at"], title=record["title"],
                                 duration_s=transcript.duration_s)
            chunks = self._chunks(transcript, info, record["stt_spec"])
            documents.extend(chunks)
            passages.extend(chunk_passages(transcript, chunks))
        vectors = self._embed(documents)
        passage_vectors = self._embed(passages)
        identity = self.identity()
        with self.lock.writing("rebuild"):
            client = self._client_now()
            old = self._collection()
            generation = _generation(old.metadata) if old is not None else 0
            if old is not None:
                _drop(client, old)
            with contextlib.suppress(Exception):  # chromadb raises NotFoundError, or ValueError in older versions
                client.delete_collection(self.passages_name)
            self._passages_handle = None
            collection = client.create_collection(
                self.collection_name, metadata=_metadata(identity, generation + 1),
                configuration={"hnsw": {"space": "cosine"}},
            )
            self._seen = _stamp(collection.metadata)
            self._vectorstore = None
            self._upsert(self._writable_passages(), passages, passage_vectors)
            self._upsert(collection, documents, vectors)
            self._bump(collection)
            self._manifest_path().unlink(missing_ok=True)
        self.refresh_lexical()
        return len(documents)

    # ----- reading

    def list_sources(self) -> list[SourceInfo]:
        """Every recording in the store, by path."""
        with self.reading():
            records = self._sources()
        return [record.info() for _, record in sorted(records.items())]

    def info(self) -> StoreInfo:
        """Facts about the store: where, which embeddings, how much, how fresh."""
        with self.reading():
            collection = self._collection()
            records = self._sources() if collection is not None else {}
            metadata = dict(collection.metadata or {}) if collection is not None else {}
            count = collection.count() if collection is not None else 0
        stamp = _stamp(metadata) if metadata else None
        return StoreInfo(
            location=self.location,
            server=self.server,
            collection=self.collection_name,
            embedding_model=metadata.get("embedding_model"),
            embedding_dimension=metadata.get("embedding_dimension"),
            generation=_generation(metadata),
            chunks=count,
            sources=len(records),
            transcripts=self.transcripts.count(),
            lexical_current=stamp is not None and self.lexical.stamp() == stamp,
            rebuild_pending=self._manifest_path().exists(),
        )

    def dense(self, vector: Sequence[float], n: int, filters: SearchFilters | None = None
              ) -> list[tuple[StoredChunk, float]]:
        """The ``n`` chunks nearest to a query vector, with their cosine distance, nearest first.

        A filtered query is answered exactly from the vectors kept in the lexical cache (masked by
        the same filters as its BM25 side, then brute force): Chroma's filtered query costs time
        in proportion to the whole collection. Unfiltered queries, and any when the cache has no
        vectors, go to Chroma.

        Raises:
            InvalidInputError: the store's embeddings differ from :attr:`embeddings`.
        """
        filters = filters or SearchFilters()
        with self.reading():
            collection = self._collection()
            if collection is None:
                return []
            self._check_identity(collection)
            if filters.active:
                nearest = self._lexical(collection).nearest(vector, n, filters)
                if nearest is not None:
                    chunks = self.chunks([i for i, _ in nearest])
                    return [(chunks[i], d) for i, d in nearest if i in chunks]
            found = collection.query(query_embeddings=[list(vector)], n_results=n,  # type: ignore[arg-type]
                                     where=filters.where(), where_document=filters.where_document(),  # type: ignore[arg-type]
                                     include=["documents", "metadatas", "distances"])
        return [
            (StoredChunk(id=i, text=t or "", metadata=dict(m or {})), float(d))
            for i, t, m, d in zip(found["ids"][0], (found["documents"] or [[]])[0],
                                  (found["metadatas"] or [[]])[0], (found["distances"] or [[]])[0], strict=True)
        ]

    def lexical_index(self) -> LexicalIndex:
        """The BM25 index of the chunks as they are now, rebuilt and saved when its stamp is stale."""
        with self.reading():
            collection = self._collection()
            if collection is None:
                return LexicalIndex.build("empty", [], [], [])
            return self._lexical(collection)

    def _lexical(self, collection: Collection) -> LexicalIndex:
        """The lexical index (BM25 and vectors) of ``collection`` as it is now (the caller holds the lock).

        A saved index of an older stamp catches up from the journal: the written chunks are read
        with their vectors, and removed ones dropped, BM25 rows and vector rows alike.
        """
        stamp = _stamp(collection.metadata)
        index = self.lexical.get(stamp)
        if index is not None:
            return index
        base = self.lexical.latest()
        changes = self.lexical.changes(base.stamp, stamp) if base is not None else None
        if base is not None and changes is not None:  # only what the journal says changed
            removed, written = changes
            fresh = list(self.chunks(sorted(written), vectors=True).values())
            rows = [LexicalRow.of(c.id, c.text, c.metadata) for c in fresh]
            vectors = [c.vector for c in fresh] if all(c.vector is not None for c in fresh) else None
            index = base.updated(stamp, removed | (written - {c.id for c in fresh}), rows, vectors)
        else:
            ids, texts, metadatas, vectors = self._all_rows(collection)
            index = LexicalIndex.build(stamp, ids, texts, metadatas, vectors)
        with contextlib.suppress(AudioToolsError, OSError):  # a full disk: used from memory only
            self.lexical.put(index)
        return index

    def refresh_lexical(self) -> None:
        """Bring the saved lexical index up to date now (writers do, so that the next search need not)."""
        self.lexical_index()

    def chunks(self, ids: Sequence[str], *, vectors: bool = False) -> dict[str, StoredChunk]:
        """The chunks with these ids (those that exist), with their vectors if asked."""
        if not ids:
            return {}
        with self.reading():
            collection = self._collection()
            if collection is None:
                return {}
            found = (collection.get(ids=list(ids), include=["documents", "metadatas", "embeddings"]) if vectors
                     else collection.get(ids=list(ids), include=["documents", "metadatas"]))
        embeddings = found.get("embeddings")
        rows = embeddings if vectors and embeddings is not None else [None] * len(found["ids"])
        return {
            i: StoredChunk(id=i, text=t or "", metadata=dict(m or {}),
                           vector=None if v is None else tuple(float(x) for x in v))
            for i, t, m, v in zip(found["ids"], found["documents"] or [], found["metadatas"] or [], rows, strict=True)
        }

    def passages(self, chunks: Sequence[StoredChunk]) -> dict[str, StoredPassages]:
        """The stored passages of these chunks, by chunk id; a chunk whose passages are not all there is left out.

        One read by ids (:func:`audio_tools.rag.chunks.passage_id` of each chunk's id and
        ``passage_count``), no transcript: this is what a search cites from.
        """
        import numpy as np

        wanted = [passage_id(c.id, i) for c in chunks
                  if isinstance(count := c.metadata.get("passage_count"), int) for i in range(count)]
        if not wanted:
            return {}
        with self.reading():  # the chunks came from a current client (dense, chunks): no stamp check again
            collection = self._passage_collection()
            if collection is None:
                return {}
            found = collection.get(ids=wanted, include=["documents", "metadatas", "embeddings"])
        embeddings = found.get("embeddings")
        if embeddings is None:
            return {}
        rows: dict[str, list[tuple[int, Passage, Any]]] = {}
        for text, metadata, vector in zip(found["documents"] or [], found["metadatas"] or [], embeddings, strict=True):
            try:
                passage = passage_from(text or "", metadata or {})
                key = str((metadata or {})["chunk_id"]), int(str((metadata or {})["passage_index"]))
            except (KeyError, TypeError, ValueError):
                continue
            rows.setdefault(key[0], []).append((key[1], passage, vector))
        result = {}
        for chunk in chunks:
            held = sorted(rows.get(chunk.id, []), key=lambda row: row[0])
            if held and [row[0] for row in held] == list(range(int(chunk.metadata.get("passage_count", -1)))):
                result[chunk.id] = StoredPassages([row[1] for row in held],
                                                  np.asarray([row[2] for row in held], dtype=np.float32))
        return result

    def segments(self, chunk: StoredChunk) -> list[Segment]:
        """The transcript segments of a chunk (from the stored transcript, cached); [] when it is gone."""
        metadata = chunk.metadata
        try:
            transcript = self.transcripts.load(str(metadata["source_sha256"]), str(metadata["stt_spec"]))
        except (KeyError, InvalidInputError):
            return []
        if transcript is None:
            return []
        try:
            return chunk_segments(transcript, metadata)
        except InvalidInputError:
            return []

    def transcript(self, source: str) -> Transcript | None:
        """The stored transcript of a recording in the store; None when it is not there."""
        source = self._source_name(source)
        with self.reading():
            collection = self._collection()
            if collection is None:
                return None
            found = collection.get(where={"source": source}, limit=1, include=["metadatas"])
        metadatas = found["metadatas"] or []
        if not metadatas:
            return None
        return self.transcripts.load(str(metadatas[0]["source_sha256"]), str(metadatas[0]["stt_spec"]))

    def close(self) -> None:
        """Let go of the Chroma client (an embedded store's files are released)."""
        with self._guard:
            if self._client is not None:
                with contextlib.suppress(Exception):
                    self._client.close()  # type: ignore[attr-defined]
            self._client = None
            self._vectorstore = None
            self._read_collection = None
            self._passages_handle = None
            self._seen = None

    # ----- internals: one file

    def _ingest_file(self, workspace: Workspace, path: Path, shown: str, spec: str, *, force: bool,
                     recorded_at: float | None, title: str | None, tell: Callable[..., None],
                     speakers: Speakers = "auto") -> FileOutcome:
        tell("checking")
        with workspace.open_input(path) as opened:
            info = describe_recording(opened, self.settings, recorded_at=recorded_at, title=title)
            with self.reading():
                collection = self._collection()
                if collection is not None:
                    self._check_identity(collection)
                stored = self._source_chunks(collection, info.source) if collection is not None else {}
                stored_passages = self._source_passages(info.source) if collection is not None else {}
            info = _keep_labels(info, stored, recorded_at=recorded_at, title=title)
            labels = stored_labels(c.metadata for c in stored.values())
            if (not force and _complete(stored, info, spec, _chunking(self.chunk_options))
                    and set(stored_passages) == _passage_ids(stored.values()) and labels_fit(labels, speakers)):
                return FileOutcome(path=shown, outcome="unchanged", source=info.source, chunks=len(stored),
                                   speakers=labels)
            transcript = None if force else self.transcripts.load(info.source_sha256, spec)
            if transcript is not None and not labels_fit(transcript.speakers, speakers):
                transcript = unlabelled(transcript) if speakers is None else None  # unlabelled: transcribe again
                if transcript is not None:
                    self.transcripts.save(info.source_sha256, spec, transcript)
            transcribed = transcript is None
            if transcript is None:
                from audio_tools.stt import transcribe

                tell("transcribing")
                transcript = transcribe(opened, backend=spec, settings=self.settings, speakers=speakers)
                self.transcripts.save(info.source_sha256, spec, transcript)
        documents = self._chunks(transcript, info, spec)
        if not documents:
            return FileOutcome(path=shown, outcome="failed", source=info.source, transcribed=transcribed,
                               speakers=transcript.speakers,
                               reason="no speech was heard in it (its transcript is empty), so there is nothing "
                                      "to search")
        passages = chunk_passages(transcript, documents)
        tell("embedding")
        stale, write = _difference(documents, stored)
        vectors = self._embed(write)
        passage_vectors = self._embed(_difference(passages, stored_passages)[1])
        tell("writing")
        with self.lock.writing(f"ingest {info.source}"):
            collection = self._collection(create=True)
            assert collection is not None  # noqa: S101 - created above
            self._check_identity(collection)
            now = self._source_chunks(collection, info.source)
            stale, write = _difference(documents, now)
            stale_passages, write_passages = _difference(passages, self._source_passages(info.source))
            # another writer's change
            vectors.update(self._embed([d for d in write if d.id not in vectors]))
            passage_vectors.update(self._embed([d for d in write_passages if d.id not in passage_vectors]))
            if stale or write or stale_passages or write_passages:
                self._change(collection, delete=stale, upsert=write, vectors=vectors,
                             delete_passages=stale_passages, upsert_passages=write_passages,
                             passage_vectors=passage_vectors)
        changed = stale or write or stale_passages or write_passages
        outcome: Outcome = "unchanged" if not changed else "replaced" if now else "added"
        return FileOutcome(path=shown, outcome=outcome, source=info.source, chunks=len(documents),
                           added=len(write), removed=len(stale), transcribed=transcribed,
                           speakers=transcript.speakers)

    def _chunks(self, transcript: Transcript, info: RecordingInfo, spec: str) -> list[Document]:
        """The transcript's chunks, each also recording the chunk options that cut it (``chunking``)."""
        documents = chunk_transcript(transcript, info, spec, self.chunk_options)
        chunking = _chunking(self.chunk_options)
        for document in documents:
            document.metadata["chunking"] = chunking
        return documents

    def _move(self, collection: Collection, record: _SourceRecord, new: RecordingInfo) -> None:
        """Re-key a moved recording's chunks to its new path (its transcript, its vectors)."""
        old = collection.get(where={"source": record.source}, include=["documents", "metadatas", "embeddings"])
        by_text = {t: v for t, v in zip(old["documents"] or [], old["embeddings"] if old["embeddings"] is not None
                                        else [], strict=False)}
        passage_collection = self._passage_collection()
        old_passages: dict[str, Any] = {"ids": [], "documents": [], "metadatas": [], "embeddings": []}
        if passage_collection is not None:
            old_passages = dict(passage_collection.get(where={"source": record.source},
                                                       include=["documents", "metadatas", "embeddings"]))
        passage_by_text = {t: v for t, v in zip(old_passages["documents"] or [],
                                                old_passages["embeddings"] if old_passages["embeddings"] is not None
                                                else [], strict=False)}
        transcript = self.transcripts.load(record.sha256, record.stt_spec)
        if transcript is not None:
            info = replace(new, recorded_at=record.recorded_at, title=record.title, duration_s=transcript.duration_s)
            documents = self._chunks(transcript, info, record.stt_spec)
            passages = chunk_passages(transcript, documents)
        else:  # no transcript: the stored chunks and passages themselves, under the new path
            documents = [_rekeyed(i, t or "", dict(m or {}), new.source)
                         for i, t, m in zip(old["ids"], old["documents"] or [], old["metadatas"] or [], strict=True)]
            passages = [_rekeyed_passage(t or "", dict(m or {}), new.source)
                        for t, m in zip(old_passages["documents"] or [], old_passages["metadatas"] or [], strict=True)]
        vectors = {str(d.id): list(by_text[d.page_content]) for d in documents if d.page_content in by_text}
        vectors.update(self._embed([d for d in documents if d.id not in vectors]))
        passage_vectors = {str(d.id): list(passage_by_text[d.page_content]) for d in passages
                           if d.page_content in passage_by_text}
        passage_vectors.update(self._embed([d for d in passages if d.id not in passage_vectors]))
        wanted = {str(d.id) for d in documents}
        stale = [i for i in old["ids"] if i not in wanted]
        wanted_passages = {str(d.id) for d in passages}
        stale_passages = [i for i in old_passages["ids"] if i not in wanted_passages]
        self._change(collection, delete=stale, upsert=documents, vectors=vectors, delete_passages=stale_passages,
                     upsert_passages=passages, passage_vectors=passage_vectors)

    def _find_moves(self, workspace: Workspace, gone: dict[str, _SourceRecord], known: set[str]
                    ) -> dict[str, RecordingInfo]:
        """For each gone source, the unknown workspace file holding the same content, if any."""
        wanted = {record.sha256: source for source, record in gone.items()}
        moves: dict[str, RecordingInfo] = {}
        for path in discover(".", workspace.root).files:
            if _shown(path, workspace.root) in known or not wanted:
                continue
            info = self._describe(workspace, path)
            if info is not None and info.source_sha256 in wanted:
                moves[wanted.pop(info.source_sha256)] = info
        return moves

    def _describe(self, workspace: Workspace, path: str | Path) -> RecordingInfo | None:
        try:
            with workspace.open_input(path) as opened:
                return describe_recording(opened, self.settings)
        except AudioToolsError:
            return None

    # ----- internals: Chroma

    def _create_if_new(self) -> None:
        """Open a store that has no database yet under the write lock.

        Chroma creates its database on first open; two processes doing that at once race
        (``table collections already exists``), even under the shared lock readers hold.
        """
        with self._guard:
            if self._client is not None or (self.folder / CHROMA_DIR / CHROMA_DATABASE).exists():
                return
            with self.lock.writing("creating the store"):
                self._client_now()

    def _client_now(self) -> ClientAPI:
        with self._guard:
            if self._client is None:
                self._client = self._make_client()
            return self._client

    def _make_client(self) -> ClientAPI:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if self.server_url is None:
            folder = self.folder / CHROMA_DIR
            folder.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(folder), settings=chroma_settings)
        parts = urlsplit(self.server_url)
        try:
            return chromadb.HttpClient(host=parts.hostname or "", port=parts.port or 8000,
                                       ssl=parts.scheme == "https", settings=chroma_settings)
        except Exception as e:  # chromadb raises ValueError or httpx errors for an unreachable server
            msg = (f"Cannot reach the Chroma server at {self.server_url} ({e}). Start it (chroma run --path DIR "
                   f"--port {parts.port or 8000}) or give another --store.")
            raise BackendUnavailableError(msg) from e

    def _collection(self, *, create: bool = False, changing: bool = False) -> Collection | None:
        """The collection as it is now (None when missing and not ``create``), with a client that is not stale.

        ``changing`` (implied by ``create``) refuses while an interrupted rebuild waits to be run again.
        """
        from chromadb.errors import NotFoundError

        with self._guard:
            reading = self._read_depth > 0 and not (create or changing)
            if reading and self._read_collection is not None:
                return self._read_collection
            client = self._client_now()
            if create or changing:
                self._refuse_if_rebuilding()
            try:
                collection = client.get_collection(self.collection_name)
            except NotFoundError:
                if not create:
                    return None
                collection = client.get_or_create_collection(
                    self.collection_name, metadata=_metadata(self.identity(), 0),
                    configuration={"hnsw": {"space": "cosine"}},
                )
            stamp = _stamp(collection.metadata)
            if not self.server and self._seen is not None and stamp != self._seen:
                # Another process changed the store since this client loaded it: its vector index in
                # memory is stale (queries fail, and a write would save it over the other's).
                self.close()
                client = self._client_now()
                collection = client.get_collection(self.collection_name)
                stamp = _stamp(collection.metadata)
            self._seen = stamp
            if reading:
                self._read_collection = collection
            return collection

    def _refuse_if_rebuilding(self) -> None:
        if self._manifest_path().exists():
            msg = (f"A rebuild of the store {self.location} was interrupted; run it again (audio-agent store "
                   f"rebuild) before changing the store.")
            raise InvalidInputError(msg)

    def _check_identity(self, collection: Collection) -> None:
        metadata = collection.metadata or {}
        identity = self.identity()
        stored = (metadata.get("embedding_model"), metadata.get("embedding_dimension"))
        if stored != (identity.name, identity.dimension):
            msg = (f"The store {self.location} holds vectors of the embeddings {stored[0]!r} ({stored[1]} dimensions), "
                   f"not {identity.name!r} ({identity.dimension}); mixing them would make search meaningless. Run "
                   f"`audio-agent store rebuild` to re-index it with {identity.name!r} (no new transcription), use "
                   f"another store (--store DIR), or set AUDIO_TOOLS_EMBEDDINGS={stored[0]}.")
            raise InvalidInputError(msg)

    def _change(self, collection: Collection, *, delete: Sequence[str] = (), upsert: Sequence[Document] = (),
                vectors: dict[str, list[float]] | None = None, update: Mapping[str, dict[str, Any]] | None = None,
                delete_passages: Sequence[str] = (), upsert_passages: Sequence[Document] = (),
                passage_vectors: dict[str, list[float]] | None = None) -> None:
        """Change chunks and passages between two generation bumps (the caller holds the write lock).

        Chunks are deleted, upserted (with ``vectors``) or given new metadata (``update``: id ->
        metadata, a key set to None is deleted). A chunk's passages are written before it and
        deleted after it, so that a chunk that is there has its passages; whatever a kill leaves
        over, the next ingest of the source finds by comparing id sets.
        """
        before, started = self._bump(collection)
        if delete:
            collection.delete(ids=list(delete))
        if upsert_passages:
            self._upsert(self._writable_passages(), upsert_passages, passage_vectors or {})
        if upsert:
            self._upsert(collection, upsert, vectors or {})
        updated = sorted(update or {})
        if updated:
            collection.update(ids=updated, metadatas=[(update or {})[i] for i in updated])
        if delete_passages:
            passage_collection = self._passage_collection()
            if passage_collection is not None:
                passage_collection.delete(ids=list(delete_passages))
        unchanged, after = self._bump(collection)
        if not self.server and unchanged == started:  # under the lock nobody else changed it meanwhile
            self.lexical.record(before, after, list(delete), [str(d.id) for d in upsert] + updated)

    def _upsert(self, collection: Collection, documents: Sequence[Document], vectors: dict[str, list[float]]) -> None:
        for start in range(0, len(documents), WRITE_BATCH):
            batch = documents[start:start + WRITE_BATCH]
            collection.upsert(ids=[str(d.id) for d in batch], documents=[d.page_content for d in batch],
                              metadatas=[d.metadata for d in batch],
                              embeddings=[vectors[str(d.id)] for d in batch])  # type: ignore[arg-type]

    def _bump(self, collection: Collection) -> tuple[str, str]:
        """Raise the generation (with a fresh token): lexical caches and other clients are stale from now.

        Returns:
            The stamps before and after.
        """
        metadata = dict(self._client_now().get_collection(self.collection_name).metadata or {})
        before = _stamp(metadata)
        metadata["generation"] = _generation(metadata) + 1
        metadata["generation_token"] = secrets.token_hex(8)
        collection.modify(metadata=metadata)
        self._seen = _stamp(metadata)
        return before, self._seen

    def _embed(self, documents: Sequence[Document]) -> dict[str, list[float]]:
        """Vectors by document id; a text is embedded once however many documents hold it (overlaps repeat passages)."""
        if not documents:
            return {}
        texts = list(dict.fromkeys(d.page_content for d in documents))
        vectors = dict(zip(texts, self.embeddings.embed_documents(texts), strict=True))
        return {str(d.id): list(vectors[d.page_content]) for d in documents}

    def _source_chunks(self, collection: Collection, source: str) -> dict[str, StoredChunk]:
        found = collection.get(where={"source": source}, include=["documents", "metadatas"])
        return {
            i: StoredChunk(id=i, text=t or "", metadata=dict(m or {}))
            for i, t, m in zip(found["ids"], found["documents"] or [], found["metadatas"] or [], strict=True)
        }

    def _ids_of(self, collection: Collection, source: str) -> list[str]:
        return list(collection.get(where={"source": source}, include=[])["ids"])

    def _passage_collection(self, *, create: bool = False) -> Collection | None:
        """The passage collection, from the client :meth:`_collection` checked (call that first)."""
        from chromadb.errors import NotFoundError

        with self._guard:
            client = self._client_now()
            if self._passages_handle is not None and self._passages_handle[0] is client:
                return self._passages_handle[1]
            try:
                collection = client.get_collection(self.passages_name)
            except NotFoundError:
                if not create:
                    return None
                identity = self.identity()
                collection = client.get_or_create_collection(
                    self.passages_name, configuration={"hnsw": PASSAGES_HNSW},
                    metadata={"embedding_model": identity.name, "embedding_dimension": identity.dimension,
                              "chunks": self.collection_name})
            if not self.server:  # an embedded client is reopened whenever another process changed the store
                self._passages_handle = (client, collection)
            return collection

    def _writable_passages(self) -> Collection:
        collection = self._passage_collection(create=True)
        assert collection is not None  # noqa: S101 - created
        return collection

    def _source_passages(self, source: str) -> dict[str, StoredChunk]:
        collection = self._passage_collection()
        if collection is None:
            return {}
        found = collection.get(where={"source": source}, include=["documents", "metadatas"])
        return {
            i: StoredChunk(id=i, text=t or "", metadata=dict(m or {}))
            for i, t, m in zip(found["ids"], found["documents"] or [], found["metadatas"] or [], strict=True)
        }

    def _passage_ids_of(self, source: str) -> list[str]:
        collection = self._passage_collection()
        return [] if collection is None else list(collection.get(where={"source": source}, include=[])["ids"])

    def _all_rows(self, collection: Collection) -> tuple[list[str], list[str], list[dict[str, Any]], Any]:
        """Every chunk's id, text, metadata and vector (one numpy row each), read a page at a time."""
        import numpy as np

        ids: list[str] = []
        texts: list[str] = []
        metadatas: list[dict[str, Any]] = []
        pages: list[Any] = []
        offset = 0
        while True:
            found = collection.get(include=["documents", "metadatas", "embeddings"], limit=READ_PAGE, offset=offset)
            ids.extend(found["ids"])
            texts.extend(t or "" for t in found["documents"] or [])
            metadatas.extend(dict(m or {}) for m in found["metadatas"] or [])
            embeddings = found.get("embeddings")
            if found["ids"] and embeddings is not None:
                pages.append(np.asarray(embeddings, dtype=np.float32).reshape(len(found["ids"]), -1))
            if len(found["ids"]) < READ_PAGE:
                break
            offset += READ_PAGE
        rows = sum(len(p) for p in pages)
        vectors = np.concatenate(pages) if pages and rows == len(ids) else None
        return ids, texts, metadatas, vectors

    def _sources(self) -> dict[str, _SourceRecord]:
        """Every source with its facts, from the chunks' metadata (the caller holds the lock)."""
        collection = self._collection()
        if collection is None:
            return {}
        records: dict[str, _SourceRecord] = {}
        offset = 0
        while True:
            found = collection.get(include=["metadatas"], limit=READ_PAGE, offset=offset)
            for metadata in found["metadatas"] or []:
                source = str(metadata.get("source", ""))
                record = records.get(source)
                if record is None:
                    records[source] = _SourceRecord.of(metadata)
                else:
                    record.add(metadata)
            if len(found["ids"]) < READ_PAGE:
                return records
            offset += READ_PAGE

    def _not_stored(self, source: str) -> InvalidInputError:
        """The error for a recording the store does not hold, saying how to list those it does."""
        msg = f"{source} is not in the store {self.location}; `audio-agent store list` shows the recordings it holds."
        return InvalidInputError(msg)

    def _source_name(self, source: str) -> str:
        """A source as the store names it: relative to the workspace, with ``/``."""
        path = Path(source).expanduser()
        root = self.settings.workspace
        if path.is_absolute() and path.is_relative_to(root):
            path = path.relative_to(root)
        return PurePosixPath(path.as_posix()).as_posix()

    def _manifest_path(self) -> Path:
        return self.folder / f"rebuild-{self._state_name}.json"

    def _rebuild_manifest(self) -> list[dict[str, Any]] | None:
        try:
            return list(json.loads(self._manifest_path().read_text(encoding="utf-8"))["sources"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    # ----- speaker names

    def rename_speaker(self, source: str, old: str, new: str) -> int:
        """Call speaker ``old`` of a recording ``new``, in its stored transcript, its chunks and its passages.

        Nothing is transcribed, and nothing embedded but a sentence that merging two speakers
        joins (a sentence runs on over a segment boundary only within one speaker's turn). Every
        source with the same content and transcript is renamed too (they share the transcript). A
        rename that was killed converges when run again.

        Args:
            source: the recording, as :meth:`list_sources` shows it.
            old: the speaker's label now (``S1``, or a name given before).
            new: the name to give (1 to 64 characters, no control characters, no comma); an
                existing speaker's name merges the two.

        Returns:
            How many chunks changed (0, and nothing written, when ``new`` is ``old``'s name already).

        Raises:
            InvalidInputError: a bad name, a recording not in the store, or no speaker ``old`` in it.
        """
        from audio_tools.rag.speaker_labels import check_speaker_name, renamed_metadata, renamed_transcript

        source = self._source_name(source)
        old, new = check_speaker_name(old), check_speaker_name(new)
        self._refuse_if_rebuilding()
        with self.lock.writing(f"rename speaker {old} of {source}"):
            collection = self._collection(changing=True)
            first = self._source_chunks(collection, source) if collection is not None else {}
            if collection is None or not first:
                raise self._not_stored(source)
            if old == new and old in stored_labels(c.metadata for c in first.values()):
                return 0
            sha, spec = (str(next(iter(first.values())).metadata.get(k, "")) for k in ("source_sha256", "stt_spec"))
            same: dict[str, Any] = {"$and": [{"source_sha256": sha}, {"stt_spec": spec}]}
            found = collection.get(where=same, include=["metadatas"])
            transcript = self.transcripts.load(sha, spec)
            renamed, segments = renamed_transcript(transcript, old, new) if transcript is not None else (None, 0)
            chunks: dict[str, dict[str, Any]] = {}  # every chunk of this content, as it will be
            changed: dict[str, dict[str, Any]] = {}
            for chunk_id_, metadata in zip(found["ids"], found["metadatas"] or [], strict=True):
                wanted = _recounted(renamed_metadata(dict(metadata or {}), old, new, renamed), renamed)
                chunks[chunk_id_] = {k: v for k, v in wanted.items() if v is not None}
                if chunks[chunk_id_] != dict(metadata or {}):
                    changed[chunk_id_] = wanted
            stale_passages, write_passages, passage_vectors = self._renamed_passages(same, chunks, renamed, old, new)
            if not segments and not changed and not stale_passages and not write_passages:
                names = stored_labels(c.metadata for c in first.values())
                msg = (f"No speaker {old!r} in {source}; its speakers are "
                       f"{', '.join(names) if names else 'not labelled (ingest it with --speakers auto)'}.")
                raise InvalidInputError(msg)
            if renamed is not None and segments:
                self.transcripts.save(sha, spec, renamed)
            if changed or stale_passages or write_passages:
                self._change(collection, update=changed, delete_passages=stale_passages,
                             upsert_passages=write_passages, passage_vectors=passage_vectors)
        self.refresh_lexical()
        return len(changed)

    def _renamed_passages(self, where: dict[str, Any], chunks: Mapping[str, dict[str, Any]],
                          transcript: Transcript | None, old: str, new: str
                          ) -> tuple[list[str], list[Document], dict[str, list[float]]]:
        """What a rename changes in the passages of ``chunks`` (as renamed): stale ids, passages to write, vectors.

        With the renamed transcript they are cut again, as an ingest would cut them; without it
        (or when it does not fit the chunks), the stored ones get the new name in place. Vectors
        are the stored ones of the same text.
        """
        from langchain_core.documents import Document

        collection = self._passage_collection()
        held: dict[str, Any] = {"ids": [], "documents": [], "metadatas": [], "embeddings": []}
        if collection is not None:
            held = dict(collection.get(where=where, include=["documents", "metadatas", "embeddings"]))
        stored = {i: (t or "", dict(m or {}), v) for i, t, m, v in zip(
            held["ids"], held["documents"] or [], held["metadatas"] or [],
            held["embeddings"] if held["embeddings"] is not None else [], strict=True)}
        documents = None
        if transcript is not None:
            with contextlib.suppress(InvalidInputError):
                documents = chunk_passages(transcript, [Document(page_content="", metadata=m, id=i)
                                                        for i, m in chunks.items()])
        if documents is None:
            documents = [Document(page_content=t, metadata={**m, "speaker": new} if m.get("speaker") == old else m,
                                  id=i) for i, (t, m, _) in stored.items()]
        wanted = {str(d.id) for d in documents}
        # a rename changes a passage's speaker, or its text when a merge joins two; times read back from
        # Chroma may differ from the ones cut again in the last bit
        write = [d for d in documents if (s := stored.get(str(d.id))) is None or s[0] != d.page_content
                 or s[1].get("speaker") != d.metadata.get("speaker")]
        by_text = {t: v for t, _, v in stored.values()}
        vectors = {str(d.id): list(by_text[d.page_content]) for d in write if d.page_content in by_text}
        vectors.update(self._embed([d for d in write if str(d.id) not in vectors]))
        return [i for i in stored if i not in wanted], write, vectors


@dataclass
class _SourceRecord:
    """One source as its chunks' metadata describe it."""

    source: str
    sha256: str
    stt_spec: str
    title: str
    recorded_at: float
    chunks: int
    end_s: float

    @classmethod
    def of(cls, metadata: Mapping[str, Any]) -> _SourceRecord:
        return cls(source=str(metadata.get("source", "")), sha256=str(metadata.get("source_sha256", "")),
                   stt_spec=str(metadata.get("stt_spec", "")), title=str(metadata.get("title", "")),
                   recorded_at=float(metadata.get("recorded_at", math.nan)), chunks=1,
                   end_s=float(metadata.get("end", 0.0)))

    def add(self, metadata: Mapping[str, Any]) -> None:
        self.chunks += 1
        self.end_s = max(self.end_s, float(metadata.get("end", 0.0)))

    def info(self) -> SourceInfo:
        return SourceInfo(source=self.source, source_sha256=self.sha256, title=self.title,
                          recorded_at=self.recorded_at, stt_spec=self.stt_spec, chunks=self.chunks, end_s=self.end_s)

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "sha256": self.sha256, "stt_spec": self.stt_spec, "title": self.title,
                "recorded_at": self.recorded_at}


def _complete(stored: dict[str, StoredChunk], info: RecordingInfo, spec: str, chunking: str) -> bool:
    """Whether the stored chunks of a source are exactly those of this content, spec, labels and chunk options."""
    if not stored:
        return False
    metadatas = [c.metadata for c in stored.values()]
    counts = {m.get("chunk_count") for m in metadatas}
    if len(counts) != 1 or not all(
        m.get("source_sha256") == info.source_sha256 and m.get("stt_spec") == spec
        and m.get("title") == info.title and m.get("recorded_at") == info.recorded_at for m in metadatas
    ):
        return False
    if any(m.get("chunking") != chunking for m in metadatas):
        return False
    count = counts.pop()
    if not isinstance(count, int):
        return False
    return set(stored) == {chunk_id(info.source, info.source_sha256, spec, i) for i in range(count)}


def _passage_ids(chunks: Iterable[StoredChunk]) -> set[str]:
    """The passage ids the chunks count (``passage_count``); an impossible id for a chunk without a count."""
    ids: set[str] = set()
    for chunk in chunks:
        count = chunk.metadata.get("passage_count")
        if not isinstance(count, int):
            return {"(a chunk without passage_count)"}
        ids.update(passage_id(chunk.id, i) for i in range(count))
    return ids


def _drop(client: ClientAPI, collection: Collection) -> None:
    """Delete a collection, its rows first.

    Chroma (1.5) leaves list-valued metadata (the chunks' ``speakers``) behind when it deletes a
    collection, and rows written later under the same internal ids read it back as their own
    (chroma-core/chroma#7594: rebuilt passages showed their chunk's ``speakers``); deleting rows
    removes it.
    """
    while ids := collection.get(include=[], limit=READ_PAGE)["ids"]:
        collection.delete(ids=ids)
    client.delete_collection(collection.name)


def _recounted(metadata: dict[str, Any], transcript: Transcript | None) -> dict[str, Any]:
    """A renamed chunk's metadata with its ``passage_count`` counted again (a merged speaker's turn may join two)."""
    if transcript is None or "passage_count" not in metadata:
        return metadata
    try:
        return {**metadata, "passage_count": count_passages(transcript, metadata)}
    except InvalidInputError:
        return metadata


def _keep_labels(info: RecordingInfo, stored: dict[str, StoredChunk], *, recorded_at: float | None,
                 title: str | None) -> RecordingInfo:
    """``info`` with the stored title and time of the same content, unless new ones were given.

    A file's modification time changes when it is touched or copied; the recording does not.
    """
    same = [c.metadata for c in stored.values() if c.metadata.get("source_sha256") == info.source_sha256]
    if not same:
        return info
    first = min(same, key=lambda m: int(m.get("chunk_index", 0)))
    if recorded_at is None and isinstance(first.get("recorded_at"), int | float):
        info = replace(info, recorded_at=float(first["recorded_at"]))
    if title is None and isinstance(first.get("title"), str):
        info = replace(info, title=first["title"])
    return info


def _difference(documents: Sequence[Document], stored: dict[str, StoredChunk]) -> tuple[list[str], list[Document]]:
    """(stored ids to delete, documents to write): stale ids, and new or changed chunks."""
    wanted = {str(d.id) for d in documents}
    stale = [i for i in stored if i not in wanted]
    write = [d for d in documents
             if (c := stored.get(str(d.id))) is None or c.text != d.page_content or c.metadata != d.metadata]
    return stale, write


def _rekeyed(old_id: str, text: str, metadata: dict[str, Any], source: str) -> Document:
    from langchain_core.documents import Document

    new_id = chunk_id(source, str(metadata.get("source_sha256", "")), str(metadata.get("stt_spec", "")),
                      int(metadata.get("chunk_index", 0)))
    return Document(page_content=text, metadata={**metadata, "source": source}, id=new_id or old_id)


def _rekeyed_passage(text: str, metadata: dict[str, Any], source: str) -> Document:
    from langchain_core.documents import Document

    chunk = chunk_id(source, str(metadata.get("source_sha256", "")), str(metadata.get("stt_spec", "")),
                     int(metadata.get("chunk_index", 0)))
    return Document(page_content=text, metadata={**metadata, "source": source, "chunk_id": chunk},
                    id=passage_id(chunk, int(metadata.get("passage_index", 0))))


def _passages_name(collection: str) -> str:
    """The passage collection's name: ``<collection>-passages`` (shortened with a hash past Chroma's 63 characters)."""
    name = f"{collection}{PASSAGES_SUFFIX}"
    return name if len(name) <= 62 else f"{collection[:44]}-{_short_hash(collection)}{PASSAGES_SUFFIX}"


def _chunking(options: ChunkOptions) -> str:
    """Chunk options as a chunk records them: ``max_chars/max_seconds/overlap_segments``."""
    return f"{options.max_chars}/{options.max_seconds:g}/{options.overlap_segments}"


def _metadata(identity: EmbeddingIdentity, generation: int) -> dict[str, Any]:
    return {"embedding_model": identity.name, "embedding_dimension": identity.dimension,
            "generation": generation, "generation_token": secrets.token_hex(8), "created_at": time.time()}


def _generation(metadata: Any) -> int:
    value = (metadata or {}).get("generation", 0)
    return int(value) if isinstance(value, int | float) else 0


def _stamp(metadata: Any) -> str:
    metadata = metadata or {}
    return "-".join(str(metadata.get(key, "")) for key in _STAMP_KEYS)


def _shown(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def _server_url(location: str) -> str:
    parts = urlsplit(location)
    if not parts.hostname or parts.path not in ("", "/") or parts.query or parts.fragment:
        msg = f"A Chroma server is given as http://HOST:PORT, not {location!r}."
        raise InvalidInputError(msg)
    try:
        port = parts.port
    except ValueError as e:
        msg = f"A Chroma server is given as http://HOST:PORT, not {location!r} ({e})."
        raise InvalidInputError(msg) from e
    return f"{parts.scheme}://{parts.hostname}:{port or 8000}"


def _checked_name(name: str) -> str:
    import re

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{1,60}[A-Za-z0-9]", name):
        msg = (f"A collection name is 3 to 62 letters, digits, '.', '_' or '-', starting and ending with a letter "
               f"or digit, not {name!r}.")
        raise InvalidInputError(msg)
    return name


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
