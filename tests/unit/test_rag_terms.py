"""terms: the same search terms for a question and for what speech-to-text wrote."""

from __future__ import annotations

import pytest

from audio_tools.rag.terms import terms, words


@pytest.mark.parametrize(("spoken", "written"), [
    ("We received nine hundred tickets, fifteen percent more.", "We receive 900 tickets, 15 % more."),
    ("finish the translation by the twentieth of March", "finished the translation by the 20th of March."),
    ("We spent forty two thousand euros", "We spent 42,000 euros"),
    ("We closed eleven thousand tickets", "We closed 11 ,000 tickets"),  # as Whisper spaces it
    ("two million three hundred thousand and one", "2,300,001"),
    ("What caused the increase?", "causes increased"),
    ("planned running", "plans runs"),
])
def test_spoken_and_written_forms_match(spoken: str, written: str) -> None:
    assert terms(spoken) == terms(written)


def test_words_keep_order_and_stopwords() -> None:
    assert words("Version 3 .4 ships, in 2024!") == ["version", "3.4", "ships", "in", "2024"]
    assert words("Let’s see") == ["lets", "see"]


def test_separate_numbers_stay_separate() -> None:
    assert words("three nine, two and three, ninety, five") == ["3", "9", "2", "and", "3", "90", "5"]
    assert words("a hundred people, thousand") == ["a", "hundred", "people", "thousand"]
    assert words("one hundred and twenty thousand") == ["120000"]


def test_stopwords_and_punctuation_are_dropped() -> None:
    assert terms("What is the, uh, plan?") == ["plan"]
    assert terms("") == []
