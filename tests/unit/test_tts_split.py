"""Splitting long text for speech engines, and joining the audio of the pieces."""

from __future__ import annotations

import numpy as np
import pytest

from audio_tools.errors import BackendError, InvalidInputError
from audio_tools.tts.join import FADE_S, PAUSE_S, join_chunks
from audio_tools.tts.text_split import split_text

SENTENCES = [
    "The storm rolled in over the hills before dawn.",
    "Nobody in the village had expected it so early in the year!",
    "Was the harvest safe?",
    "Old Marta said the barn roof would hold; the children were not so sure.",
]


def words(text: str) -> list[str]:
    return text.split()


def test_short_text_is_one_chunk() -> None:
    assert split_text("  Hello there.  ", 100) == ["Hello there."]


def test_chunks_end_at_sentence_boundaries() -> None:
    text = " ".join(SENTENCES)
    chunks = split_text(text, 80)
    assert all(len(c) <= 80 for c in chunks)
    assert all(c[-1] in ".!?" for c in chunks)
    assert words(" ".join(chunks)) == words(text)
    assert chunks == SENTENCES  # no two neighbours fit in 80 characters together


def test_sentences_are_packed_up_to_the_limit() -> None:
    text = " ".join(SENTENCES)
    chunks = split_text(text, 200)
    assert len(chunks) == 2
    assert chunks[0] == " ".join(SENTENCES[:3])


def test_long_sentence_splits_at_clauses_then_words() -> None:
    sentence = ("When the rain finally stopped, the river had risen past the old stone bridge, "
                "the mill was flooded to the second floor, and every road out of the valley was closed")
    chunks = split_text(sentence, 60)
    assert all(len(c) <= 60 for c in chunks)
    assert chunks[0].endswith(",")
    assert words(" ".join(chunks)) == words(sentence)
    tiny = split_text(sentence, 12)
    assert all(len(c) <= 12 for c in tiny)
    assert words(" ".join(tiny)) == words(sentence)


def test_chinese_splits_at_its_own_punctuation() -> None:
    text = "今天天气很好。我们去公园散步吧！你想一起来吗？"
    assert split_text(text, 12) == ["今天天气很好。", "我们去公园散步吧！", "你想一起来吗？"]
    assert split_text(text, 16) == ["今天天气很好。我们去公园散步吧！", "你想一起来吗？"]
    clause = "我们走过了长长的小路，看见了美丽的湖水，最后回到了家"
    chunks = split_text(clause, 12)
    assert all(len(c) <= 12 for c in chunks)
    assert "".join(chunks) == clause


def test_unbreakable_text_is_cut_at_the_limit() -> None:
    text = "x" * 25
    assert split_text(text, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_newlines_end_sentences() -> None:
    assert split_text("Chapter One\n\nIt was late.", 15) == ["Chapter One", "It was late."]


def test_every_character_is_kept_for_random_text() -> None:
    rng = np.random.default_rng(0)
    alphabet = [*"abcdefg ,.;!?", "\n"]
    for _ in range(50):
        text = "".join(rng.choice(alphabet, size=int(rng.integers(1, 400))))
        limit = int(rng.integers(1, 60))
        chunks = split_text(text, limit)
        assert all(0 < len(c) <= limit for c in chunks)
        assert "".join("".join(chunks).split()) == "".join(text.split())


def test_limit_must_be_positive() -> None:
    with pytest.raises(InvalidInputError):
        split_text("hello", 0)


def test_join_inserts_pauses_and_fades_edges() -> None:
    sr = 16000
    parts = [np.full(8000, 0.5, dtype=np.float32), np.full(4000, -0.5, dtype=np.float32)]
    joined = join_chunks(parts, sr)
    assert joined.dtype == np.float32
    assert len(joined) == 12000 + round(PAUSE_S * sr)
    # no step at any edge: a constant (DC) chunk ramps in and out over FADE_S
    steps = np.abs(np.diff(np.concatenate([[0.0], joined, [0.0]])))
    assert steps.max() < 0.5 * np.pi / (FADE_S * sr)
    assert joined[0] == 0.0
    assert joined[7999] < 1e-3
    assert np.all(joined[8000:8000 + round(PAUSE_S * sr)] == 0.0)


def test_join_single_part_adds_no_silence_and_keeps_the_middle() -> None:
    part = np.sin(np.linspace(0, 200, 16000)).astype(np.float32)
    joined = join_chunks([part], 16000)
    assert len(joined) == len(part)
    assert np.array_equal(joined[200:-200], part[200:-200])


def test_join_rejects_bad_parts() -> None:
    with pytest.raises(BackendError):
        join_chunks([np.zeros((2, 10), dtype=np.float32)], 16000)
    with pytest.raises(BackendError):
        join_chunks([np.array([0.0, np.nan], dtype=np.float32)], 16000)
