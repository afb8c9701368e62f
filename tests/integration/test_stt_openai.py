"""The openai backend with the real ``openai`` client against the loopback OpenAI-compatible server.

The server finds speech bursts by energy in each upload and answers ``verbose_json`` with
their times relative to that upload, so merged times are right only if every part's offset
is.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.openai_server import OpenAIServer, openai_settings

from audio_tools.audio import probe
from audio_tools.config import Settings
from audio_tools.errors import BackendError, BackendUnavailableError, InvalidInputError
from audio_tools.stt import STT_BACKENDS, transcribe
from audio_tools.stt.openai import UNTIMED_PART_S

MEETINGS = Path(__file__).parents[2] / "examples" / "meetings"
TRUTH = json.loads((MEETINGS / "truth.json").read_text())
TRANSCRIPTIONS = "/v1/audio/transcriptions"
SMALL_LIMIT = 600_000  # bytes: under the 660 kB design review, parts of at most ~18 s


def test_a_long_meeting_is_split_at_silences_and_times_merge_back(openai_server: OpenAIServer,
                                                                  on_openai_server: Settings) -> None:
    path = MEETINGS / "design_review.flac"
    assert probe(path).size_bytes > SMALL_LIMIT
    seen: list[float] = []
    transcript = transcribe(path, backend="openai", progress=lambda done, total: seen.append(done),
                            settings=on_openai_server.with_(openai_max_upload_bytes=SMALL_LIMIT))

    uploads = openai_server.requests_to(TRANSCRIPTIONS)
    assert len(uploads) >= 3
    assert all(len(r.files["file"][1]) <= SMALL_LIMIT for r in uploads)
    assert {r.fields["response_format"] for r in uploads} == {"verbose_json"}
    assert (transcript.backend, transcript.model) == ("openai", "whisper-1")
    assert seen[-1] == pytest.approx(transcript.duration_s)

    turns = TRUTH["design_review"]["turns"]
    starts = [s.start for s in transcript.segments]
    ends = [s.end for s in transcript.segments]
    for turn in turns:  # every turn starts and ends where a segment does
        assert min(abs(turn["start"] - t) for t in starts) <= 0.5, turn
        assert min(abs(turn["end"] - t) for t in ends) <= 0.5, turn
    for segment in transcript.segments:  # and no segment crosses a turn boundary
        assert any(t["start"] - 0.5 <= segment.start and segment.end <= t["end"] + 0.5 for t in turns), segment


def test_a_file_under_the_limit_is_sent_as_it_is(openai_server: OpenAIServer, on_openai_server: Settings) -> None:
    path = MEETINGS / "support_weekly.flac"
    transcript = transcribe(path, backend="openai:whisper-1", language="en", settings=on_openai_server)

    [upload] = openai_server.requests_to(TRANSCRIPTIONS)
    assert upload.files["file"][1] == path.read_bytes()
    assert upload.fields["language"] == "en"
    assert upload.headers["authorization"] == "Bearer sk-test"
    assert len(transcript.segments) >= len(TRUTH["support_weekly"]["turns"])
    assert transcript.language == "en"


def test_hotwords_are_sent_as_the_prompt(openai_server: OpenAIServer, on_openai_server: Settings) -> None:
    transcribe(MEETINGS / "support_weekly.flac", backend="openai", hotwords="Nova, Orbit", settings=on_openai_server)
    [upload] = openai_server.requests_to(TRANSCRIPTIONS)
    assert upload.fields["prompt"] == "Nova, Orbit"


def test_failures_are_retried(openai_server: OpenAIServer, on_openai_server: Settings) -> None:
    openai_server.fail_next(2, status=503)
    transcript = transcribe(MEETINGS / "support_weekly.flac", backend="openai", settings=on_openai_server)
    assert len(openai_server.requests_to(TRANSCRIPTIONS)) == 3
    assert transcript.segments


def test_persistent_failures_become_a_backend_error(openai_server: OpenAIServer, on_openai_server: Settings) -> None:
    openai_server.fail_next(10, status=500)
    with pytest.raises(BackendError, match="500"):
        transcribe(MEETINGS / "support_weekly.flac", backend="openai", settings=on_openai_server)


def test_models_without_timestamps_get_one_segment_per_short_part(openai_server: OpenAIServer,
                                                                  on_openai_server: Settings) -> None:
    transcript = transcribe(MEETINGS / "design_review.flac", backend="openai:gpt-4o-transcribe",
                            settings=on_openai_server)
    uploads = openai_server.requests_to(TRANSCRIPTIONS)
    assert len(uploads) == len(transcript.segments) >= 2
    assert {r.fields["response_format"] for r in uploads} == {"json"}
    assert all(s.end - s.start <= UNTIMED_PART_S for s in transcript.segments)
    assert transcript.segments[-1].end == pytest.approx(transcript.duration_s)


@pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")  # the endpoint closes in 2027
def test_translation_uses_the_translations_endpoint(openai_server: OpenAIServer, on_openai_server: Settings) -> None:
    transcript = transcribe(MEETINGS / "support_weekly.flac", backend="openai", task="translate",
                            settings=on_openai_server)
    assert len(openai_server.requests_to("/v1/audio/translations")) == 1
    assert transcript.language == "en"
    with pytest.raises(InvalidInputError, match="whisper-1"):
        transcribe(MEETINGS / "support_weekly.flac", backend="openai:gpt-4o-transcribe", task="translate",
                   settings=on_openai_server)


def test_a_wrong_key_says_what_to_set(openai_server: OpenAIServer, settings: Settings) -> None:
    with pytest.raises(BackendUnavailableError, match="OPENAI_API_KEY"):
        transcribe(MEETINGS / "support_weekly.flac", backend="openai",
                   settings=openai_settings(openai_server, settings, api_key="sk-wrong"))


def test_no_key_at_all_says_what_to_set(settings: Settings) -> None:
    with pytest.raises(BackendUnavailableError, match="OPENAI_API_KEY"):
        STT_BACKENDS.get("openai", settings)
