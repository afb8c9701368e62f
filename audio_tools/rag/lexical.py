"""The lexical half of hybrid search: BM25 (``bm25s``) over the chunk texts, kept as a derived cache.

Chroma's own BM25 and rank fusion run only in Chroma Cloud, so the lexical index lives here. Texts
and queries are cut into :func:`audio_tools.rag.terms.terms` (numbers as digits, light stemming,
no stopwords), the terms citations match on, so "twenty users" finds "20 users".
``bm25s`` cannot add or delete documents (rebuilding 100,000 chunks takes ~10 s), so the index
is a cache of the collection, stamped with the collection's generation
(:meth:`audio_tools.rag.store.RecordingStore.stamp`): whoever finds the stamp out of date, a
reader or a writer, builds it again from the collection and saves it. Layout::

    <store>/lexical/<collection>/current.json     {"stamp", "folder"}: the index in use
    <store>/lexical/<collection>/<folder>/        bm25s arrays + chunks.json (ids, texts, filter columns)

A new index is written whole into a new folder, then ``current.json`` is replaced atomically to
point at it, so a reader never loads half an index; folders no longer pointed at are removed a
minute later (a reader may still be loading one).
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
STALE_FOLDER_S = 60.0
_FOLDER = re.compile(r"^[0-9a-f]{16}$")


class LexicalIndex:
    """A BM25 index of some chunks, with the columns the search filters need.

    Build one with :meth:`build`; save and load it with :class:`LexicalCache`.

    Attributes:
        stamp: the collection generation it was built from.
        ids: the chunk ids, in index order.
        columns: the chunks' texts and filter fields, in the same order.
    """

    def __init__(self, stamp: str, ids: list[str], columns: ChunkColumns, retriever: Any) -> None:
        self.stamp = stamp
        self.ids = ids
        self.columns = columns
        self._retriever = retriever
        self._vocabulary: dict[str, int] = retriever.vocab_dict if retriever is not None else {}

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def build(cls, stamp: str, ids: Sequence[str], texts: Sequence[str], metadatas: Sequence[dict[str, Any]]
              ) -> LexicalIndex:
        """Index chunks given by their ids, texts and Chroma metadata."""
        import bm25s

        columns = ChunkColumns.of(texts, metadatas)
        retriever = None
        if ids:
            retriever = bm25s.BM25()
            retriever.index([terms(text) for text in texts], show_progress=False)
        return cls(stamp, list(ids), columns, retriever)

    def search(self, query: str, k: int, filters: SearchFilters | None = None) -> list[tuple[str, float]]:
        """The ``k`` best chunks for ``query`` as (id, BM25 score), best first; only chunks with a positive score."""
        if self._retriever is None or k < 1:
            return []
        known = [self._vocabulary[t] for t in dict.fromkeys(terms(query)) if t in self._vocabulary]
        if not known:
            return []
        mask = filters.mask(self.columns) if filters is not None else None
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
            write_atomic(self.folder / POINTER_NAME, json.dumps({"stamp": index.stamp, "folder": name}).encode())
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        self._remove_stale(keep=name)

    def _pointer(self) -> tuple[str, str] | None:
        try:
            record = json.loads((self.folder / POINTER_NAME).read_text(encoding="utf-8"))
            stamp, name = str(record["stamp"]), str(record["folder"])
        except (OSError, ValueError, KeyError, TypeError):
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
    retriever = bm25s.BM25.load(folder, show_progress=False) if ids else None
    columns = ChunkColumns(
        sources=np.array(chunks["sources"], dtype=object),
        speakers=np.array(chunks["speakers"], dtype=object),
        recorded_at=np.array([np.nan if t is None else t for t in chunks["recorded_at"]], dtype=np.float64),
        texts=chunks["texts"],
    )
    return LexicalIndex(stamp, ids, columns, retriever)
