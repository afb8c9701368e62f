"""The audio agent end to end: the real ``langchain-openai`` client against a loopback server that scripts tool calls.

Every scenario runs twice: with ``agent.invoke`` (plain chat completions) and with
:func:`~audio_tools.agents.agent.run_turn` (the graph streamed, so the client streams server-sent
events, tool-call arguments in pieces). Tools run for real: flite and synth for the story, the
bundled Whisper, MiniLM and Chroma for the meeting.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.agent_runs import MODES, Mode, ask, chat_server, model_spec, streamed_flags
from helpers.chat_completions import Assistant, call, tool_results, user_texts
from helpers.ingested import IngestedMeetings, answer_turn, ingest_meetings
from helpers.openai_server import OpenAIServer, RecordedRequest
from helpers.scoring import wer
from helpers.tool_workspace import OFFLINE_BACKENDS, make_speech
from langchain_core.messages import ToolMessage
from langgraph.checkpoint.memory import InMemorySaver

from audio_tools.agents.agent import SESSIONS_FILE, create_audio_agent, open_sessions, run_turn, session_config
from audio_tools.audio import probe
from audio_tools.config import Settings
from audio_tools.errors import BackendUnavailableError
from audio_tools.metrics import loudness
from audio_tools.stt import transcribe
from audio_tools.tools import AudioToolkit

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("offline_tts")]

STORY = ("Once upon a time a small fox lived by a quiet river. Every night she listened to the water and fell "
         "asleep under the stars.")
INTRO_S = 3.0  # the story mix's default music intro
CITED = re.compile(r"(?P<source>[\w./-]+) @ (?P<minutes>\d{2}):(?P<seconds>\d{2})")


def offline_settings(root: Path) -> Settings:
    return Settings(workspace=root, **OFFLINE_BACKENDS)


def first_hit(request: RecordedRequest) -> str:
    """The scripted model's answer, built only from the search result it was sent."""
    result = tool_results(request)[-1]
    line = next(line for line in result.splitlines() if line.startswith("1. "))
    cited = CITED.search(line)
    assert cited is not None, result
    quote = line.split('"')[1]
    return f"According to {cited.group('source')} @ {cited.group('minutes')}:{cited.group('seconds')}: \"{quote}\""


@pytest.fixture(scope="module")
def meetings(tmp_path_factory: pytest.TempPathFactory) -> IngestedMeetings:
    return ingest_meetings(tmp_path_factory.mktemp("workspace"))


@pytest.mark.parametrize("mode", MODES)
def test_a_story_with_calm_piano_becomes_one_audio_file_with_speech_and_music(
        tmp_path: Path, mode: Mode, record_property: Callable[[str, object], None]) -> None:
    script = [
        call("synthesize_story_audio", speech_text=STORY, music_prompt="calm piano, slow and soft"),
        lambda request: f"Here is your story: {tool_results(request)[-1]}",
    ]
    with chat_server(script) as server:
        agent = create_audio_agent(model_spec(server), settings=offline_settings(tmp_path))
        turn = ask(agent, "Tell me a short story with calm piano music", mode)
        assert streamed_flags(server) == {mode == "stream"}
        sent_tools = {t["function"]["name"] for t in server.requests_to("/v1/chat/completions")[0].fields["tools"]}
    assert [c["name"] for c in turn.tool_calls] == ["synthesize_story_audio"]
    [story] = turn.artifacts
    path = Path(story["path"])
    assert path.parent == tmp_path / "outputs" and story["relative_path"] in turn.reply
    assert probe(path).duration == pytest.approx(story["duration_s"], abs=0.01)
    assert (story["tts_backend"], story["music_backend"]) == ("flite", "synth")
    assert story["duration_s"] == pytest.approx(INTRO_S + story["speech_s"] + INTRO_S, abs=0.05)
    assert loudness(path, 0.5, INTRO_S - 1.0)[0] >= -30.0  # the music plays alone in the intro
    heard = transcribe(path, settings=Settings(workspace=tmp_path)).text  # the bundled Whisper tiny.en
    record_property("story_wer", round(wer(STORY, heard), 3))
    assert wer(STORY, heard) <= 0.2, heard  # and the story is spoken over it
    assert sent_tools == {"text_to_speech", "speech_to_text", "text_to_music", "mix_speech_with_music",
                          "synthesize_story_audio", "search_recordings", "summarize_recording", "ingest_recording",
                          "play_excerpt"}


@pytest.mark.parametrize("mode", MODES)
def test_b_a_meeting_question_is_answered_from_the_search_it_triggered(
        meetings: IngestedMeetings, mode: Mode, record_property: Callable[[str, object], None]) -> None:
    script = [call("search_recordings", query="when can the new website go live"), first_hit]
    with chat_server(script) as server:
        agent = create_audio_agent(model_spec(server), toolkit=AudioToolkit(settings=meetings.settings),
                                   store=meetings.store)
        turn = ask(agent, "When can the new website go live?", mode)
        second = server.requests_to("/v1/chat/completions")[1]
        assert streamed_flags(server) == {mode == "stream"}
    assert [c["name"] for c in turn.tool_calls] == ["search_recordings"]
    assert tool_results(second)[-1] == turn.tool_results[0]["content"]  # what the model was sent
    cited = CITED.search(turn.reply)
    assert cited is not None and cited.group("source") == "design_review.flac", turn.reply
    second_said = int(cited.group("minutes")) * 60 + int(cited.group("seconds"))
    truth = answer_turn("design_review", 6)
    record_property("reply", turn.reply)
    assert truth["start"] - 1.0 <= second_said <= truth["end"] + 1.0, (turn.reply, truth)
    assert "go live" in turn.reply


