"""cite: the sentence that answers, the reply after an echoing question, word times kept."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from audio_tools.errors import InvalidInputError
from audio_tools.rag.citations import Citation, cite
from audio_tools.transcript import Segment, Word


def _segment(start: float, text: str, speaker: str | None = None, *, seconds_per_word: float = 0.4,
             words: bool = True) -> Segment:
    tokens = text.split()
    timed = [Word(start + i * seconds_per_word, start + (i + 1) * seconds_per_word, t) for i, t in enumerate(tokens)]
    end = start + len(tokens) * seconds_per_word
    return Segment(start=start, end=end, text=" " + text, words=timed if words else [], speaker=speaker)


MEETING = [
    _segment(0.0, "Welcome to the design review for the new company website."),
    _segment(5.0, "We tested the new home page with 20 users and 18 of them found the pricing page quickly."),
    _segment(13.0, "That is a big improvement."),
    _segment(15.0, "When can the new version go live?"),
    _segment(18.0, "The new website can go live on the second of April."),
    _segment(23.0, "Action item for Tom,"),
    _segment(25.0, "finish the Spanish translation by the 20th of March."),
]


def test_the_segment_that_holds_the_answer() -> None:
    citation = cite("How many users found the pricing page?", MEETING)
    assert (citation.start, citation.end) == (5.0, pytest.approx(5.0 + 18 * 0.4))
    assert citation.text.startswith("We tested")
    assert citation.score > 0


def test_an_echoing_question_hands_over_to_its_reply() -> None:
    citation = cite("When can the new version go live?", MEETING)
    assert citation.text == "The new website can go live on the second of April."
    assert citation.start == 18.0


def test_numbers_match_however_they_are_written() -> None:
    assert cite("Who finishes the translation by the twentieth of March?", MEETING).text == (
        "Action item for Tom, finish the Spanish translation by the 20th of March.")  # one sentence, two segments


def test_a_sentence_inside_a_long_segment_is_cited_by_its_word_times() -> None:
    segment = _segment(100.0, "Thanks for coming. The budget for the fair is 4000 euros. We meet again on Monday.")
    citation = cite("What is the budget for the fair?", [segment])
    assert citation.text == "The budget for the fair is 4000 euros."
    assert (citation.start, citation.end) == (pytest.approx(101.2), pytest.approx(104.4))


def test_a_question_without_a_mark_that_echoes_the_query() -> None:
    segments = [_segment(0.0, "That is great news which channel grew the most."),
                _segment(5.0, "Live chat grew the most."), _segment(8.0, "It now handles 40 % of all conversations.")]
    assert cite("Which support channel grew the most?", segments).text == "Live chat grew the most."


def test_a_short_reply_takes_the_rest_of_its_segment() -> None:
    segments = [_segment(0.0, "What is the risk we worry about most?"),
                _segment(4.0, "The payment form. It still fails on older phones.", seconds_per_word=0.3)]
    citation = cite("What is the biggest risk we worry about?", segments)
    assert citation.text == "The payment form. It still fails on older phones."


def test_a_question_with_no_reply_is_cited_itself() -> None:
    segments = [_segment(0.0, "We shipped the build."), _segment(3.0, "When is the launch party?")]
    assert cite("When is the launch party?", segments).text == "When is the launch party?"


def test_unpunctuated_transcripts_cite_segments() -> None:
    segments = [_segment(0.0, "when do we ship the release"), _segment(4.0, "next friday after the review"),
                _segment(8.0, "okay thanks")]
    citation = cite("When do we ship the release?", segments)
    assert citation.text == "next friday after the review"


def test_speakers_split_sentences_that_run_on() -> None:
    segments = [_segment(0.0, "so the budget is", "A"), _segment(2.0, "4000 euros for the fair.", "B")]
    assert cite("How many euros for the fair?", segments).text == "4000 euros for the fair."


def test_segments_without_words_are_cited_whole() -> None:
    segments = [_segment(0.0, "Hello everyone.", words=False), _segment(2.0, "The budget is 4000 euros.", words=False)]
    citation = cite("budget", segments)
    assert citation == Citation(start=2.0, end=pytest.approx(4.0), text="The budget is 4000 euros.",
                                score=pytest.approx(1.0))


def test_similarity_breaks_what_words_cannot() -> None:
    segments = [_segment(0.0, "Lunch is at noon."), _segment(3.0, "Revenue rose by a tenth.")]
    assert cite("How did sales do?", segments).text == "Lunch is at noon."  # nothing matches: the first

    def similar(query: str, texts: Sequence[str]) -> list[float]:
        return [1.0 if "Revenue" in t else 0.0 for t in texts]

    assert cite("How did sales do?", segments, similarity=similar).text == "Revenue rose by a tenth."


def test_bad_inputs() -> None:
    with pytest.raises(InvalidInputError, match="nothing to cite"):
        cite("anything", [Segment(start=0, end=1, text=" ")])
    with pytest.raises(InvalidInputError, match="one each"):
        cite("anything", MEETING, similarity=lambda q, texts: [0.0])


def test_the_kind_of_answer_decides_between_equal_matches() -> None:
    segments = [_segment(0.0, "The site goes live once the Spanish translation is finished."),
                _segment(5.0, "Action item for Tom: finish the Spanish translation by March 20th.")]
    assert cite("Who will finish the Spanish translation?", segments).start == 5.0
    assert cite("When is the Spanish translation finished?", segments).start == 5.0
    counts = [_segment(0.0, "Users found the pricing page."), _segment(3.0, "In all 18 users found the pricing page.")]
    assert cite("How many users found the pricing page?", counts).start == 3.0
    assert cite("Did users find the pricing page?", counts).start == 0.0  # no kind asked: a tie, the first


def test_an_action_item_addressed_to_its_owner_is_cited_not_the_acknowledgement() -> None:
    # A rule that handed a "Name, ..." sentence over to the reply (like a question) was tried and dropped: for
    # "who" the addressed name is the answer, and the reply is often only "Sure, will do."
    segments = [_segment(0.0, "Tom, please send the contract to legal.", "S1"), _segment(4.0, "Sure, will do.", "S2")]
    assert cite("Who sends the contract to legal?", segments).text == "Tom, please send the contract to legal."
