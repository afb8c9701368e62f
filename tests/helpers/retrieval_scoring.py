"""Evaluation meters for meeting search: recall@k, citations inside the answer turn, spans.

A question is answered by one turn of one meeting (``truth.json``: its ``start`` and ``end``
in seconds). A hit counts as found when its recording is that meeting (the file's stem, so
``meetings/design_review.flac`` is ``design_review``) and its ``[start, end]`` overlaps the
turn. Its citation is right when ``[cite_start, cite_end]`` lies inside the turn, ± 1 s. An
answer's citation is judged the same way on its ``start`` and ``end``.

Everything here is pure: hits are any objects with the attributes named below (the store's
``Hit``, or made-up ones in tests); numbers may be numpy scalars, results are plain Python.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Protocol

__all__ = [
    "CITATION_TOLERANCE_S",
    "MAX_CHUNK_S",
    "AnswerTurn",
    "CitationLike",
    "HitLike",
    "SearchScore",
    "answer_turn",
    "cited_inside",
    "first_citation_inside",
    "found",
    "meeting_of",
    "score_hits",
    "summarise_answers",
    "summarise_search",
]

CITATION_TOLERANCE_S = 1.0
MAX_CHUNK_S = 30.0  # the acceptance criteria's longest chunk


class CitationLike(Protocol):
    """A cited moment: the recording and the seconds it covers."""

    @property
    def source(self) -> str: ...

    @property
    def start(self) -> float: ...

    @property
    def end(self) -> float: ...


class HitLike(CitationLike, Protocol):
    """A search hit: a chunk (``start``/``end``) and the moment in it that it cites."""

    @property
    def cite_start(self) -> float: ...

    @property
    def cite_end(self) -> float: ...


@dataclass(frozen=True)
class AnswerTurn:
    """The turn that answers a question."""

    meeting: str
    turn: int
    start: float
    end: float


@dataclass(frozen=True)
class SearchScore:
    """How one question's hits did.

    Attributes:
        rank: 1-based rank of the first hit that overlaps the answer turn; None when none does.
        cited: the top hit's citation lies inside the answer turn (± the tolerance).
        citation_s: the top hit's citation length; None without hits.
        chunk_s: the top hit's chunk span; None without hits.
    """

    rank: int | None
    cited: bool
    citation_s: float | None
    chunk_s: float | None


def meeting_of(source: str) -> str:
    """The meeting a recording's path names: its file stem (``meetings/x.flac`` -> ``x``)."""
    return PurePosixPath(source.replace("\\", "/")).stem


def answer_turn(truth: Mapping[str, Any], meeting: str, turn: int) -> AnswerTurn:
    """The answer turn of ``meeting`` in ``truth`` (the ``truth.json`` format).

    Raises:
        KeyError: no such meeting.
        IndexError: no such turn.
    """
    found_turn = truth[meeting]["turns"][turn]
    return AnswerTurn(meeting, turn, float(found_turn["start"]), float(found_turn["end"]))


def found(hit: CitationLike, answer: AnswerTurn) -> bool:
    """``hit`` comes from the answer's meeting and its span overlaps the answer turn."""
    return bool(meeting_of(hit.source) == answer.meeting and hit.start < answer.end and hit.end > answer.start)


def cited_inside(source: str, start: float, end: float, answer: AnswerTurn,
                 tolerance_s: float = CITATION_TOLERANCE_S) -> bool:
    """``[start, end]`` of ``source`` lies inside the answer turn, widened by ``tolerance_s`` each side."""
    return bool(meeting_of(source) == answer.meeting and start <= end
                and answer.start - tolerance_s <= start and end <= answer.end + tolerance_s)


def score_hits(hits: Sequence[HitLike], answer: AnswerTurn, tolerance_s: float = CITATION_TOLERANCE_S) -> SearchScore:
    """Score one question's ranked hits against its answer turn."""
    rank = next((i for i, hit in enumerate(hits, start=1) if found(hit, answer)), None)
    if not hits:
        return SearchScore(rank, False, None, None)
    top = hits[0]
    return SearchScore(
        rank=rank,
        cited=cited_inside(top.source, top.cite_start, top.cite_end, answer, tolerance_s),
        citation_s=float(top.cite_end - top.cite_start),
        chunk_s=float(top.end - top.start),
    )


def first_citation_inside(citations: Sequence[CitationLike], answer: AnswerTurn,
                          tolerance_s: float = CITATION_TOLERANCE_S) -> bool:
    """An answer's first citation lies inside the answer turn (± ``tolerance_s``); False without one."""
    if not citations:
        return False
    first = citations[0]
    return cited_inside(first.source, first.start, first.end, answer, tolerance_s)


def summarise_search(scores: Sequence[SearchScore], max_chunk_s: float = MAX_CHUNK_S) -> dict[str, Any]:
    """The figures of a set of questions.

    Returns:
        ``questions``; ``recall_at_1`` and ``recall_at_3`` (share of questions whose answer turn
        is overlapped by the first hit, by one of the first three); ``citation_accuracy`` (share
        whose top citation is inside the turn); the medians of the top hits' citation length
        and chunk span, the longest span, and the share of top chunks within ``max_chunk_s``.
        Shares are None for no questions, medians None without hits.
    """
    count = len(scores)
    citations = [s.citation_s for s in scores if s.citation_s is not None]
    chunks = [s.chunk_s for s in scores if s.chunk_s is not None]
    return {
        "questions": count,
        "recall_at_1": _share(sum(s.rank == 1 for s in scores), count),
        "recall_at_3": _share(sum(s.rank is not None and s.rank <= 3 for s in scores), count),
        "citation_accuracy": _share(sum(s.cited for s in scores), count),
        "median_citation_s": _median(citations),
        "median_chunk_s": _median(chunks),
        "max_chunk_s": round(max(chunks), 2) if chunks else None,
        "chunks_within_max": _share(sum(c <= max_chunk_s for c in chunks), len(chunks)),
    }


def summarise_answers(inside: Sequence[bool]) -> dict[str, Any]:
    """``questions`` and ``first_citation_accuracy``: the share whose first citation is inside the turn."""
    return {"questions": len(inside), "first_citation_accuracy": _share(sum(inside), len(inside))}


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None
