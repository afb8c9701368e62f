"""The audio agent's assembly and turn bookkeeping, with a scripted in-process chat model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers.scripted_chat import ScriptedChatModel
from langchain_core.messages import AIMessage
from langgraph.checkpoint.memory import InMemorySaver

from audio_tools.agents.agent import (
    OFFLINE_COMMANDS,
    SYSTEM_PROMPT,
    TurnEvents,
    check_session_name,
    create_audio_agent,
    run_turn,
)
from audio_tools.agents.cli.chat import voice_note
from audio_tools.config import Settings
from audio_tools.errors import BackendUnavailableError, InvalidInputError

pytestmark = pytest.mark.usefixtures("offline_tts")


class Recorder(TurnEvents):
    def __init__(self) -> None:
        self.seen: list[tuple[str, Any]] = []

    def token(self, text: str) -> None:
        self.seen.append(("token", text))

    def tool_call(self, call: dict[str, Any]) -> None:
        self.seen.append(("call", call["name"]))

    def tool_result(self, result: dict[str, Any], artifact: Any) -> None:
        self.seen.append(("result", result["status"]))

    def reply(self, text: str) -> None:
        self.seen.append(("reply", text))


def scripted(*messages: AIMessage) -> ScriptedChatModel:
    # Not streamed: the fake model streams text only, never tool calls.
    return ScriptedChatModel(messages=iter(messages), disable_streaming=True)


def test_without_a_chat_model_the_error_says_what_to_set_and_what_works_offline(settings: Settings) -> None:
    with pytest.raises(BackendUnavailableError, match="OPENAI_API_KEY") as caught:
        create_audio_agent(settings=settings)
    assert OFFLINE_COMMANDS in str(caught.value) and "ask" in OFFLINE_COMMANDS
    with pytest.raises(BackendUnavailableError):
        create_audio_agent("none", settings=settings)
    with pytest.raises(InvalidInputError, match="openai-compatible:MODEL@URL"):
        create_audio_agent("gpt-4o", settings=settings)


def test_the_agent_has_every_audio_and_recording_tool(settings: Settings) -> None:
    agent = create_audio_agent(scripted(AIMessage("hi")), settings=settings)
    tools = agent.get_graph().nodes["tools"].data.tools_by_name  # type: ignore[union-attr]
    assert set(tools) == {"text_to_speech", "speech_to_text", "text_to_music", "mix_speech_with_music",
                          "synthesize_story_audio", "search_recordings", "summarize_recording", "ingest_recording",
                          "play_excerpt"}
    assert {t.workspace.root for t in tools.values()} == {settings.workspace}


def test_the_system_prompt_teaches_search_first_citations_and_files() -> None:
    assert "search_recordings" in SYSTEM_PROMPT and "`source @ mm:ss`" in SYSTEM_PROMPT
    assert "synthesize_story_audio" in SYSTEM_PROMPT and "outputs/" in SYSTEM_PROMPT


def test_a_turn_reports_calls_results_and_the_reply_in_order(settings: Settings) -> None:
    model = scripted(
        AIMessage("", tool_calls=[{"name": "search_recordings", "args": {"query": "x", "k": 0}, "id": "1"}]),
        AIMessage("Nothing found."),
    )
    agent = create_audio_agent(model, settings=settings, checkpointer=InMemorySaver())
    events = Recorder()
    turn = run_turn(agent, "what was decided?", thread_id="t", events=events)
    assert turn.reply == "Nothing found."
    assert turn.to_dict() == {"reply": "Nothing found.", "tool_calls": [{"name": "search_recordings",
                                                                          "args": {"query": "x", "k": 0}}],
                              "artifacts": [], "message": "what was decided?"}
    assert "Invalid arguments" in turn.tool_results[0]["content"]
    kinds = [kind for kind, _ in events.seen]
    assert kinds == ["call", "result", "reply"]  # a model that does not stream sends no tokens
    assert ("result", "error") in events.seen


@pytest.mark.parametrize(("line", "found"), [
    ("note.wav", "note.wav"),
    ("'note.wav'", "note.wav"),
    ('"my note.wav"', "my note.wav"),
    ("my\\ note.wav", "my note.wav"),
    ("NOTE.WAV", None),  # no such file (names are case-sensitive)
    ("missing.mp3", None),
    ("notes.txt", None),
    ("what does note.wav say?", None),
])
def test_a_line_is_a_voice_note_only_when_it_names_an_audio_file(tmp_path: Path, line: str, found: str | None) -> None:
    for name in ("note.wav", "my note.wav", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    assert voice_note(line, tmp_path) == found


def test_an_absolute_path_is_a_voice_note_too(tmp_path: Path) -> None:
    (tmp_path / "a.flac").write_bytes(b"x")
    assert voice_note(str(tmp_path / "a.flac"), Path("/nonexistent")) == str(tmp_path / "a.flac")


@pytest.mark.parametrize("name", ["", "../x", "a/b", "-flag", "x" * 65, "two words"])
def test_session_names_are_plain(name: str) -> None:
    with pytest.raises(InvalidInputError, match="Session name"):
        check_session_name(name)
    assert check_session_name("design-review_2.v1") == "design-review_2.v1"


@pytest.mark.parametrize("line", [
    "Please write a calm story about a lighthouse keeper " + "who records the sea every night " * 8 + "story.mp3",
    "~nosuchuser/a.wav",
    "bad\x00name.wav",
])
def test_a_line_that_cannot_name_a_file_is_plain_text_not_a_crash(tmp_path: Path, line: str) -> None:
    assert voice_note(line, tmp_path) is None
