"""The lexical half of hybrid search: BM25 (``bm25s``) over the chunk texts, kept as a derived cache.

The same cache also keeps the chunks' vectors as one float32 matrix of unit rows (in index
order), so that a *filtered* dense query is a masked matrix product here instead of Chroma's
filtered query, which costs time in proportion to the whole collection (56–314 ms at 100,000
chunks, against ~7 ms for brute force over every row; ``benchmarks/meetings/README.md``).

Chroma's own BM25 and rank fusion run only in Chroma Cloud, so the lexical index lives here. Texts
and queries are cut into :func:`audio_tools.rag.terms.terms` (numbers as digits, light stemming,
no stopwords), the terms citations match on, so "twenty users" finds "20 users".
``bm25s`` cannot add or delete documents (rebuilding 100,000 chunks takes ~10 s), so the index
is a cache of the collection, stamped with the collection's generation
(:meth:`audio_tools.rag.store.RecordingStore.stamp`): whoever finds the stamp out of date, a
reader or a writer, builds it again from the collection and saves it. Layout::

    <store>/lexical/<collection>/current.json     {"stamp", "folder", "format"}: the index in use
    <store>/lexical/<collection>/<folder>/        bm25s arrays + chunks.json (ids, texts, filter columns)
                                                  + vectors.npy (unit rows, float32, in the order of the ids)

A new index is written whole into a new folder, then ``current.json`` is replaced atomically to
point at it, so a reader never loads half an index; folders no longer pointed at are removed a
minute later (a reader may still be loading one). A pointer of another ``format`` (an index saved
before the vectors were kept) counts as no index: it is rebuilt, with its vectors, like a stale one.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from audio_tools.rag.files import write_atomic
from audio_tools.rag.filters import ChunkColumns, SearchFilters
from audio_tools.rag.terms import terms

__all__ = ["LEXICAL_DIR", "LexicalCache", "LexicalIndex"]

LEXICAL_DIR = "lexical"
POINTER_NAME = "current.json"
CHUNKS_NAME = "chunks.json"
VECTORS_NAME = "vectors.npy"
FORMAT = 2  # 2: with vectors.npy
STALE_FOLDER_S = 60.0
_FOLDER = re.compile(r"^[0-9a-f]{16}$")


class LexicalIndex:
    """A BM25 index of some chunks, with the columns the search filters need.

    Build one with :meth:`build`; save and load it with :class:`LexicalCache`.

    Attributes:
        stamp: the collection generation it was built from.
        ids: the chunk ids, in index order.
        columns: the chunks' texts and filter fields, in the same order.
        vectors: the chunks' vectors as unit rows (float32, ``(len(ids), dimension)``) in the same
            order; None when they were not given (:meth:`nearest` then answers None).
    """

    def __init__(self, stamp: str, ids: list[str], columns: ChunkColumns, retriever: Any,
                 vectors: np.ndarray | None = None) -> None:
        if vectors is not None and (vectors.ndim != 2 or len(vectors) != len(ids)):
            msg = f"{len(ids)} chunk ids but vectors of shape {vectors.shape}"
            raise ValueError(msg)
        self.stamp = stamp
        self.ids = ids
        self.columns = columns
        self.vectors = vectors
        self._retriever = retriever
        self._vocabulary: dict[str, int] = retriever.vocab_dict if retriever is not None else {}
        self._last_mask: tuple[SearchFilters, np.ndarray | None] | None = None  # both sides ask for the same one

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def build(cls, stamp: str, ids: Sequence[str], texts: Sequence[str], metadatas: Sequence[dict[str, Any]],
              vectors: Any = None) -> LexicalIndex:
        """Index chunks given by their ids, texts, Chroma metadata and (optionally) vectors, one row each."""
        import bm25s

        columns = ChunkColumns.of(texts, metadatas)
        retriever = None
        if ids:
            retriever = bm25s.BM25()
            retriever.index([terms(text) for text in texts], show_progress=False)
        matrix = None if vectors is None or not ids else unit_rows(vectors, len(ids))
        return cls(stamp, list(ids), columns, retriever, matrix)

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
    if index.vectors is not None:
        np.save(folder / VECTORS_NAME, index.vectors, allow_pickle=False)
    columns = index.columns
    chunks = {
        "stamp": index.stamp,
        "ids": index.ids,
        "texts": list(columns.texts),
        "sources": columns.sources.tolist(),
        "speakers": columns.speakers.tolist(),
        "recorded_at": [None if np.isnan(t) else t for t in columns.recorded_at.tolist()],
    }
    write_atomic(folder / CHUNKS_NAME, json.dumps(chunks, ensure_ascii=False).encode("utf-8"))


def _load(folder: Path, stamp: str) -> LexicalIndex:
    import bm25s

    chunks = json.loads((folder / CHUNKS_NAME).read_text(encoding="utf-8"))
    if chunks["stamp"] != stamp:
        msg = f"{folder} holds the index of {chunks['stamp']}, not {stamp}"
        raise ValueError(msg)
    ids = [str(i) for i in chunks["ids"]]
    vectors_path = folder / VECTORS_NAME
    vectors = np.load(vectors_path, allow_pickle=False) if vectors_path.exists() else None
    retriever = bm25s.BM25.load(folder, show_progress=False) if ids else None
    columns = ChunkColumns(
        sources=np.array(chunks["sources"], dtype=object),
        speakers=np.array(chunks["speakers"], dtype=object),
        recorded_at=np.array([np.nan if t is None else t for t in chunks["recorded_at"]], dtype=np.float64),
        texts=chunks["texts"],
    )
    return LexicalIndex(stamp, ids, columns, retriever, vectors)


def unit_rows(vectors: Any, count: int) -> np.ndarray:
    """Vectors as a C-ordered float32 matrix of unit rows (a zero row stays zero)."""
    matrix = np.array(vectors, dtype=np.float32, order="C").reshape(count, -1)  # a copy: normalised in place
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    np.divide(matrix, norms, out=matrix, where=norms > 0)
    return matrix
