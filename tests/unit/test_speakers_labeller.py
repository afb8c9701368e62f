"""Putting speaker turns on a transcript: words by their time, segments split where the speaker changes."""

from __future__ import annotations

import pytest

from audio_tools.speakers import SpeakerTurn, assign_speakers, speaker_count
from audio_tools.speakers.labeller import speaker_at
from audio_tools.transcript import Segment, Transcript, Word

TURNS = [SpeakerTurn(0.0, 2.0, "S1"), SpeakerTurn(2.5, 5.0, "S2"), SpeakerTurn(5.5, 8.0, "S1")]


def transcript(*segments: Segment) -> Transcript:
    return Transcript(source="m.wav", language="en", duration_s=8.0, backend="test", model=None,
                      segments=list(segments))


def words(*spans: tuple[float, float, str], confidence: float | None = None) -> list[Word]:
    return [Word(a, b, text, confidence) for a, b, text in spans]


def test_a_segment_split_where_the_speaker_changes() -> None:
    segment = Segment(0.2, 4.0, "Hello there. Hi, how are you?",
                      words=words((0.2, 0.8, "Hello"), (0.9, 1.5, "there."), (2.6, 3.0, "Hi,"), (3.1, 3.4, "how"),
                                  (3.5, 3.7, "are"), (3.8, 4.0, "you?"), confidence=0.5))
    labelled = assign_speakers(transcript(segment), TURNS)
    assert [(s.id, s.speaker, s.text, s.start, s.end) for s in labelled.segments] == [
        (0, "S1", "Hello there.", 0.2, 1.5),
        (1, "S2", "Hi, how are you?", 2.6, 4.0),
    ]
    assert [len(s.words) for s in labelled.segments] == [2, 4]
    assert labelled.segments[0].confidence == 0.5


def test_one_speaker_segment_is_kept_whole() -> None:
    segment = Segment(5.6, 7.0, "Fine, thanks.", words=words((5.6, 6.0, "Fine,"), (6.1, 7.0, "thanks.")),
                      confidence=0.9)
    labelled = assign_speakers(transcript(segment), TURNS)
    assert labelled.segments == [Segment(5.6, 7.0, "Fine, thanks.", words=segment.words, speaker="S1",
                                         confidence=0.9)]


def test_words_in_pauses_take_the_nearest_turn() -> None:
    segment = Segment(1.9, 2.45, "so um", words=words((1.95, 2.05, "so"), (2.35, 2.45, "um")))
    labelled = assign_speakers(transcript(segment), TURNS)
    assert [(s.speaker, s.text) for s in labelled.segments] == [("S1", "so"), ("S2", "um")]


def test_segments_without_words_take_the_speaker_overlapping_most() -> None:
    labelled = assign_speakers(transcript(Segment(1.5, 4.5, "no words"), Segment(8.5, 9.0, "after")), TURNS)
    assert [s.speaker for s in labelled.segments] == ["S2", "S1"]


def test_no_turns_leave_no_speakers() -> None:
    segment = Segment(0.0, 1.0, "hm", words=words((0.0, 1.0, "hm")))
    original = transcript(segment)
    labelled = assign_speakers(original, [])
    assert [s.speaker for s in labelled.segments] == [None]
    assert original.segments[0].speaker is None  # the input is not changed


@pytest.mark.parametrize(("start", "end", "speaker"), [
    (0.0, 1.0, "S1"), (1.8, 3.0, "S2"), (1.0, 2.4, "S1"), (2.1, 2.2, "S1"), (2.3, 2.4, "S2"),
    (9.0, 9.5, "S1"), (-1.0, -0.5, "S1"), (4.0, 6.8, "S1"), (3.0, 5.8, "S2"),
])
def test_speaker_at(start: float, end: float, speaker: str) -> None:
    assert speaker_at(TURNS, start, end) == speaker
    assert speaker_at(list(reversed(TURNS)), start, end) == speaker


def test_speaker_count() -> None:
    assert speaker_count(TURNS) == 2
    assert speaker_count([]) == 0
