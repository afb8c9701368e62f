"""Transcripts: JSON round trip and versions, segment ids, SRT and WebVTT text, grouping words at pauses."""

from __future__ import annotations

import base64
import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import ToolMessage

from audio_tools.errors import InvalidInputError
from audio_tools.tools.speech_to_text import BASE64_DISPLAY_NAME, BASE64_SOURCE, SpeechToTextTool
from audio_tools.transcript import SCHEMA_VERSION, Segment, Transcript, Word, clock, split_at_pauses, timed_words
from audio_tools.workspace import Workspace


@pytest.fixture
def transcript() -> Transcript:
    return Transcript(
        source="meetings/meeting.flac",
        display_name="meeting.flac",
        language="en",
        duration_s=3725.0,
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
    assert list(data) == ["schema_version", "source", "display_name", "language", "duration_s", "backend", "model",
                          "segments"]
    assert data["schema_version"] == SCHEMA_VERSION == 1
    assert data["source"] == "meetings/meeting.flac" and data["display_name"] == "meeting.flac"
    assert list(data["segments"][0]) == ["id", "start", "end", "text", "words", "speaker", "confidence"]
    assert data["segments"][0]["words"][0] == {"start": 0.0, "end": 0.5, "text": "Hello", "confidence": 0.9}


def test_to_dict_is_asdict_without_sharing_lists(transcript: Transcript) -> None:
    data = transcript.to_dict()
    assert data == {"schema_version": SCHEMA_VERSION, **dataclasses.asdict(transcript)}
    data["segments"][0]["words"].clear()
    assert transcript.segments[0].words


def test_segments_are_numbered_in_order(transcript: Transcript) -> None:
    assert [s.id for s in transcript.segments] == [0, 1, 2]
    assert [s["id"] for s in transcript.to_dict()["segments"]] == [0, 1, 2]


def test_ids_are_positions_whatever_was_given() -> None:
    shared = [Segment(0, 1, "a", id=7), Segment(1, 2, "b", id=7)]
    first = Transcript("x.wav", None, 2.0, "b", None, shared)
    again = Transcript("y.wav", None, 2.0, "b", None, shared[::-1])
    assert [s.id for s in first.segments] == [0, 1] and [s.text for s in again.segments] == ["b", "a"]
    assert [s.id for s in again.segments] == [0, 1]
    assert [s.id for s in shared] == [7, 7]  # the caller's segments are left alone
    data = first.to_dict()
    data["segments"].reverse()
    assert [(s.id, s.text) for s in Transcript.from_dict(data).segments] == [(0, "b"), (1, "a")]


def test_from_dict_accepts_minimal_segments() -> None:
    data = {"source": "x.wav", "duration_s": 2, "backend": "pocketsphinx",
            "segments": [{"start": 0, "end": 1, "text": "hi"}, {"start": 1, "end": 2, "text": "there"}]}
    transcript = Transcript.from_dict(data)  # no schema_version: the first layout, version 1
    assert transcript.segments == [Segment(0.0, 1.0, "hi"), Segment(1.0, 2.0, "there", id=1)]
    assert transcript.language is None and transcript.model is None and transcript.display_name is None


def test_from_dict_ignores_unknown_keys(transcript: Transcript) -> None:
    data = transcript.to_dict()
    data["note"] = "added by an indexer"
    data["segments"][0]["words"][0]["note"] = "too"
    assert Transcript.from_dict(data) == transcript


def test_a_newer_schema_version_is_refused(transcript: Transcript) -> None:
    data = {**transcript.to_dict(), "schema_version": SCHEMA_VERSION + 1}
    with pytest.raises(InvalidInputError, match=r"schema version 2, newer .* upgrade audio_tools"):
        Transcript.from_json(json.dumps(data))


@pytest.mark.parametrize("version", [0, -1, "1", 1.0, True, None])
def test_a_malformed_schema_version_is_refused(transcript: Transcript, version: Any) -> None:
    with pytest.raises(InvalidInputError, match="schema_version"):
        Transcript.from_dict({**transcript.to_dict(), "schema_version": version})


@pytest.mark.parametrize(
    "text",
    ["not json", "[]", '{"source": "x.wav"}', '{"source": "x", "duration_s": "long", "backend": "b"}',
     '{"source": "x", "duration_s": 1, "backend": "b", "segments": [{"start": 0, "text": "no end"}]}'],
)
def test_what_is_not_a_transcript_is_refused(text: str) -> None:
    with pytest.raises(InvalidInputError):
        Transcript.from_json(text)


def test_text_joins_non_empty_segments(transcript: Transcript) -> None:
    assert transcript.text == "Hello team. Ça va — 東京?"


def test_srt(transcript: Transcript) -> None:
    assert transcript.to_srt() == (
        "1\n00:00:00,000 --> 00:00:01,250\n[A] Hello team.\n\n"
        "2\n01:01:01,500 --> 01:01:02,000\nÇa va — 東京?\n"
    )  # the blank segment gets no cue; a segment with a speaker is labelled


def test_vtt(transcript: Transcript) -> None:
    assert transcript.to_vtt() == (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:00:01.250\n[A] Hello team.\n\n"
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


@pytest.fixture
def stt_tool(workspace: Workspace, speech_wav: Path) -> SpeechToTextTool:
    (workspace.root / "meetings").mkdir()
    shutil.copy(speech_wav, workspace.root / "meetings" / "speech.wav")
    return SpeechToTextTool(workspace=workspace, backend="pocketsphinx")


def call(tool: SpeechToTextTool, **args: Any) -> ToolMessage:
    message = tool.invoke({"type": "tool_call", "id": "1", "name": tool.name, "args": args})
    assert isinstance(message, ToolMessage) and message.status == "success", message
    return message


def test_the_tool_keeps_the_workspace_path_as_source(stt_tool: SpeechToTextTool) -> None:
    message = call(stt_tool, audio_path="meetings/speech.wav")
    transcript = Transcript.from_dict(message.artifact["transcript"])
    assert transcript.source == message.artifact["relative_path"] == "meetings/speech.wav"
    assert transcript.display_name == "speech.wav"
    assert message.content.startswith("Transcript of speech.wav (")
    assert transcript.text == message.artifact["text"] and "brown fox" in transcript.text
    assert [s.id for s in transcript.segments] == list(range(len(transcript.segments)))


def test_the_tool_names_base64_audio(stt_tool: SpeechToTextTool) -> None:
    audio = base64.b64encode((stt_tool.workspace.root / "meetings" / "speech.wav").read_bytes()).decode()
    message = call(stt_tool, audio_base64=audio)
    transcript = Transcript.from_dict(message.artifact["transcript"])
    assert (transcript.source, transcript.display_name) == (BASE64_SOURCE, BASE64_DISPLAY_NAME)
    assert message.artifact["path"] is None and message.artifact["relative_path"] is None
    assert message.content.startswith(f"Transcript of {BASE64_DISPLAY_NAME} (")


@pytest.mark.parametrize(("seconds", "shown"), [
    (0.0, "00:00"), (6.9, "00:06"), (65.0, "01:05"), (3599.99, "59:59"), (3600.0, "1:00:00"),
    (3723.5, "1:02:03"), (-3.0, "00:00"), (float("nan"), "00:00"),
])
def test_clock(seconds: float, shown: str) -> None:
    assert clock(seconds) == shown


def test_timed_words_are_the_words_or_an_estimate() -> None:
    words = [Word(0.0, 0.5, "hi"), Word(0.6, 1.0, "there")]
    assert timed_words(Segment(start=0.0, end=1.0, text="hi there", words=words)) is words
    estimated = timed_words(Segment(start=10.0, end=12.0, text=" ab abcd "))
    assert [w.text for w in estimated] == ["ab", "abcd"]
    assert (estimated[0].start, estimated[-1].end) == (10.0, pytest.approx(12.0))
    assert estimated[0].end == pytest.approx(10.0 + 2.0 * 2 / 7)
    assert estimated[0].end < estimated[1].start
    assert timed_words(Segment(start=0.0, end=1.0, text="")) == []


def test_words_that_continue_the_previous_one_are_joined_without_a_space() -> None:
    # Whisper gives "$94" ",000" and "1" ".8" as separate words; the segment text must read as said.
    pieces = ["It", "costs", "$94", ",000,", "up", "15", "%", "or", "1", ".8", "million;", "it", "'s", "fine."]
    words = [Word(start=i * 0.3, end=i * 0.3 + 0.2, text=t) for i, t in enumerate(pieces)]
    [segment] = split_at_pauses(words)
    assert segment.text == "It costs $94,000, up 15% or 1.8 million; it's fine."
