"""The lexical half of hybrid search: BM25 (``bm25s``) over the chunk texts, kept as a derived cache.

The same cache also keeps the chunks' vectors as one float32 matrix of unit rows (in index
order), so that a *filtered* dense query is a masked matrix product here instead of Chroma's
filtered query, which costs time in proportion to the whole collection (56–314 ms at 100,000
chunks, against ~7 ms for brute force over every row; ``benchmarks/meetings/README.md``).

Chroma's own BM25 and rank fusion run only in Chroma Cloud, so the lexical index lives here. Texts
and queries are cut into :func:`audio_tools.rag.terms.terms` (numbers as digits, light stemming,
no stopwords), the terms citations match on, so "twenty users" finds "20 users".

``bm25s`` cannot add or delete documents, so the index is a cache of the collection, stamped
with the collection's generation (:meth:`audio_tools.rag.store.RecordingStore.stamp`): whoever
finds the stamp out of date, a reader or a writer, makes it again and saves it. Reading every
chunk back from Chroma is the slow part (about 0.2 ms a chunk here), so writers of an embedded
store also note each change in a journal (the chunk ids it removed and wrote, between two
stamps); when the journal links the saved index's stamp to the collection's, only the written
chunks are read (with their vectors) and cut into terms, the BM25 arrays are rebuilt from the
terms kept for the others, and the vector rows of removed chunks are dropped and those of
written ones added. When it does not (a writer killed mid-change, a rebuild, a server's writers elsewhere),
the index is made again from every chunk. Layout::

    <store>/lexical/<collection>/current.json     {"stamp", "folder", "format"}: the index in use
    <store>/lexical/<collection>/<folder>/        bm25s arrays, chunks.json (ids, texts, filter fields), terms.json,
                                                  vectors.npy (unit rows, float32, in the order of the ids)
    <store>/lexical/<collection>/changes.jsonl    the journal: {"from", "to", "removed", "written"} per change

A new index is written whole into a new folder, then ``current.json`` is replaced atomically to
point at it, so a reader never loads half an index; folders no longer pointed at are removed a
minute later (a reader may still be loading one). A pointer of another ``format`` (an index saved
before the vectors were kept) counts as no index: it is made again, with its vectors, from every
chunk.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from audio_tools.rag.chunks import chunk_speakers
from audio_tools.rag.files import write_atomic
from audio_tools.rag.filters import ChunkColumns, SearchFilters
from audio_tools.rag.terms import terms

__all__ = ["LEXICAL_DIR", "LexicalCache", "LexicalIndex", "LexicalRow"]

LEXICAL_DIR = "lexical"
POINTER_NAME = "current.json"
CHUNKS_NAME = "chunks.json"
TERMS_NAME = "terms.json"  # read only to update the index, not to search it
JOURNAL_NAME = "changes.jsonl"
JOURNAL_KEEP = 500
VECTORS_NAME = "vectors.npy"
FORMAT = 2  # 2: with vectors.npy
STALE_FOLDER_S = 60.0
_FOLDER = re.compile(r"^[0-9a-f]{16}$")


@dataclass(frozen=True)
class LexicalRow:
    """One chunk as the lexical index keeps it: its terms and the fields filters look at."""

    id: str
    text: str
    terms: list[str] | None  # None when loaded without them (see LexicalIndex.row_terms)
    source: str
    speakers: frozenset[str]
    recorded_at: float | None

    @classmethod
    def of(cls, chunk_id: str, text: str, metadata: dict[str, Any]) -> LexicalRow:
        """The row of a chunk given by its id, text and Chroma metadata."""
        recorded_at = metadata.get("recorded_at")
        return cls(id=chunk_id, text=text, terms=terms(text), source=str(metadata.get("source", "")),
                   speakers=frozenset(chunk_speakers(metadata)),
                   recorded_at=float(recorded_at) if isinstance(recorded_at, int | float) else None)


class LexicalIndex:
    """A BM25 index of some chunks, with the columns the search filters need.

    Build one with :meth:`build` (or :meth:`updated` from an older one); save and load it with
    :class:`LexicalCache`.

    Attributes:
        stamp: the collection generation it was built from.
        rows: the chunks, in index order.
        ids: their ids.
        columns: their texts and filter fields, as arrays in the same order.
        vectors: their vectors as unit rows (float32, ``(len(rows), dimension)``) in the same order;
            None when they were not given (:meth:`nearest` then answers None).
    """

    def __init__(self, stamp: str, rows: list[LexicalRow], retriever: Any = None, terms_file: Path | None = None,
                 vectors: np.ndarray | None = None) -> None:
        import bm25s

        if vectors is not None and (vectors.ndim != 2 or len(vectors) != len(rows)):
            msg = f"{len(rows)} chunks but vectors of shape {vectors.shape}"
            raise ValueError(msg)
        self.stamp = stamp
        self.rows = rows
        self.ids = [r.id for r in rows]
        self.columns = ChunkColumns(
            sources=np.array([r.source for r in rows], dtype=object),
            speakers=np.array([r.speakers for r in rows], dtype=object),
            recorded_at=np.array([np.nan if r.recorded_at is None else r.recorded_at for r in rows], dtype=np.float64),
            texts=[r.text for r in rows],
        )
        self.vectors = vectors
        self._terms_file = terms_file
        self._last_mask: tuple[SearchFilters, np.ndarray | None] | None = None  # both sides ask for the same one
        self._retriever: Any = retriever
        self._vocabulary: dict[str, int] = {}
        if rows and retriever is None:
            self._retriever = bm25s.BM25()
            self._retriever.index(self.row_terms(), show_progress=False)
        if self._retriever is not None:
            self._vocabulary = self._retriever.vocab_dict

    def __len__(self) -> int:
        return len(self.rows)

    @classmethod
    def build(cls, stamp: str, ids: Sequence[str], texts: Sequence[str], metadatas: Sequence[dict[str, Any]],
              vectors: Any = None) -> LexicalIndex:
        """Index chunks given by their ids, texts, Chroma metadata and (optionally) vectors, one row each."""
        rows = [LexicalRow.of(i, t, m) for i, t, m in zip(ids, texts, metadatas, strict=True)]
        return cls(stamp, rows, vectors=None if vectors is None or not rows else unit_rows(vectors, len(rows)))

    def updated(self, stamp: str, removed: Collection[str], added: Sequence[LexicalRow], vectors: Any = None
                ) -> LexicalIndex:
        """This index with some chunks removed and others added or replaced (the others' terms are reused).

        ``vectors`` are the added chunks' (one row each); without them, or when this index has
        none and keeps some chunks, the new one has no vectors either (dense queries then go to
        Chroma until the index is made again).
        """
        replaced = set(removed) | {r.id for r in added}
        keep = np.array([r.id not in replaced for r in self.rows], dtype=bool)
        kept = [replace(r, terms=t) for r, t, k in zip(self.rows, self.row_terms(), keep, strict=True) if k]
        matrix = None
        if added and vectors is not None:
            new = unit_rows(vectors, len(added))
            if not kept:
                matrix = new
            elif self.vectors is not None:
                matrix = np.concatenate([self.vectors[keep], new])
        elif not added and self.vectors is not None:
            matrix = self.vectors[keep]
        return LexicalIndex(stamp, kept + list(added), vectors=matrix)

    def row_terms(self) -> list[list[str]]:
        """Each row's terms: kept, else read from the saved index (a loaded index leaves them there), else cut again."""
        if all(r.terms is not None for r in self.rows):
            return [r.terms or [] for r in self.rows]
        saved: list[list[str]] | None = None
        if self._terms_file is not None:
            with contextlib.suppress(OSError, ValueError):
                saved = json.loads(self._terms_file.read_text(encoding="utf-8"))
        if saved is None or len(saved) != len(self.rows):
            saved = None
        return [r.terms if r.terms is not None else saved[i] if saved is not None else terms(r.text)
                for i, r in enumerate(self.rows)]

    def mask(self, filters: SearchFilters | None) -> np.ndarray | None:
        """``filters.mask`` over these chunks (the last one is kept: the dense and lexical sides ask in turn)."""
        if filters is None:
            return None
        last = self._last_mask
        if last is not None and last[0] == filters:
            return last[1]
        mask = filters.mask(self.columns)
        self._last_mask = (filters, mask)
        return mask

    def nearest(self, vector: Sequence[float], n: int, filters: SearchFilters | None = None
                ) -> list[tuple[str, float]] | None:
        """The ``n`` chunks nearest to a query vector as (id, cosine distance), nearest first.

        Exact (brute force over the kept rows), with the same filters as :meth:`search`. None
        when this index has no vectors, or vectors of another dimension: ask Chroma instead.
        """
        if self.vectors is None:
            return None
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        if query.shape[0] != self.vectors.shape[1]:
            return None
        if n < 1 or not self.ids:
            return []
        norm = float(np.linalg.norm(query))
        if norm > 0:
            query = query / norm
        mask = self.mask(filters)
        rows: np.ndarray | None = None
        if mask is None:
            scores = self.vectors @ query
            kept = len(scores)
        else:
            keep = mask > 0
            kept = int(np.count_nonzero(keep))
            if kept == 0:
                return []
            if kept * 4 <= len(keep):  # few rows: multiply only those
                rows = np.flatnonzero(keep)
                scores = self.vectors[rows] @ query
            else:  # many: multiplying all is cheaper than copying them out
                scores = self.vectors @ query
                scores[~keep] = -np.inf
        n = min(n, kept)
        top = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        found = top if rows is None else rows[top]
        return [(self.ids[int(i)], float(1.0 - scores[j])) for i, j in zip(found, top, strict=True)]

    def search(self, query: str, k: int, filters: SearchFilters | None = None) -> list[tuple[str, float]]:
        """The ``k`` best chunks for ``query`` as (id, BM25 score), best first; only chunks with a positive score."""
        if self._retriever is None or k < 1:
            return []
        known = [self._vocabulary[t] for t in dict.fromkeys(terms(query)) if t in self._vocabulary]
        if not known:
            return []
        mask = self.mask(filters)
        if mask is not None and not mask.any():
            return []
        found, scores = self._retriever.retrieve([known], k=min(k, len(self.ids)), weight_mask=mask,
                                                 show_progress=False, n_threads=1)
        return [(self.ids[int(i)], float(s)) for i, s in zip(found[0], scores[0], strict=True) if s > 0]


class LexicalCache:
    """Where the lexical index of one collection is saved, and the index loaded from there.

    Args:
        folder: ``<store>/lexical/<collection>``.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._loaded: LexicalIndex | None = None

    def stamp(self) -> str | None:
        """The stamp of the saved index, None when there is none."""
        pointer = self._pointer()
        return None if pointer is None else pointer[0]

    def latest(self) -> LexicalIndex | None:
        """The index in memory, else the saved one, whatever their stamp; None when there is none."""
        if self._loaded is None:
            pointer = self._pointer()
            if pointer is not None:
                with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                    self._loaded = _load(self.folder / pointer[1], pointer[0])
        return self._loaded

    def record(self, before: str, after: str, removed: Sequence[str], written: Sequence[str]) -> None:
        """Note one finished change of the collection, from stamp ``before`` to ``after``.

        The caller holds the store's write lock, so the changes form one chain; a change that was
        not noted (a crash before this, another machine's writer) breaks it, and readers then
        rebuild the index whole. The journal keeps the last :data:`JOURNAL_KEEP` changes.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"from": before, "to": after, "removed": list(removed), "written": list(written)})
        path = self.folder / JOURNAL_NAME
        with open(path, "a", encoding="utf-8") as journal:
            journal.write(line + "\n")
            journal.flush()
            os.fsync(journal.fileno())
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) > 2 * JOURNAL_KEEP:
            write_atomic(path, ("\n".join(lines[-JOURNAL_KEEP:]) + "\n").encode("utf-8"))

    def changes(self, since: str, until: str) -> tuple[set[str], set[str]] | None:
        """The chunk ids removed, and those written, from stamp ``since`` to ``until``; None when not known."""
        try:
            lines = (self.folder / JOURNAL_NAME).read_text(encoding="utf-8").splitlines()
        except OSError:
            return None
        steps: dict[str, dict[str, Any]] = {}
        for line in lines:
            with contextlib.suppress(ValueError, KeyError, TypeError):  # a torn last line: a broken chain
                entry = json.loads(line)
                steps[str(entry["from"])] = entry
        removed: set[str] = set()
        written: set[str] = set()
        stamp = since
        for _ in range(len(steps)):
            if stamp == until:
                break
            entry = steps.get(stamp)
            if entry is None:
                return None
            for chunk_id in entry["removed"]:
                removed.add(chunk_id)
                written.discard(chunk_id)
            for chunk_id in entry["written"]:
                written.add(chunk_id)
                removed.discard(chunk_id)
            stamp = str(entry["to"])
        return (removed, written) if stamp == until else None

    def get(self, stamp: str) -> LexicalIndex | None:
        """The index for ``stamp``: the one in memory, else the saved one; None when neither has that stamp."""
        if self._loaded is not None and self._loaded.stamp == stamp:
            return self._loaded
        for _ in range(3):  # the folder pointed at may be replaced while it is read
            pointer = self._pointer()
            if pointer is None or pointer[0] != stamp:
                return None
            try:
                self._loaded = _load(self.folder / pointer[1], stamp)
            except (OSError, ValueError, KeyError):
                continue
            return self._loaded
        return None

    def put(self, index: LexicalIndex) -> None:
        """Make ``index`` the one in use, and save it.

        Raises:
            OutputWriteError: the disk is full or a write failed (the index is used from memory,
                and the saved one is unchanged).
        """
        self._loaded = index
        name = secrets.token_hex(8)
        target = self.folder / name
        target.mkdir(parents=True)
        try:
            _save(index, target)
            write_atomic(self.folder / POINTER_NAME,
                         json.dumps({"stamp": index.stamp, "folder": name, "format": FORMAT}).encode())
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        self._remove_stale(keep=name)

    def _pointer(self) -> tuple[str, str] | None:
        try:
            record = json.loads((self.folder / POINTER_NAME).read_text(encoding="utf-8"))
            stamp, name = str(record["stamp"]), str(record["folder"])
            if record.get("format") != FORMAT:
                return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return (stamp, name) if _FOLDER.match(name) else None

    def _remove_stale(self, keep: str) -> None:
        now = time.time()
        for entry in self.folder.iterdir():
            if entry.name == keep or not _FOLDER.match(entry.name) or not entry.is_dir():
                continue
            with contextlib.suppress(OSError):
                if now - entry.stat().st_mtime > STALE_FOLDER_S:
                    shutil.rmtree(entry)


