"""Hybrid search over the meeting store: meaning (Chroma) and words (BM25), fused, re-ranked by sentence, cited.

One search embeds the query (outside any lock), then, holding the store for reading, takes the
``n`` nearest chunks from Chroma (``where`` for source, speaker and time filters,
``where_document`` for an exact phrase) and the ``n`` best BM25 chunks from the lexical cache
(the same filters as a mask), and fuses the two rankings by reciprocal rank fusion::

    fused(chunk) = DENSE_WEIGHT / (RRF_K + dense rank) + LEXICAL_WEIGHT / (RRF_K + lexical rank)

(ranks from 1; a side that did not find the chunk adds nothing). The best ``max(MIN_RERANKED,
RERANKED_PER_HIT * k)`` fused chunks are then re-ranked by their sentences ("small to big"): the
store keeps each chunk's passages with a vector each (:meth:`RecordingStore.passages`, one
Chroma ``get`` by id), so each candidate is cited inside (:func:`~audio_tools.rag.citations.cite_passages`:
the query's terms, the kind of answer asked, a question handing over to its reply, plus the
passage's cosine to the query) and scored::

    score(chunk) = cosine(query, chunk) + PASSAGE_WEIGHT * best cosine of its sentences that are not
                   questions + CITATION_WEIGHT * its citation's score

With a speaker filter, only the passages that speaker says (each keeps its speaker) are cited
and count as the chunk's sentences. A chunk whose passages are not stored (a store written
before they were) is cited from its transcript's segments (that speaker's, with the filter) by
words alone. Chunks overlap (each repeats a segment of the one before), so two of them often
cite one moment: a chunk whose citation overlaps a better hit's in the same recording is passed
over, and the next re-ranked candidate takes its place. Per query: one embedding, one Chroma
query, one BM25 lookup, one Chroma ``get`` of the chunks only BM25 found (with their vectors),
one of the candidates' passages; no transcript is read.

Measured (``benchmarks/meeting_search_eval.py``: 8 meetings and 63 questions with Whisper
tiny.en, MiniLM, embedded Chroma; the weights were chosen on the ``tune`` half only, see
``benchmarks/meetings/README.md``): the top hit's citation inside the answer turn for 0.63 of
the questions (0.52 with fusion alone and citations by words), the top chunk overlapping it
for 0.76 (0.71); the real-voice suite 0.9 (0.7). Tuned on all the questions at once, no other
setting of the constants here and in :mod:`~audio_tools.rag.citations` on a grid (one constant
at a time from these, or 100 drawn at random) does better (``benchmarks/meeting_search_ceiling.py``).
Warm latency with passages (``benchmarks/meeting_search.py --sections search``, two cores,
query embedding included, load ~1.4): 100k chunks p50 22 ms, p95 27 ms unfiltered, 23 / 27
with a ``source`` filter, 28 / 33 with a ``speaker`` filter; reading the candidates' passages costs ~4-5 ms of that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from audio_tools.errors import InvalidInputError
from audio_tools.rag.citations import Citation, cite, cite_passages
from audio_tools.rag.filters import SearchFilters

if TYPE_CHECKING:
    from audio_tools.rag.store import RecordingStore, StoredChunk, StoredPassages

__all__ = ["CITATION_WEIGHT", "DENSE_WEIGHT", "LEXICAL_WEIGHT", "PASSAGE_WEIGHT", "RRF_K", "Hit", "fuse", "search"]

RRF_K = 60
DENSE_WEIGHT = 1.0
LEXICAL_WEIGHT = 1.0
CANDIDATES_PER_HIT = 4  # each side returns this many candidates per hit asked for ...
MIN_CANDIDATES = 20  # ... and never fewer than this
RERANKED_PER_HIT = 2  # the fused candidates re-ranked by their sentences: this many per hit asked for ...
MIN_RERANKED = 10  # ... and never fewer than this
PASSAGE_WEIGHT = 0.5  # of the cosine of the chunk's sentence closest to the query (not a question)
CITATION_WEIGHT = 0.5  # of its citation's score (terms, similarity, kind of answer, question handed over)


@dataclass(frozen=True)
class Hit:
    """One search result: a chunk, its score, and the moment inside it that answers the query.

    Attributes:
        id: the chunk's id.
        source: the recording's path in the workspace.
        start: where the chunk starts (seconds).
        end: where it ends.
        cite_start: where the cited passage starts.
        cite_end: where it ends.
        text: the chunk's text.
        score: the re-ranked score (higher is better; comparable within one search only).
        speaker: the chunk's speaker, when one known speaker says all of it (or the speaker searched for).
        cite_text: what is said in the cited passage.
        dense_distance: the chunk's cosine distance to the query (None: only BM25 found it).
        lexical_score: its BM25 score (None: only the dense side found it).
        metadata: all of the chunk's metadata.
    """

    id: str
    source: str
    start: float
    end: float
    cite_start: float
    cite_end: float
    text: str
    score: float
    speaker: str | None = None
    cite_text: str = ""
    dense_distance: float | None = None
    lexical_score: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The hit as ``search --json`` prints it."""
        return {"source": self.source, "start": self.start, "end": self.end, "cite_start": self.cite_start,
                "cite_end": self.cite_end, "text": self.text, "score": self.score, "speaker": self.speaker}


