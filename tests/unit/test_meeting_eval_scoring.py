"""The meeting-search meters of tests/helpers/retrieval_scoring.py, on made-up hits."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from helpers.retrieval_scoring import (
    AnswerTurn,
    answer_turn,
    cited_inside,
    first_citation_inside,
    found,
    meeting_of,
    score_hits,
    summarise_answers,
    summarise_search,
)

TRUTH = {"launch": {"title": "Launch", "duration": 60.0, "turns": [
    {"turn": 0, "speaker": "A", "start": 0.25, "end": 4.0, "text": "When do we launch?"},
    {"turn": 1, "speaker": "B", "start": 4.6, "end": 10.0, "text": "On the eleventh of June."},
]}}
ANSWER = AnswerTurn("launch", 1, 4.6, 10.0)


@dataclass(frozen=True)
class Hit:
    source: str
    start: float
    end: float
    cite_start: float
    cite_end: float


@dataclass(frozen=True)
class Citation:
    source: str
    start: float
    end: float


def test_answer_turn_reads_truth() -> None:
    assert answer_turn(TRUTH, "launch", 1) == ANSWER
    with pytest.raises(KeyError):
        answer_turn(TRUTH, "budget", 0)
    with pytest.raises(IndexError):
        answer_turn(TRUTH, "launch", 2)


@pytest.mark.parametrize(("source", "meeting"), [
    ("meetings/launch.flac", "launch"), ("launch.wav", "launch"), ("a\\b\\launch.flac", "launch"),
    ("/abs/path/q3.budget.flac", "q3.budget"),
])
def test_meeting_is_the_file_stem(source: str, meeting: str) -> None:
    assert meeting_of(source) == meeting


def test_found_needs_the_meeting_and_an_overlap() -> None:
    assert found(Hit("m/launch.flac", 0.0, 5.0, 0, 1), ANSWER)  # overlaps the turn's start
    assert found(Hit("m/launch.flac", 9.0, 30.0, 0, 1), ANSWER)  # overlaps its end
    assert found(Hit("m/launch.flac", 5.0, 6.0, 0, 1), ANSWER)  # inside
    assert not found(Hit("m/launch.flac", 0.0, 4.6, 0, 1), ANSWER)  # touches only
    assert not found(Hit("m/launch.flac", 10.0, 20.0, 0, 1), ANSWER)
    assert not found(Hit("m/budget.flac", 0.0, 60.0, 0, 1), ANSWER)  # right time, wrong meeting


def test_citation_inside_allows_one_second_each_side() -> None:
    assert cited_inside("launch.flac", 3.6, 11.0, ANSWER)
    assert not cited_inside("launch.flac", 3.5, 8.0, ANSWER)
    assert not cited_inside("launch.flac", 5.0, 11.1, ANSWER)
    assert not cited_inside("budget.flac", 5.0, 6.0, ANSWER)
    assert not cited_inside("launch.flac", 6.0, 5.0, ANSWER)  # an inverted span is no citation
    assert cited_inside("launch.flac", 4.0, 10.5, ANSWER, tolerance_s=0.6)
    assert not cited_inside("launch.flac", 4.0, 10.5, ANSWER, tolerance_s=0.5)


def test_score_hits_ranks_and_judges_the_top_citation() -> None:
    hits = [Hit("budget.flac", 0.0, 20.0, 4.0, 6.0),  # a distractor meeting first
            Hit("launch.flac", 20.0, 40.0, 21.0, 23.0),
            Hit("launch.flac", 0.0, 25.0, 4.7, 9.9)]
    score = score_hits(hits, ANSWER)
    assert score.rank == 3
    assert not score.cited  # the top hit's citation is in another meeting
    assert score.citation_s == pytest.approx(2.0)
    assert score.chunk_s == pytest.approx(20.0)
    top = score_hits(hits[2:], ANSWER)
    assert (top.rank, top.cited, top.chunk_s) == (1, True, 25.0)


def test_score_hits_cited_but_chunk_missed_and_no_hits() -> None:
    # A citation just inside the tolerance from a chunk that ends before the turn: not found, cited.
    score = score_hits([Hit("launch.flac", 0.0, 4.5, 3.7, 4.5)], ANSWER)
    assert (score.rank, score.cited) == (None, True)
    empty = score_hits([], ANSWER)
    assert (empty.rank, empty.cited, empty.citation_s, empty.chunk_s) == (None, False, None, None)


def test_first_citation_inside() -> None:
    good, bad = Citation("x/launch.flac", 5.0, 9.0), Citation("x/launch.flac", 0.0, 2.0)
    assert first_citation_inside([good, bad], ANSWER)
    assert not first_citation_inside([bad, good], ANSWER)
    assert not first_citation_inside([], ANSWER)


def test_summarise_search() -> None:
    scores = [score_hits(hits, ANSWER) for hits in (
        [Hit("launch.flac", 0.0, 12.0, 4.6, 10.0)],  # rank 1, cited, 12 s chunk
        [Hit("launch.flac", 30.0, 70.0, 31.0, 33.0), Hit("launch.flac", 4.0, 8.0, 5.0, 7.0)],  # rank 2, 40 s
        [Hit("budget.flac", 0.0, 10.0, 1.0, 2.0)] * 3,  # missed
        [],  # nothing returned
    )]
    summary = summarise_search(scores)
    assert summary == {
        "questions": 4,
        "recall_at_1": 0.25,
        "recall_at_3": 0.5,
        "citation_accuracy": 0.25,
        "median_citation_s": 2.0,  # 5.4, 2.0, 1.0
        "median_chunk_s": 12.0,  # 12, 40, 10
        "max_chunk_s": 40.0,
        "chunks_within_max": 0.6667,
    }


def test_summaries_of_nothing() -> None:
    assert summarise_search([]) == {
        "questions": 0, "recall_at_1": None, "recall_at_3": None, "citation_accuracy": None,
        "median_citation_s": None, "median_chunk_s": None, "max_chunk_s": None, "chunks_within_max": None,
    }
    assert summarise_answers([]) == {"questions": 0, "first_citation_accuracy": None}
    assert summarise_answers([True, False, True, True]) == {"questions": 4, "first_citation_accuracy": 0.75}


def test_numpy_numbers_give_plain_python_results() -> None:
    np = pytest.importorskip("numpy")
    hit = Hit("launch.flac", np.float32(4.0), np.float32(12.0), np.float32(5.0), np.float32(9.0))
    score = score_hits([hit], ANSWER)
    assert type(score.cited) is bool and type(score.chunk_s) is float and type(score.citation_s) is float
    assert type(found(hit, ANSWER)) is bool
