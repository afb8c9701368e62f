"""One settings object per caller, one map of OpenAI errors, one shape for every capability.

Two toolkits in one process keep their own caps and servers (real flite, real pocketsphinx,
the real ``openai`` client against two loopback servers); speech-to-text and text-to-speech
report the same OpenAI failure as the same error; the async twins run and stop when cancelled.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from helpers.openai_server import OpenAIServer, openai_settings

from audio_tools.config import Settings
from audio_tools.errors import AudioToolsError, BackendError, BackendUnavailableError, OperationCancelledError
from audio_tools.mix import amix_speech_over_music
from audio_tools.music import agenerate_music, atext_to_music, generate_music
from audio_tools.results import AudioFile
from audio_tools.story import asynthesize_story
from audio_tools.stt import atranscribe, transcribe
from audio_tools.tools import AudioToolkit
from audio_tools.tts import synthesize

MEETINGS = Path(__file__).parents[2] / "examples" / "meetings"


def call(tool: object, args: dict[str, object]) -> object:
    return tool.invoke({"name": tool.name, "args": args, "id": "1", "type": "tool_call"})  # type: ignore[attr-defined]


def test_two_toolkits_keep_their_own_caps(tmp_path: Path, speech_wav: Path) -> None:
    roots = [tmp_path / "strict", tmp_path / "lenient"]
    for root in roots:
        root.mkdir()
        shutil.copy(speech_wav, root / "speech.wav")
    strict = AudioToolkit(settings=Settings(workspace=roots[0], max_duration_s=1.0, max_text_chars=5),
                          stt="pocketsphinx", tts="flite", include=("speech_to_text", "text_to_speech"))
    lenient = AudioToolkit(settings=Settings(workspace=roots[1]), stt="pocketsphinx", tts="flite",
                           include=("speech_to_text", "text_to_speech"))
    strict_stt, strict_tts = strict.get_tools()
    lenient_stt, lenient_tts = lenient.get_tools()
    for _ in range(2):  # in either order, after the other has built its backends
        refused = call(strict_stt, {"audio_path": "speech.wav"})
        assert refused.status == "error" and "limit" in refused.content  # type: ignore[attr-defined]
        assert "fox" in call(lenient_stt, {"audio_path": "speech.wav"}).content  # type: ignore[attr-defined]
        assert call(strict_tts, {"text": "Too long for it."}).status == "error"  # type: ignore[attr-defined]
        assert call(lenient_tts, {"text": "Not too long."}).status == "success"  # type: ignore[attr-defined]


def test_two_toolkits_talk_to_their_own_servers(tmp_path: Path) -> None:
    with OpenAIServer(api_key="key-a") as a, OpenAIServer(api_key="key-b") as b:
        tools = [
            AudioToolkit(settings=openai_settings(server, Settings(workspace=tmp_path)), tts="openai:tts-1",
                         include=("text_to_speech",)).get_tools()[0]
            for server in (a, b)
        ]
        for tool in (*tools, *tools):
            assert call(tool, {"text": "Hello there."}).status == "success"  # type: ignore[attr-defined]
        assert len(a.requests_to("/v1/audio/speech")) == len(b.requests_to("/v1/audio/speech")) == 2


@pytest.mark.parametrize(("status", "api_key"), [(401, "wrong"), (None, "right")])
def test_an_openai_failure_is_the_same_error_from_speech_to_text_and_text_to_speech(
    settings: Settings, status: int | None, api_key: str
) -> None:
    errors: list[AudioToolsError] = []
    with OpenAIServer(api_key="right") as server:
        on_server = openai_settings(server, settings, api_key=api_key)
        if status is None:  # a server that has gone: connection refused
            server.stop()
        for work in (lambda: transcribe(MEETINGS / "support_weekly.flac", backend="openai", settings=on_server),
                     lambda: synthesize("Hello.", backend="openai", settings=on_server)):
            with pytest.raises(AudioToolsError) as caught:
                work()
            errors.append(caught.value)
    assert [type(e) for e in errors] == [BackendUnavailableError, BackendUnavailableError]
    assert all(("OPENAI_API_KEY" if status else "OPENAI_BASE_URL") in str(e) for e in errors)


async def test_async_twins_return_the_shared_shape(settings: Settings, speech_wav: Path, tmp_path: Path) -> None:
    transcript = await atranscribe(speech_wav, backend="pocketsphinx", settings=settings)
    assert "fox" in transcript.text and transcript.duration_s > 1.0
    music = await agenerate_music("calm piano", 2.0, backend="synth", seed=1, settings=settings)
    assert music.duration_s == 2.0
    bed = await atext_to_music("calm piano", 4.0, backend="synth", seed=1, path=tmp_path / "bed.wav",
                               settings=settings)
    mixed = await amix_speech_over_music(speech_wav, bed.path, tmp_path / "mix.wav", intro_s=0.5, outro_s=0.5,
                                         settings=settings)
    story = await asynthesize_story("Once upon a time.", "harp", tts="flite", music="synth", duration_s=2.0,
                                    settings=settings)
    for made in (bed, mixed, story):
        assert isinstance(made, AudioFile) and made.path.is_file() and made.duration_s > 1.0
        assert made.sample_rate > 0 and made.backend
    assert (bed.backend, mixed.backend, story.backend) == ("synth", "ffmpeg", "flite+synth")


def test_music_stops_when_cancelled(settings: Settings) -> None:
    cancel = threading.Event()
    steps: list[float] = []

    def progress(done: float, total: float) -> None:
        steps.append(done)
        if done > 0:
            cancel.set()

    with pytest.raises(OperationCancelledError, match="cancelled"):
        generate_music("calm", 30.0, backend="synth", seed=1, progress=progress, cancel=cancel, settings=settings)
    assert 0 < max(steps) < 30.0


async def test_a_cancelled_async_call_stops_its_worker(settings: Settings) -> None:
    done: list[float] = []
    task = asyncio.create_task(agenerate_music("calm", 120.0, backend="synth", seed=1, settings=settings,
                                               progress=lambda d, t: done.append(d)))
    while not done:
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.5)  # the worker reaches its next checkpoint and stops
    stopped_at = len(done)
    await asyncio.sleep(0.5)
    assert len(done) == stopped_at and max(done) < 120.0


class _Garbage(BaseHTTPRequestHandler):
    """Answers every request with HTTP 200 and ``self.server.body`` (not what the API sends)."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        body: bytes = self.server.body  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


@pytest.mark.parametrize("body", [b"{not json", b'{"foo": 1}'])
def test_a_server_that_answers_nonsense_is_a_backend_error_on_both_sides(settings: Settings, body: bytes) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Garbage)
    server.body = body  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        on_server = settings.with_(openai_base_url=f"http://127.0.0.1:{server.server_address[1]}/v1",
                                   openai_api_key="k")
        with pytest.raises(BackendError):
            transcribe(MEETINGS / "support_weekly.flac", backend="openai", settings=on_server)
        with pytest.raises(BackendError):
            synthesize("Hello.", backend="openai", settings=on_server)
    finally:
        server.shutdown()
        server.server_close()
