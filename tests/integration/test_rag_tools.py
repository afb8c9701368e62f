"""The recording tools: LangChain's standard suites, and behaviour on the ingested bundled meetings.

The workspace holds the two bundled meetings, ingested for real (bundled Whisper, MiniLM, Chroma).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest
from helpers.ingested import IngestedMeetings, answer_turn, ingest_meetings
from langchain_core.tools import BaseTool
from langchain_tests.integration_tests import ToolsIntegrationTests
from langchain_tests.unit_tests import ToolsUnitTests

from audio_tools.config import Settings
from audio_tools.rag.tools import (
    AskRecordingsTool,
    IngestRecordingTool,
    PlayExcerptTool,
    RecordingToolkit,
    SearchRecordingsTool,
    SummarizeRecordingTool,
)
from audio_tools.workspace import Workspace

pytestmark = pytest.mark.slow

EXAMPLES: dict[type[BaseTool], dict[str, Any]] = {
    SearchRecordingsTool: {"query": "when can the website go live", "k": 2},
    AskRecordingsTool: {"question": "What color will the buttons be?"},
    SummarizeRecordingTool: {"source": "design_review.flac"},
    IngestRecordingTool: {"path": "design_review.flac"},
    PlayExcerptTool: {"source": "design_review.flac", "start": 29.5, "end": 34.8},
}


@pytest.fixture(scope="module")
def meetings(tmp_path_factory: pytest.TempPathFactory) -> IngestedMeetings:
    return ingest_meetings(tmp_path_factory.mktemp("workspace"))


class _Standard:
    tool_class: ClassVar[type[BaseTool]]
    meetings: IngestedMeetings

    @pytest.fixture(autouse=True, scope="class")
    @classmethod
    def _meetings(cls, meetings: IngestedMeetings) -> None:
        cls.meetings = meetings

    @property
    def tool_constructor(self) -> type[BaseTool]:
        return self.tool_class

    @property
    def tool_constructor_params(self) -> dict[str, Any]:
        return {"workspace": Workspace(self.meetings.root, self.meetings.settings), "store": self.meetings.store}

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return dict(EXAMPLES[self.tool_class])


class _Unit(_Standard, ToolsUnitTests):
    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        root = self.meetings.root
        return {"AUDIO_TOOLS_WORKSPACE": str(root)}, {}, {"settings": Settings(workspace=root)}


class _Integration(_Standard, ToolsIntegrationTests):
    pass


class TestSearchRecordingsUnit(_Unit):
    tool_class = SearchRecordingsTool


class TestSearchRecordingsIntegration(_Integration):
    tool_class = SearchRecordingsTool


class TestAskRecordingsUnit(_Unit):
    tool_class = AskRecordingsTool


class TestAskRecordingsIntegration(_Integration):
    tool_class = AskRecordingsTool


class TestSummarizeRecordingUnit(_Unit):
    tool_class = SummarizeRecordingTool


class TestSummarizeRecordingIntegration(_Integration):
    tool_class = SummarizeRecordingTool


class TestIngestRecordingUnit(_Unit):
    tool_class = IngestRecordingTool


class TestIngestRecordingIntegration(_Integration):
    tool_class = IngestRecordingTool


class TestPlayExcerptUnit(_Unit):
    tool_class = PlayExcerptTool


class TestPlayExcerptIntegration(_Integration):
    tool_class = PlayExcerptTool


def tools(meetings: IngestedMeetings) -> dict[str, BaseTool]:
    toolkit = RecordingToolkit(root=str(meetings.root), store=meetings.store,
                               include=("search_recordings", "ask_recordings", "summarize_recording",
                                        "ingest_recording", "play_excerpt"))
    return {t.name: t for t in toolkit.get_tools()}


def call(tool: BaseTool, **args: Any) -> tuple[str, dict[str, Any]]:
    message = tool.invoke({"type": "tool_call", "id": "1", "name": tool.name, "args": args})
    return str(message.content), message.artifact


def test_search_content_cites_the_moment_and_the_artifact_has_every_hit(meetings: IngestedMeetings) -> None:
    content, artifact = call(tools(meetings)["search_recordings"], query="When can the new website go live?")
    turn = answer_turn("design_review", 6)
    first = artifact["hits"][0]
    assert first["source"] == "design_review.flac"
    assert turn["start"] - 1 <= first["cite_start"] and first["cite_end"] <= turn["end"] + 1
    assert content.splitlines()[1].startswith("1. design_review.flac @ 00:29")


async def test_tools_run_async_too(meetings: IngestedMeetings) -> None:
    tool = tools(meetings)["search_recordings"]
    message = await tool.ainvoke({"type": "tool_call", "id": "1", "name": tool.name,
                                  "args": {"query": "password resets", "k": 1}})
    assert message.artifact["hits"][0]["source"] == "support_weekly.flac"


def test_play_excerpt_writes_a_new_file_under_outputs(meetings: IngestedMeetings) -> None:
    content, artifact = call(tools(meetings)["play_excerpt"], source="design_review.flac", start=29.5, end=34.8)
    assert artifact["relative_path"].startswith("outputs/") and Path(artifact["path"]).is_file()
    assert artifact["duration_s"] == pytest.approx(6.3, abs=0.1)
    assert "Excerpt of design_review.flac @ 00:29" in content


@pytest.mark.parametrize(("name", "args", "refusal"), [
    ("play_excerpt", {"source": "../outside.flac", "start": 0, "end": 1}, "outside"),
    ("play_excerpt", {"source": "/etc/passwd", "start": 0, "end": 1}, "outside"),
    ("play_excerpt", {"source": "design_review.flac", "start": 0, "end": 900}, "at most"),
    ("play_excerpt", {"source": "design_review.flac", "start": 5, "end": 2}, "end must be after start"),
    ("summarize_recording", {"source": "missing.flac"}, "not in the meeting store"),
    ("ingest_recording", {"path": "../"}, ""),
    ("search_recordings", {"query": "x", "k": 0}, "Invalid arguments"),
])
def test_bad_calls_come_back_as_text_the_model_can_act_on(
        meetings: IngestedMeetings, name: str, args: dict[str, Any], refusal: str) -> None:
    content, _ = call(tools(meetings)[name], **args)
    assert refusal in content
    assert str(meetings.root) not in content and "Traceback" not in content


def test_ingest_tool_reports_an_unchanged_file(meetings: IngestedMeetings) -> None:
    content, artifact = call(tools(meetings)["ingest_recording"], path="design_review.flac")
    assert artifact["unchanged"] == 1 and "unchanged" in content