def _save(index: LexicalIndex, folder: Path) -> None:
    if index._retriever is not None:
        index._retriever.save(folder, show_progress=False)
    write_atomic(folder / TERMS_NAME, json.dumps(index.row_terms(), ensure_ascii=False).encode("utf-8"))
    if index.vectors is not None:
        np.save(folder / VECTORS_NAME, index.vectors, allow_pickle=False)
    rows = {
        "stamp": index.stamp,
        "rows": [[r.id, r.text, r.source, sorted(r.speakers), r.recorded_at] for r in index.rows],
    }
    write_atomic(folder / CHUNKS_NAME, json.dumps(rows, ensure_ascii=False).encode("utf-8"))


def _load(folder: Path, stamp: str) -> LexicalIndex:
    saved = json.loads((folder / CHUNKS_NAME).read_text(encoding="utf-8"))
    if saved["stamp"] != stamp:
        msg = f"{folder} holds the index of {saved['stamp']}, not {stamp}"
        raise ValueError(msg)
    rows = [LexicalRow(id=str(i), text=str(t), terms=None, source=str(s), speakers=_speakers_field(p),
                       recorded_at=None if r is None else float(r)) for i, t, s, p, r in saved["rows"]]
    vectors_path = folder / VECTORS_NAME
    vectors = np.load(vectors_path, allow_pickle=False) if vectors_path.exists() else None
    if not rows:
        return LexicalIndex(stamp, rows, vectors=vectors)
    import bm25s

    return LexicalIndex(stamp, rows, bm25s.BM25.load(folder, show_progress=False), terms_file=folder / TERMS_NAME,
                        vectors=vectors)


def _speakers_field(value: Any) -> frozenset[str]:
    # Indexes saved before chunks listed their speakers kept the one ``speaker`` (or "").
    if isinstance(value, str):
        return frozenset([value]) if value else frozenset()
    return frozenset(str(name) for name in value)


def unit_rows(vectors: Any, count: int) -> np.ndarray:
    """Vectors as a C-ordered float32 matrix of unit rows (a zero row stays zero)."""
    matrix = np.array(vectors, dtype=np.float32, order="C").reshape(count, -1)  # a copy: normalised in place
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    np.divide(matrix, norms, out=matrix, where=norms > 0)
    return matrix
