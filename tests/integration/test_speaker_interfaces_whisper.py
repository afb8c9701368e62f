"""Speaker labels through the interfaces, on a dev meeting with its true turns: ``transcribe(speakers=...)``,
``audio-agent transcribe --speakers`` and the ``speech_to_text`` tool.

Everything runs for real: the bundled Whisper tiny.en (faster-whisper) and the shipped speaker
encoder, on ``examples/meetings/design_review.flac`` (43 s, three voices; truth in ``truth.json``).
One labelled transcript is made per module and the other interfaces are compared with it.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import typer
from helpers.diarization import turn_accuracy, turns_of
from langchain_core.messages import ToolMessage
from typer.testing import CliRunner

from audio_tools.agents.cli.transcribe import transcribe_command
from audio_tools.audio import load_audio
from audio_tools.config import Settings
from audio_tools.errors import OperationCancelledError
from audio_tools.speakers.turns import diarize_samples, speech_windows
from audio_tools.stt import atranscribe, transcribe
from audio_tools.stt.base import SampleTap, STTRequest
from audio_tools.tools.speech_to_text import SpeechToTextTool
from audio_tools.transcript import Transcript
from audio_tools.workspace import Workspace

MEETING = Path(__file__).parents[2] / "examples" / "meetings" / "design_review.flac"
TRUTH = turns_of(json.loads((MEETING.parent / "truth.json").read_text())["design_review"]["turns"])
STT = "faster-whisper"

app = typer.Typer()
app.command("transcribe")(transcribe_command)


@app.callback()
def _root() -> None:
    """A group, as in the real application, so that commands are named."""


@pytest.fixture(scope="module")
def labelled() -> Transcript:
    return transcribe(MEETING, backend=STT, speakers="auto", settings=Settings())


def _accuracy(transcript: Transcript) -> float:
    return turn_accuracy(TRUTH, [(s.start, s.end, s.speaker) for s in transcript.segments if s.speaker])


def test_auto_finds_the_three_speakers_and_their_turns(labelled: Transcript) -> None:
    assert labelled.speakers == ["S1", "S2", "S3"]
    assert all(s.speaker for s in labelled.segments)
    assert _accuracy(labelled) >= 0.95
    # words carry over: each segment's words lie inside it
    for segment in labelled.segments:
        assert segment.words and segment.words[0].start == segment.start and segment.words[-1].end == segment.end


@pytest.fixture(scope="module")
def plain() -> Transcript:
    return transcribe(MEETING, backend=STT, settings=Settings())


def test_labels_do_not_change_the_words(labelled: Transcript, plain: Transcript) -> None:
    assert plain.speakers == []
    assert [w for s in plain.segments for w in s.words] == [w for s in labelled.segments for w in s.words]


def test_the_tap_holds_what_a_decode_gives() -> None:
    tap = SampleTap()
    request = STTRequest(source="m", settings=Settings(), tap=tap)
    assert sum(block.samples.size for block in request.stream(MEETING, 7.0)) > 0
    samples = tap.samples()
    assert samples is not None
    np.testing.assert_array_equal(samples, load_audio(MEETING))


def test_the_file_is_decoded_once(speech_wav: Path, spawns: list, monkeypatch: pytest.MonkeyPatch) -> None:
    transcribe(speech_wav, backend=STT, settings=Settings())
    plain = Counter(Path(s.executable).name for s in spawns)
    spawns.clear()
    labelled = transcribe(speech_wav, backend=STT, speakers="auto", settings=Settings())
    assert Counter(Path(s.executable).name for s in spawns) == plain  # the labeller used the backend's samples
    assert labelled.speakers == ["S1"]
    # A backend that reads the file its own way (OpenAI uploads it) leaves the tap empty: the copy is decoded.
    monkeypatch.setattr(SampleTap, "samples", lambda self: None)
    spawns.clear()
    again = transcribe(speech_wav, backend=STT, speakers="auto", settings=Settings())
    assert again == labelled
    assert sum(Counter(Path(s.executable).name for s in spawns).values()) > sum(plain.values())


def test_labelling_checks_for_cancellation() -> None:
    samples = load_audio(MEETING)
    calls: list[int] = []
    speech_windows(samples, check=lambda: calls.append(1))
    assert len(calls) >= 3  # two 30 s blocks of voice detection, then each batch of the encoder

    def stop() -> None:
        calls.append(1)
        if len(calls) > 2:
            msg = "stopped"
            raise OperationCancelledError(msg)

    calls.clear()
    with pytest.raises(OperationCancelledError):
        diarize_samples(samples, check=stop)


def test_cancelled_after_the_backend_stops_before_labelling(speech_wav: Path) -> None:
    cancel = threading.Event()

    def progress(done: float, total: float) -> None:
        if done >= total:
            cancel.set()

    with pytest.raises(OperationCancelledError):
        transcribe(speech_wav, backend=STT, speakers="auto", progress=progress, cancel=cancel, settings=Settings())


async def test_atranscribe_labels_too(speech_wav: Path) -> None:
    transcript = await atranscribe(speech_wav, backend=STT, speakers=1, settings=Settings())
    assert transcript.speakers == ["S1"]


# --- the CLI ------------------------------------------------------------------------------------------


def _cli(tmp_path: Path, *args: str) -> typer.testing.Result:
    return CliRunner().invoke(app, ["transcribe", str(MEETING), "--stt", STT, *args],
                              obj=Settings(workspace=tmp_path))


def test_cli_json_has_a_speaker_per_segment(tmp_path: Path, labelled: Transcript) -> None:
    result = _cli(tmp_path, "--speakers", "auto", "--format", "json")
    assert result.exit_code == 0, result.output
    assert Transcript.from_json(result.stdout) == Transcript.from_json(labelled.to_json())
    assert [s["speaker"] for s in json.loads(result.stdout)["segments"]] == [s.speaker for s in labelled.segments]
    assert result.stderr == "3 speakers found (S1–S3); re-run with --speakers N to set the count.\n"


def test_cli_srt_names_the_speaker_of_each_cue(tmp_path: Path, labelled: Transcript) -> None:
    target = tmp_path / "meeting.srt"
    result = _cli(tmp_path, "--speakers", "3", "--format", "srt", "-o", str(target))
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert text == labelled.to_srt()
    cues = text.strip().split("\n\n")
    assert len(cues) == len(labelled.segments)
    assert all(cue.splitlines()[2].startswith(("[S1] ", "[S2] ", "[S3] ")) for cue in cues)
    assert "3 speakers found (S1–S3).\n" in result.stderr and "Wrote" in result.stderr


# --- the tool -----------------------------------------------------------------------------------------


@pytest.fixture
def stt_tool(tmp_path: Path) -> SpeechToTextTool:
    root = tmp_path / "workspace"
    (root / "meetings").mkdir(parents=True)
    shutil.copy(MEETING, root / "meetings" / MEETING.name)
    return SpeechToTextTool(workspace=Workspace(root, Settings(workspace=root)), backend=STT)


def _call(tool: SpeechToTextTool, **args: object) -> ToolMessage:
    message = tool.invoke({"type": "tool_call", "id": "1", "name": tool.name, "args": args})
    assert isinstance(message, ToolMessage)
    return message


def test_the_tool_labels_speakers(stt_tool: SpeechToTextTool, labelled: Transcript) -> None:
    message = _call(stt_tool, audio_path="meetings/design_review.flac", speakers="auto", timestamps=True)
    assert message.status == "success", message.content
    assert message.artifact["speakers"] == ["S1", "S2", "S3"]
    transcript = Transcript.from_dict(message.artifact["transcript"])
    assert [s.speaker for s in transcript.segments] == [s.speaker for s in labelled.segments]
    lines = str(message.content).splitlines()[1:]
    assert len(lines) == len(labelled.segments)
    assert lines[0].startswith("[0.") and "] [S1] Welcome to the design review" in lines[0]
    assert {line.split("] [")[1][:2] for line in lines} == {"S1", "S2", "S3"}


def test_the_tool_refuses_a_bad_count(stt_tool: SpeechToTextTool) -> None:
    message = _call(stt_tool, audio_path="meetings/design_review.flac", speakers=0)
    assert message.status == "error"
    assert "speakers: must be 'auto'" in str(message.content)
