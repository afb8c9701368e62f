"""An agent from ``langchain.agents.create_agent`` drives every audio tool once, end to end.

The chat model is scripted, but it reads the tool results the way a real model must: the
path of a file it made is taken from the text content of the earlier ``ToolMessage``
(``{text_to_speech}`` in a scripted call becomes the path that tool reported).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from helpers.scripted_chat import ScriptedChatModel
from helpers.tool_workspace import OFFLINE_BACKENDS
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatResult

from audio_tools.audio import probe
from audio_tools.tools import AudioToolkit

OUTPUT_PATH = re.compile(r"outputs/[\w.-]+\.(?:wav|mp3|ogg|flac|m4a)")


class PathReadingModel(ScriptedChatModel):
    """Fills ``{tool_name}`` in scripted arguments with the output path that tool last reported."""

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        result = super()._generate(messages, *args, **kwargs)
        reported = {}
        for message in messages:
            if isinstance(message, ToolMessage) and (found := OUTPUT_PATH.search(str(message.content))):
                reported[message.name] = found.group(0)
        reply = result.generations[0].message
        assert isinstance(reply, AIMessage)
        for call in reply.tool_calls:
            for key, value in call["args"].items():
                if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
                    call["args"][key] = reported[value[1:-1]]
        return result


def script() -> list[AIMessage]:
    def step(name: str, call_id: str, **args: Any) -> AIMessage:
        return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": call_id}])

    return [
        step("text_to_speech", "tts", text="Welcome to the evening news. The weather is calm.", voice="rms"),
        step("speech_to_text", "stt", audio_path="{text_to_speech}", timestamps=True),
        step("text_to_music", "music", prompt="calm piano, slow", duration_s=6),
        step("mix_speech_with_music", "mix", speech_path="{text_to_speech}", music_path="{text_to_music}",
             intro_s=1.0, outro_s=1.0),
        step("synthesize_story_audio", "story", speech_text="A small fox found a golden key by the river.",
             music_prompt="gentle harp, warm strings", duration_s=4),
        AIMessage(content="Here are your files."),
    ]


@pytest.fixture
def toolkit(tmp_path: Path) -> AudioToolkit:
    return AudioToolkit(root=tmp_path, **OFFLINE_BACKENDS)


def check_outputs(result: dict[str, Any], toolkit: AudioToolkit) -> None:
    replies = {m.tool_call_id: m for m in result["messages"] if isinstance(m, ToolMessage)}
    assert set(replies) == {"tts", "stt", "music", "mix", "story"}
    outputs = toolkit.workspace.outputs
    for call_id, reply in replies.items():
        assert reply.status == "success", reply.content
        artifact = reply.artifact
        path = Path(artifact["path"])
        info = probe(path)
        assert info.duration == pytest.approx(artifact["duration_s"], abs=0.01)
        assert info.sample_rate == artifact["sample_rate"] and artifact["backend"]
        if call_id != "stt":
            assert path.parent == outputs and artifact["relative_path"] in reply.content
    assert replies["stt"].artifact["path"] == replies["tts"].artifact["path"]  # transcribed the speech just made
    assert replies["stt"].artifact["transcript"]["segments"]
    assert re.search(r"\[\d+\.\d\d-\d+\.\d\d\]", replies["stt"].content)
    mix = replies["mix"].artifact
    assert mix["duration_s"] == pytest.approx(replies["tts"].artifact["duration_s"] + 2.0, abs=0.05)
    assert result["messages"][-1].content == "Here are your files."


def test_agent_runs_every_tool(toolkit: AudioToolkit) -> None:
    agent = create_agent(PathReadingModel(messages=iter(script())), toolkit.get_tools())
    result = agent.invoke({"messages": [HumanMessage("Make me a news jingle and a story.")]})
    check_outputs(result, toolkit)


async def test_agent_runs_every_tool_async(toolkit: AudioToolkit) -> None:
    agent = create_agent(PathReadingModel(messages=iter(script())), toolkit.get_tools())
    result = await agent.ainvoke({"messages": [HumanMessage("Make me a news jingle and a story.")]})
    check_outputs(result, toolkit)
