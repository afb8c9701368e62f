"""Summaries of a real recording: the bundled Whisper's transcript, extractive and map-reduce.

The map-reduce path runs the real ``langchain-openai`` client against a loopback OpenAI-compatible
server whose replies are scripted (no chat model ships offline); what the model was shown is checked.
"""

import json
from pathlib import Path

import pytest
from helpers.chat_completions import scripted_chat_route
from helpers.openai_server import OpenAIServer

from audio_tools.config import Settings
from audio_tools.rag.summaries import summarize_transcript
from audio_tools.stt import transcribe
from audio_tools.transcript import Transcript

MEETINGS = Path(__file__).parents[2] / "examples" / "meetings"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def design_review() -> Transcript:
    return transcribe(MEETINGS / "design_review.flac", settings=Settings(workspace=MEETINGS))


def test_the_offline_summary_names_the_decision_and_the_action_item_with_owner_and_date(
        design_review: Transcript) -> None:
    summary = summarize_transcript(design_review, source="design_review.flac")
    assert any("dark blue" in d.text for d in summary.decisions)
    [item] = [i for i in summary.action_items if "Spanish translation" in i.task]
    assert (item.owner, item.due) == ("Tom", "March 20th")
    assert 34.0 <= item.start <= 37.0  # "Action item for Tom" is said at 35.8 s
    text = summary.to_text()
    assert "Tom: finish" in text.replace("finished", "finish") and "due March 20th" in text


def test_map_reduce_with_a_chat_model_over_the_real_openai_client(design_review: Transcript) -> None:
    from langchain_openai import ChatOpenAI

    notes = {"key_points": [{"text": "18 of 20 users found pricing fast", "at": "00:04"}],
             "decisions": [{"text": "Buttons become dark blue", "at": "00:21"}],
             "action_items": [{"task": "Spanish translation", "owner": "Tom", "due": "March 20th", "at": "00:35"}]}
    with OpenAIServer() as server:
        server.add_route("POST", "/v1/chat/completions", scripted_chat_route([json.dumps(notes)]))
        llm = ChatOpenAI(model="scripted", base_url=server.base_url, api_key="test-key", max_retries=0)
        summary = summarize_transcript(design_review, source="design_review.flac", llm=llm)
        [request] = server.requests_to("/v1/chat/completions")
    shown = request.fields["messages"][-1]["content"]
    assert "[00:35]" in shown and "Action item for Tom" in shown  # the model saw timestamped lines
    assert summary.method == "llm"
    assert [d.text for d in summary.decisions] == ["Buttons become dark blue"]
    [item] = summary.action_items
    assert (item.owner, item.due, item.task) == ("Tom", "March 20th", "Spanish translation")
    assert 35.0 <= item.start < 36.0  # snapped to the line said at 35.8 s


def test_a_long_meeting_is_mapped_in_windows_and_reduced(design_review: Transcript) -> None:
    from langchain_openai import ChatOpenAI

    from audio_tools.rag import summaries

    long_meeting = Transcript(source="long.wav", language="en", duration_s=design_review.duration_s * 40,
                              backend="test", model=None,
                              segments=[s for _ in range(40) for s in design_review.segments])
    partial = json.dumps({"decisions": [{"text": "Dark blue buttons", "at": "00:21"}]})
    final = json.dumps({"decisions": [{"text": "Dark blue buttons", "at": "00:21"}], "action_items": []})
    windows = len(list(summaries._windows(list(summaries._sentences(long_meeting)))))
    assert windows > 1
    with OpenAIServer() as server:
        server.add_route("POST", "/v1/chat/completions", scripted_chat_route([partial] * windows + [final]))
        llm = ChatOpenAI(model="scripted", base_url=server.base_url, api_key="test-key", max_retries=0)
        summary = summarize_transcript(long_meeting, llm=llm)
        requests = server.requests_to("/v1/chat/completions")
    assert len(requests) == windows + 1
    assert "Merge them" in requests[-1].fields["messages"][0]["content"]
    assert [d.text for d in summary.decisions] == ["Dark blue buttons"]