def search(
    store: RecordingStore,
    query: str,
    k: int = 5,
    *,
    source: str | tuple[str, ...] | None = None,
    speaker: str | None = None,
    recorded_after: float | None = None,
    recorded_before: float | None = None,
    phrase: str | None = None,
) -> list[Hit]:
    """The ``k`` chunks that best answer ``query``, best first, each with its citation (no moment cited twice).

    Args:
        store: the meeting store.
        query: what to look for, in plain words.
        k: how many hits at most.
        source: only this recording (its path in the workspace), or any of several.
        speaker: only chunks where this speaker talks, each cited where that speaker says it.
        recorded_after: only recordings made at or after this time (epoch seconds).
        recorded_before: only recordings made before this time.
        phrase: only chunks whose text contains this exactly (case-sensitive).

    Raises:
        InvalidInputError: an empty query, ``k`` below 1, a malformed filter, or a store made
            with other embeddings.
        StoreBusyError: a writer held an embedded store for longer than ``store_lock_timeout_s``.
    """
    if not query.strip():
        msg = "The search query is empty; say what to look for."
        raise InvalidInputError(msg)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        msg = f"k is how many hits to return, 1 or more, not {k!r}."
        raise InvalidInputError(msg)
    filters = SearchFilters(source=source, speaker=speaker, recorded_after=recorded_after,
                            recorded_before=recorded_before, phrase=phrase)
    vector = store.embeddings.embed_query(query)
    n = max(MIN_CANDIDATES, CANDIDATES_PER_HIT * k)
    with store.reading():
        dense = store.dense(vector, n, filters)
        lexical = store.lexical_index().search(query, n, filters)
        fused = fuse([c.id for c, _ in dense], [i for i, _ in lexical])[:max(MIN_RERANKED, RERANKED_PER_HIT * k)]
        found: dict[str, StoredChunk] = {c.id: c for c, _ in dense}
        found.update(store.chunks([i for i, _ in fused if i not in found], vectors=True))
        candidates = [found[i] for i, _ in fused if i in found]  # a chunk may be deleted between the sides
        passages = store.passages(candidates)
    distances = {c.id: d for c, d in dense}
    bm25 = dict(lexical)
    query_vector = _unit(vector)
    ranked = []
    for chunk in candidates:
        distance = distances.get(chunk.id)
        closeness = 1.0 - distance if distance is not None else (
            float(_unit(chunk.vector) @ query_vector) if chunk.vector is not None else 0.0)
        citation, best = _cited(store, query, chunk, passages.get(chunk.id), query_vector, speaker)
        ranked.append((closeness + PASSAGE_WEIGHT * best + CITATION_WEIGHT * citation.score, chunk, citation))
    ranked.sort(key=lambda item: -item[0])
    hits: list[Hit] = []
    for score, chunk, citation in ranked:
        if len(hits) == k:
            break
        metadata = chunk.metadata
        source_name = str(metadata.get("source", ""))
        if any(_same_moment(hit, source_name, citation) for hit in hits):
            continue
        speaker_name = speaker if speaker is not None else metadata.get("speaker")
        hits.append(Hit(
            id=chunk.id, source=source_name, start=float(metadata.get("start", 0.0)),
            end=float(metadata.get("end", 0.0)), cite_start=citation.start, cite_end=citation.end, text=chunk.text,
            score=float(score), speaker=str(speaker_name) if speaker_name is not None else None,
            cite_text=citation.text, dense_distance=distances.get(chunk.id), lexical_score=bm25.get(chunk.id),
            metadata=metadata,
        ))
    return hits


def fuse(dense: list[str], lexical: list[str]) -> list[tuple[str, float]]:
    """Reciprocal rank fusion of two rankings of ids, best first (ties: the dense order, then lexical)."""
    scores: dict[str, float] = {}
    for weight, ranking in ((DENSE_WEIGHT, dense), (LEXICAL_WEIGHT, lexical)):
        for rank, chunk_id in enumerate(ranking, start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + weight / (RRF_K + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


def _same_moment(hit: Hit, source: str, citation: Citation) -> bool:
    """Whether ``citation`` (in ``source``) overlaps the moment ``hit`` cites: overlapping chunks often cite one."""
    if hit.source != source:
        return False
    if (hit.cite_start, hit.cite_end) == (citation.start, citation.end):
        return True
    return max(hit.cite_start, citation.start) < min(hit.cite_end, citation.end)


def _cited(store: RecordingStore, query: str, chunk: StoredChunk, stored: StoredPassages | None,
           query_vector: np.ndarray, speaker: str | None) -> tuple[Citation, float]:
    """The chunk's citation, and the cosine of its sentence closest to the query that is not a question.

    From the stored passages and their vectors when the store has them (only those ``speaker``
    says, when given); else (a store written before passages were kept) from the transcript's
    segments, by words alone, and the chunk's own closeness stands in for its best sentence's (0).
    """
    if stored is not None:
        kept = [i for i, p in enumerate(stored.passages) if speaker is None or p.speaker == speaker]
        if kept:
            said = [stored.passages[i] for i in kept]
            vectors = stored.vectors[kept]
            similarities = vectors @ query_vector / np.maximum(np.linalg.norm(vectors, axis=1), 1e-12)
            answers = [float(x) for x, p in zip(similarities, said, strict=True) if not p.question]
            best = max(answers) if answers else float(similarities.max())
            return cite_passages(query, said, similarities=[float(x) for x in similarities]), best
    return _citation(store, query, chunk, speaker), 0.0


def _unit(vector: Sequence[float]) -> np.ndarray:
    array = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(array))
    return array / norm if norm > 0 else array


def _citation(store: RecordingStore, query: str, chunk: StoredChunk, speaker: str | None) -> Citation:
    """The passage of the chunk that answers the query (said by ``speaker`` when given); the whole chunk when its
    transcript is gone."""
    segments = [s for s in store.segments(chunk) if speaker is None or s.speaker == speaker]
    if segments:
        try:
            return cite(query, segments)
        except InvalidInputError:
            pass
    metadata = chunk.metadata
    return Citation(start=float(metadata.get("start", 0.0)), end=float(metadata.get("end", 0.0)), text=chunk.text)