@pytest.mark.parametrize("mode", MODES)
def test_c_a_bad_path_comes_back_as_an_observation_and_the_agent_recovers(tmp_path: Path, mode: Mode) -> None:
    make_speech(tmp_path / "note.wav", "Please call the plumber tomorrow morning.")

    def retry(request: RecordedRequest) -> Assistant:
        assert "give a path inside the workspace" in tool_results(request)[-1]
        return call("speech_to_text", audio_path="note.wav")

    script = [
        call("speech_to_text", audio_path="../../etc/note.wav"),
        retry,
        lambda request: f"The note says: {tool_results(request)[-1].splitlines()[-1]}",
        call("text_to_speech", text="Call the plumber tomorrow."),
        lambda request: f"Done: {tool_results(request)[-1]}",
    ]
    with chat_server(script) as server:
        agent = create_audio_agent(model_spec(server), settings=offline_settings(tmp_path),
                                   checkpointer=InMemorySaver())
        first = ask(agent, "What does my voice note say?", mode, thread_id="c")
        second = ask(agent, "Read that back to me.", mode, thread_id="c")
    refused, transcribed = first.tool_results
    assert refused["status"] == "error" and "give a path inside the workspace" in refused["content"]
    assert str(tmp_path) not in refused["content"] and "Traceback" not in refused["content"]
    assert transcribed["status"] == "success" and "plumber" in first.reply.lower()
    assert second.tool_results[0]["status"] == "success"
    assert Path(second.artifacts[0]["path"]).is_file() and second.artifacts[0]["relative_path"] in second.reply


def remembers(request: RecordedRequest) -> str:
    """Answers from the conversation it was sent: the code word said in an earlier user message."""
    said = " ".join(user_texts(request)[:-1])
    found = re.search(r"code word is (\w+)", said)
    return f"The code word is {found.group(1)}." if found else "I do not know the code word."


@pytest.mark.parametrize("mode", MODES)
def test_d_the_same_session_remembers_also_after_a_restart(tmp_path: Path, mode: Mode) -> None:
    settings = offline_settings(tmp_path)
    with chat_server(["Noted.", remembers, remembers, remembers]) as server:
        with open_sessions(settings) as saver:
            agent = create_audio_agent(model_spec(server), settings=settings, checkpointer=saver)
            assert ask(agent, "The code word is heron.", mode, thread_id="demo").reply == "Noted."
            assert ask(agent, "What is the code word?", mode, thread_id="demo").reply == "The code word is heron."
            assert ask(agent, "What is the code word?", mode, thread_id="other").reply == (
                "I do not know the code word.")
        with open_sessions(settings) as saver:  # a new process would open the same file
            agent = create_audio_agent(model_spec(server), settings=settings, checkpointer=saver)
            assert ask(agent, "Remind me: the code word?", mode, thread_id="demo").reply == "The code word is heron."
            last = server.requests_to("/v1/chat/completions")[-1]
    assert (tmp_path / ".audio_store" / SESSIONS_FILE).is_file()
    assert user_texts(last) == ["The code word is heron.", "What is the code word?", "Remind me: the code word?"]


def test_d_artifacts_are_stored_as_plain_json_in_the_session(tmp_path: Path) -> None:
    settings = offline_settings(tmp_path)
    script = [call("text_to_speech", text="Hello there."), "Said it."]
    with chat_server(script) as server, open_sessions(settings) as saver:
        agent = create_audio_agent(model_spec(server), settings=settings, checkpointer=saver)
        turn = ask(agent, "Say hello", "stream", thread_id="json")
    with open_sessions(settings) as saver:
        agent = create_audio_agent("openai-compatible:unused@http://127.0.0.1:9/v1", settings=settings,
                                   checkpointer=saver)
        stored = agent.get_state(session_config("json")).values["messages"]
    [tool_message] = [m for m in stored if isinstance(m, ToolMessage)]
    assert tool_message.artifact == {k: v for k, v in turn.artifacts[0].items() if k != "tool"}
    assert json.loads(json.dumps(tool_message.artifact)) == tool_message.artifact
    with sqlite3.connect(tmp_path / ".audio_store" / SESSIONS_FILE) as db:
        assert db.execute("select distinct thread_id from checkpoints").fetchall() == [("json",)]


def test_a_chat_server_refusing_the_key_is_a_clear_error(tmp_path: Path) -> None:
    with OpenAIServer(api_key="the-right-key") as server:
        agent = create_audio_agent(model_spec(server), settings=offline_settings(tmp_path))
        with pytest.raises(BackendUnavailableError, match=r"refused the credentials.*OPENAI_API_KEY"):
            run_turn(agent, "hello", server=server.base_url)
