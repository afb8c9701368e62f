"""``audio-agent chat`` driven through standard input, against the loopback OpenAI server.

The chat model is the real ``ChatOpenAI`` (``--llm openai-compatible:MODEL@URL``); the command
streams the agent, so the client streams. Speech is flite, transcription pocketsphinx, music synth.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers.agent_runs import CHAT, chat_server, model_spec, streamed_flags
from helpers.chat_completions import call, tool_results, user_texts
from helpers.openai_server import OpenAIServer, RecordedRequest
from helpers.tool_workspace import make_speech
from typer.testing import CliRunner

from audio_tools.agents.cli.main import app
from audio_tools.audio import probe

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("offline_tts")]

OFFLINE_ENV = {"AUDIO_TOOLS_TTS": "flite", "AUDIO_TOOLS_STT": "pocketsphinx", "AUDIO_TOOLS_MUSIC": "synth",
               "AUDIO_TOOLS_DEVICE": "cpu"}
NOTE = "Please book a table for two at seven."


def chat(root: Path, server: OpenAIServer, lines: list[str], *args: str) -> list[dict[str, Any]]:
    result = CliRunner(env=OFFLINE_ENV).invoke(
        app, ["--workspace", str(root), "chat", "--llm", model_spec(server), "--json", *args],
        input="".join(f"{line}\n" for line in lines),
    )
    assert result.exit_code == 0, (result.output, result.exception)
    return [json.loads(line) for line in result.stdout.splitlines()]


def echo_user(request: RecordedRequest) -> str:
    return f"You asked: {user_texts(request)[-1]}"


def test_two_turns_a_voice_note_then_a_story_each_spoken_back(tmp_path: Path) -> None:
    make_speech(tmp_path / "note.wav", NOTE)
    script = [
        echo_user,
        call("synthesize_story_audio", speech_text="A cat slept in the sun all day.", music_prompt="calm piano",
             duration_s=4),
        lambda request: f"Your story: {tool_results(request)[-1]}",
    ]
    with chat_server(script) as server:
        first, second = chat(tmp_path, server, ["note.wav", "", "Tell me a short story with calm piano music"],
                             "--speak")
        assert streamed_flags(server) == {True}
        asked = user_texts(server.requests_to(CHAT)[0])
    for turn in (first, second):
        assert set(turn) >= {"reply", "tool_calls", "artifacts"}
        assert all(set(c) == {"name", "args"} for c in turn["tool_calls"])
        for artifact in turn["artifacts"]:
            assert probe(Path(artifact["path"])).duration == pytest.approx(artifact["duration_s"], abs=0.01)
    heard = first["message"]
    assert "table" in heard.lower() and asked == [heard]  # the transcript is what the model was asked
    assert first["reply"] == f"You asked: {heard}" and first["tool_calls"] == []
    note, spoken = first["artifacts"]
    assert (note["tool"], note["of"], note["relative_path"]) == ("speech_to_text", "input", "note.wav")
    assert (spoken["tool"], spoken["of"]) == ("text_to_speech", "reply")
    assert spoken["relative_path"].startswith("outputs/") and spoken["duration_s"] > 1.0
    assert [c["name"] for c in second["tool_calls"]] == ["synthesize_story_audio"]
    story, spoken = second["artifacts"]
    assert story["tool"] == "synthesize_story_audio" and story["relative_path"] in second["reply"]
    assert (spoken["tool"], spoken["of"]) == ("text_to_speech", "reply")


def test_a_session_continues_in_a_later_run(tmp_path: Path) -> None:
    def recall(request: RecordedRequest) -> str:
        return "Earlier you said: " + " | ".join(user_texts(request)[:-1])

    with chat_server(["Noted.", recall]) as server:
        [first] = chat(tmp_path, server, ["My favourite instrument is the cello."], "--session", "music-notes")
        [second] = chat(tmp_path, server, ["What is my favourite instrument?"], "--session", "music-notes")
    assert first["reply"] == "Noted."
    assert second["reply"] == "Earlier you said: My favourite instrument is the cello."
    assert (tmp_path / ".audio_store" / "sessions.sqlite").is_file()


def test_without_a_session_each_run_starts_afresh(tmp_path: Path) -> None:
    def recall(request: RecordedRequest) -> str:
        return f"{len(user_texts(request))} messages"

    with chat_server([recall, recall]) as server:
        assert chat(tmp_path, server, ["one"])[0]["reply"] == "1 messages"
        assert chat(tmp_path, server, ["two"])[0]["reply"] == "1 messages"


def test_a_voice_note_outside_the_workspace_is_refused_and_the_chat_goes_on(tmp_path: Path) -> None:
    root = tmp_path / "workspace"
    root.mkdir()
    make_speech(tmp_path / "outside.wav", NOTE)
    with chat_server([echo_user]) as server:
        refused, answered = chat(root, server, [str(tmp_path / "outside.wav"), "hello"])
    assert "outside" in refused["error"] and str(tmp_path) not in refused["error"]
    assert answered["reply"] == "You asked: hello"


def test_text_mode_prints_the_reply_and_shows_tool_calls_on_stderr(tmp_path: Path) -> None:
    script = [call("text_to_speech", text="Good morning."), lambda request: "Saved it."]
    with chat_server(script) as server:
        result = CliRunner(env=OFFLINE_ENV).invoke(
            app, ["--workspace", str(tmp_path), "chat", "--llm", model_spec(server)], input="Say good morning\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Saved it."
    assert "→ text_to_speech" in result.stderr and "← text_to_speech" in result.stderr
    assert "file: outputs/" in result.stderr


def test_a_bad_session_name_is_refused(tmp_path: Path) -> None:
    with chat_server([]) as server:
        result = CliRunner(env=OFFLINE_ENV).invoke(
            app, ["--workspace", str(tmp_path), "chat", "--llm", model_spec(server), "--session", "../x"], input="")
    assert result.exit_code != 0 and "Session name" in str(result.exception)


def test_without_a_chat_model_chat_says_what_to_set_and_exits_2(tmp_path: Path) -> None:
    audio_agent = Path(sys.executable).parent / "audio-agent"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AUDIO_TOOLS_"))}
    done = subprocess.run([audio_agent, "chat"], cwd=tmp_path, env=env, input="hello\n", capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert "OPENAI_API_KEY" in done.stderr and "--llm ollama:MODEL" in done.stderr
    assert "ask (extractive answers with citations)" in done.stderr and done.stdout == ""
    explicit = CliRunner().invoke(app, ["--workspace", str(tmp_path), "chat", "--llm", "none"], input="hello\n")
    assert explicit.exit_code == 2 and "work offline" in explicit.stderr
