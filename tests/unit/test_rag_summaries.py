import json

import pytest

from audio_tools.errors import BackendError
from audio_tools.rag.summaries import summarize_transcript
from audio_tools.transcript import Segment, Transcript


def meeting(*lines: tuple[float, str, str | None]) -> Transcript:
    segments = [Segment(start=t, end=t + 2.0, text=text, speaker=speaker) for t, text, speaker in lines]
    return Transcript(source="m.wav", language="en", duration_s=lines[-1][0] + 2.0, backend="test", model=None,
                      segments=segments)


def test_a_sentence_split_over_two_segments_is_one_action_item_with_owner_and_date() -> None:
    summary = summarize_transcript(meeting(
        (0.0, "Welcome to the review.", None),
        (3.0, "Action item for Tom,", None),
        (5.5, "finish the Spanish translation by the twentieth of March.", None),
    ))
    [item] = summary.action_items
    assert (item.owner, item.due, item.start) == ("Tom", "March 20th", 3.0)
    assert item.task == "finish the Spanish translation by the twentieth of March"


def test_first_person_commitments_belong_to_their_speaker_when_speakers_are_known() -> None:
    summary = summarize_transcript(meeting(
        (0.0, "What caused the increase?", "S1"),
        (3.0, "I will publish the help article tomorrow morning.", "S3"),
        (6.0, "Maria, can you send the invoice by Friday?", "S1"),
    ))
    assert [(i.owner, i.due) for i in summary.action_items] == [("S3", "tomorrow morning"), ("Maria", "Friday")]


def test_decisions_and_key_points_are_told_apart_and_greetings_and_questions_left_out() -> None:
    summary = summarize_transcript(meeting(
        (0.0, "Welcome everyone.", None),
        (3.0, "We tested the page with 20 users and 18 found the pricing page.", None),
        (6.0, "What did users dislike?", None),
        (9.0, "We will change the buttons to dark blue.", None),
        (12.0, "Thank you all.", None),
    ))
    assert [d.text for d in summary.decisions] == ["We will change the buttons to dark blue."]
    assert [k.text for k in summary.key_points] == ["We tested the page with 20 users and 18 found the pricing page."]
    assert summary.action_items == []


def test_text_and_dict_forms_cite_each_item() -> None:
    summary = summarize_transcript(meeting((65.0, "We agreed to launch in May.", None)), source="a/b.flac",
                                   title="Launch")
    assert "We agreed to launch in May. (a/b.flac @ 01:05)" in summary.to_text()
    assert json.loads(json.dumps(summary.to_dict()))["decisions"][0]["start"] == 65.0


def test_an_empty_transcript_says_so() -> None:
    empty = Transcript(source="m.wav", language="en", duration_s=1.0, backend="test", model=None)
    assert "Nothing was said" in summarize_transcript(empty).to_text()


class _Replies:
    """A stand-in chat model for the JSON parsing paths (the real client is tested against a loopback server)."""

    def __init__(self, *texts: str) -> None:
        self.texts = list(texts)
        self.calls = 0

    def invoke(self, messages: object) -> object:
        from langchain_core.messages import AIMessage

        self.calls += 1
        return AIMessage(self.texts.pop(0))


def test_a_model_that_never_answers_json_is_an_error_after_one_retry() -> None:
    model = _Replies("no", "still no")
    with pytest.raises(BackendError, match="JSON"):
        summarize_transcript(meeting((0.0, "We will ship.", None)), llm=model)  # type: ignore[arg-type]
    assert model.calls == 2


def test_fenced_json_is_read_and_moments_snap_to_the_line_they_name() -> None:
    reply = '```json\n{"decisions": [{"text": "Ship in May", "at": "00:09"}], "action_items": []}\n```'
    summary = summarize_transcript(meeting((0.0, "Hello.", "S1"), (9.4, "We will ship in May.", "S2")),
                                   llm=_Replies(reply))  # type: ignore[arg-type]
    [decision] = summary.decisions
    assert (decision.text, decision.start, decision.speaker, summary.method) == ("Ship in May", 9.4, "S2", "llm")
