"""Speaker labels at the interfaces, without audio: ``transcribe(speakers=...)``'s argument, the sample
tap, the renderings (txt, srt, vtt, the tool's content) and the CLI's and the tool's argument checks.

The labels on real recordings: ``tests/integration/test_speaker_interfaces.py``.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer
from pydantic import ValidationError
from typer.testing import CliRunner

from audio_tools.agents.cli.transcribe import OutputFormat, parse_speakers, render, speakers_line, transcribe_command
from audio_tools.audio import AudioBlock
from audio_tools.config import Settings
from audio_tools.errors import InvalidInputError
from audio_tools.stt import speaker_option, transcribe
from audio_tools.stt.base import SampleTap
from audio_tools.tools.inputs import MAX_TOOL_SPEAKERS, SpeechToTextInput
from audio_tools.tools.speech_to_text import _content
from audio_tools.transcript import Segment, Transcript, labelled_text

app = typer.Typer()
app.command("transcribe")(transcribe_command)


@app.callback()
def _root() -> None:
    """A group, as in the real application, so that commands are named."""


@pytest.fixture
def labelled() -> Transcript:
    return Transcript("meeting.flac", "en", 12.0, "faster-whisper", "tiny.en", [
        Segment(0.0, 1.5, " Welcome. ", speaker="S1"),
        Segment(2.0, 3.0, "Thanks.", speaker="S2"),
        Segment(3.2, 4.0, "  ", speaker="S2"),
        Segment(4.5, 6.0, "Go on.", speaker="S2"),
        Segment(7.0, 9.0, "Done.", speaker="S1"),
    ])


# --- transcribe(speakers=...) -------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "count"), [("auto", None), ("AUTO", None), (" auto ", None), (1, 1), (7, 7),
                                              (np.int64(3), 3)])
def test_speaker_option_reads_auto_or_a_count(given: Any, count: int | None) -> None:
    assert speaker_option(given) == count


@pytest.mark.parametrize("given", [0, -2, "3", "two", 2.0, True, False, "", [2], np.zeros(2)])
def test_speaker_option_refuses_anything_else(given: Any) -> None:
    with pytest.raises(InvalidInputError, match=r"speakers must be 'auto' .* whole number from 1"):
        speaker_option(given)


def test_transcribe_refuses_a_bad_count_before_opening_anything(tmp_path: Path) -> None:
    # the file does not exist: the argument is checked first
    with pytest.raises(InvalidInputError, match="speakers must be"):
        transcribe(tmp_path / "missing.flac", backend="pocketsphinx", speakers=0)


def _blocks(count: int) -> Generator[AudioBlock, None, None]:
    for i in range(count):
        yield AudioBlock(start=i * 0.5, samples=np.full(8000, i, dtype=np.float32))


def test_the_tap_keeps_a_stream_read_to_its_end() -> None:
    tap = SampleTap()
    seen = [block.samples.copy() for block in tap.tee(_blocks(3))]
    samples = tap.samples()
    assert samples is not None
    np.testing.assert_array_equal(samples, np.concatenate(seen))
    assert tap.samples() is None  # handed over once


def test_the_tap_keeps_nothing_of_a_stream_stopped_early() -> None:
    tap = SampleTap()
    stream = tap.tee(_blocks(3))
    next(stream)
    stream.close()
    assert tap.samples() is None


def test_the_tap_keeps_the_last_stream_only() -> None:
    tap = SampleTap()
    list(tap.tee(_blocks(3)))
    list(tap.tee(_blocks(1)))
    samples = tap.samples()
    assert samples is not None and samples.size == 8000


def test_an_empty_stream_gives_no_samples_but_is_complete() -> None:
    tap = SampleTap()
    list(tap.tee(_blocks(0)))
    samples = tap.samples()
    assert samples is not None and samples.size == 0


# --- renderings ------------------------------------------------------------------------------------------


def test_labelled_text() -> None:
    assert labelled_text(Segment(0, 1, " Hi. ", speaker="S2")) == "[S2] Hi."
    assert labelled_text(Segment(0, 1, " Hi. ")) == "Hi."


def test_speakers_in_order_of_first_appearance(labelled: Transcript) -> None:
    assert labelled.speakers == ["S1", "S2"]
    assert Transcript("x", None, 1.0, "b", None, [Segment(0, 1, "a")]).speakers == []


def test_plain_text_and_json_are_unchanged_by_labels(labelled: Transcript) -> None:
    assert labelled.text == "Welcome. Thanks. Go on. Done."
    assert [s["speaker"] for s in labelled.to_dict()["segments"]] == ["S1", "S2", "S2", "S2", "S1"]
    assert Transcript.from_json(labelled.to_json()) == labelled


def test_subtitles_and_txt_put_the_speaker_first(labelled: Transcript) -> None:
    assert labelled.to_srt().split("\n\n")[0] == "1\n00:00:00,000 --> 00:00:01,500\n[S1] Welcome."
    assert labelled.to_vtt().split("\n\n")[2] == "00:00:02.000 --> 00:00:03.000\n[S2] Thanks."
    assert render(labelled, OutputFormat.txt) == "[S1] Welcome.\n[S2] Thanks.\n[S2] Go on.\n[S1] Done.\n"
    assert render(labelled, OutputFormat.srt) == labelled.to_srt()
    assert render(labelled, OutputFormat.json) == labelled.to_json() + "\n"


def test_the_tool_content_names_speakers(labelled: Transcript) -> None:
    artifact = {"duration_s": 12.0, "backend": "faster-whisper:tiny.en"}
    timed = _content(labelled, artifact, timestamps=True).splitlines()
    assert timed[1:] == ["[0.00-1.50] [S1] Welcome.", "[2.00-3.00] [S2] Thanks.", "[4.50-6.00] [S2] Go on.",
                         "[7.00-9.00] [S1] Done."]
    plain = _content(labelled, artifact, timestamps=False).splitlines()
    assert plain[1:] == ["[S1] Welcome.", "[S2] Thanks. Go on.", "[S1] Done."]  # a line per change of speaker


def test_the_tool_content_without_labels_is_as_before(labelled: Transcript) -> None:
    bare = Transcript("m.flac", "en", 12.0, "b", None, [Segment(s.start, s.end, s.text) for s in labelled.segments])
    artifact = {"duration_s": 12.0, "backend": "b"}
    assert _content(bare, artifact, timestamps=False).splitlines()[1:] == ["Welcome. Thanks. Go on. Done."]
    assert _content(bare, artifact, timestamps=True).splitlines()[1] == "[0.00-1.50] Welcome."


# --- the CLI ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "value"), [("auto", "auto"), ("Auto", "auto"), ("1", 1), ("12", 12)])
def test_parse_speakers(given: str, value: str | int) -> None:
    assert parse_speakers(given) == value


@pytest.mark.parametrize("given", ["0", "-1", "two", "2.5", "", "٣"])
def test_a_bad_speakers_option_is_a_usage_error(tmp_path: Path, given: str) -> None:
    with pytest.raises(typer.BadParameter):
        parse_speakers(given)
    result = CliRunner().invoke(app, ["transcribe", str(tmp_path / "x.flac"), "--speakers", given],
                                obj=Settings(workspace=tmp_path))
    assert result.exit_code == 2
    assert "Invalid value for '--speakers'" in result.output
    assert "give 'auto'" in result.output


def test_speakers_line(labelled: Transcript) -> None:
    assert speakers_line(labelled, "auto") == "2 speakers found (S1–S2); re-run with --speakers N to set the count."
    assert speakers_line(labelled, 2) == "2 speakers found (S1–S2)."
    assert speakers_line(labelled, 3).startswith("2 speakers found (S1–S2), fewer than the 3 asked")
    one = Transcript("x", None, 1.0, "b", None, [Segment(0, 1, "a", speaker="S1")])
    assert speakers_line(one, "auto").startswith("1 speaker found (S1);")
    gap = Transcript("x", None, 1.0, "b", None, [Segment(0, 1, "a", speaker="S3"), Segment(1, 2, "b", speaker="S1")])
    assert speakers_line(gap, "auto").startswith("2 speakers found (S1, S3);")  # S2 spoke no recognised word
    assert speakers_line(Transcript("x", None, 1.0, "b", None), "auto").startswith("No speakers found")


# --- the tool's argument ------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "value"), [("auto", "auto"), ("AUTO", "auto"), (1, 1), (MAX_TOOL_SPEAKERS, 10),
                                              ("3", 3), (2.0, 2), (None, None)])
def test_the_tool_takes_auto_or_a_count(given: Any, value: Any) -> None:
    assert SpeechToTextInput(audio_path="a.wav", speakers=given).speakers == value


@pytest.mark.parametrize("given", [0, MAX_TOOL_SPEAKERS + 1, -1, 2.5, True, "two", "", [3]])
def test_the_tool_refuses_other_counts(given: Any) -> None:
    with pytest.raises(ValidationError, match=r"must be 'auto' .* from 1 to 10") as caught:
        SpeechToTextInput(audio_path="a.wav", speakers=given)
    assert caught.value.error_count() == 1  # one clear message, not one per member of the union


def test_the_tool_schema_tells_the_model() -> None:
    field = SpeechToTextInput.model_json_schema()["properties"]["speakers"]
    assert {"type": "string", "const": "auto"} in field["anyOf"]
    assert {"type": "integer", "minimum": 1, "maximum": MAX_TOOL_SPEAKERS} in field["anyOf"]
    assert "S1" in field["description"] and "auto" in field["description"]
