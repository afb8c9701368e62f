"""Transcripts: JSON round trip, SRT and WebVTT text, grouping words at pauses."""

from __future__ import annotations

import json

import pytest

from audio_tools.transcript import Segment, Transcript, Word, split_at_pauses


@pytest.fixture
def transcript() -> Transcript:
    return Transcript(
        source="meeting.flac",
        language="en",
        duration=3725.0,
        backend="whisper",
        model="openai/whisper-small",
        segments=[
            Segment(0.0, 1.25, " Hello team. ", [Word(0.0, 0.5, "Hello", 0.9), Word(0.6, 1.25, "team.", None)],
                    speaker="A", confidence=0.9),
            Segment(3661.5, 3662.0, "Ça va — 東京?", speaker=None, confidence=None),
            Segment(3663.0, 3663.5, "   "),
        ],
    )


def test_json_round_trip(transcript: Transcript) -> None:
    text = transcript.to_json()
    assert Transcript.from_json(text) == transcript
    assert Transcript.from_json(transcript.to_json(indent=None)) == transcript
    assert "東京" in text  # not escaped


def test_json_layout(transcript: Transcript) -> None:
    data = json.loads(transcript.to_json())
    assert list(data) == ["source", "language", "duration", "backend", "model", "segments"]
    assert list(data["segments"][0]) == ["start", "end", "text", "words", "speaker", "confidence"]
    assert data["segments"][0]["words"][0] == {"start": 0.0, "end": 0.5, "text": "Hello", "confidence": 0.9}


def test_from_dict_accepts_minimal_segments() -> None:
    data = {"source": "x.wav", "duration": 2, "backend": "pocketsphinx",
            "segments": [{"start": 0, "end": 1, "text": "hi"}]}
    transcript = Transcript.from_dict(data)
    assert transcript.segments == [Segment(0.0, 1.0, "hi")]
    assert transcript.language is None and transcript.model is None


def test_text_joins_non_empty_segments(transcript: Transcript) -> None:
    assert transcript.text == "Hello team. Ça va — 東京?"


def test_srt(transcript: Transcript) -> None:
    assert transcript.to_srt() == (
        "1\n00:00:00,000 --> 00:00:01,250\nHello team.\n\n"
        "2\n01:01:01,500 --> 01:01:02,000\nÇa va — 東京?\n"
    )  # the blank segment gets no cue


def test_vtt(transcript: Transcript) -> None:
    assert transcript.to_vtt() == (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:00:01.250\nHello team.\n\n"
        "01:01:01.500 --> 01:01:02.000\nÇa va — 東京?\n"
    )


def test_timestamps_round_to_milliseconds_and_clamp_negative() -> None:
    transcript = Transcript("x", None, 1.0, "b", None, [Segment(-0.2, 59.9996, "t")])
    assert transcript.to_srt() == "1\n00:00:00,000 --> 00:01:00,000\nt\n"


def test_empty_transcript() -> None:
    transcript = Transcript("x", None, 0.0, "b", None)
    assert transcript.text == ""
    assert transcript.to_srt() == ""
    assert transcript.to_vtt() == "WEBVTT\n\n"


def test_split_at_pauses() -> None:
    words = [
        Word(0.0, 0.3, "one", 0.5),
        Word(0.4, 0.7, "two", 1.0),  # 0.1 s gap: same segment
        Word(1.1, 1.4, "three", None),  # exactly 0.4 s: a new segment
        Word(1.79, 2.0, "four", None),  # 0.39 s: same segment
        Word(5.0, 5.5, "five", 0.25),
    ]
    segments = split_at_pauses(words)
    assert [s.text for s in segments] == ["one two", "three four", "five"]
    assert [(s.start, s.end) for s in segments] == [(0.0, 0.7), (1.1, 2.0), (5.0, 5.5)]
    assert [s.confidence for s in segments] == [0.75, None, 0.25]
    assert segments[0].words == words[:2]
    assert [s.text for s in split_at_pauses(words, pause_s=2.0)] == ["one two three four", "five"]


def test_split_at_pauses_of_nothing() -> None:
    assert split_at_pauses([]) == []
    assert split_at_pauses(iter([Word(0, 1, "solo")])) == [Segment(0, 1, "solo", [Word(0, 1, "solo")])]
