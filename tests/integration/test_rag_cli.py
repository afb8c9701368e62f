"""The meeting-search commands, end to end on the bundled meetings: real Whisper, MiniLM and Chroma.

Commands run through typer in this process (the application's own command table); one test runs
the installed ``audio-agent`` script in a fresh process, as a user would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.ingested import IngestedMeetings, answer_turn, ingest_meetings
from typer.testing import CliRunner

from audio_tools.agents.cli.main import app
from audio_tools.audio import probe

pytestmark = pytest.mark.slow
ONE_SECOND = 1.0


@pytest.fixture(scope="module")
def meetings(tmp_path_factory: pytest.TempPathFactory) -> IngestedMeetings:
    return ingest_meetings(tmp_path_factory.mktemp("workspace"))


def run(meetings: IngestedMeetings, *args: str) -> str:
    result = CliRunner().invoke(app, ["--workspace", str(meetings.root), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def inside(turn: dict[str, float], start: float, end: float) -> bool:
    return turn["start"] - ONE_SECOND <= start and end <= turn["end"] + ONE_SECOND


def test_search_json_lists_hits_with_the_cited_moment(meetings: IngestedMeetings) -> None:
    hits = json.loads(run(meetings, "search", "When can the new website go live?", "-k", "3", "--json"))
    assert len(hits) == 3
    assert set(hits[0]) == {"source", "start", "end", "cite_start", "cite_end", "text", "score", "speaker"}
    assert hits[0]["source"] == "design_review.flac"
    assert inside(answer_turn("design_review", 6), hits[0]["cite_start"], hits[0]["cite_end"])
    assert hits[0]["end"] - hits[0]["start"] <= 30.0


def test_search_filters_by_source(meetings: IngestedMeetings) -> None:
    hits = json.loads(run(meetings, "search", "go live", "--source", "support_weekly.flac", "--json"))
    assert hits and {h["source"] for h in hits} == {"support_weekly.flac"}


def test_ask_answers_offline_citing_the_moment(meetings: IngestedMeetings) -> None:
    answer = json.loads(run(meetings, "ask", "What caused the increase in tickets?", "--json"))
    assert set(answer) >= {"answer", "citations"}
    cited = answer["citations"][0]
    assert set(cited) == {"source", "start", "end", "text"}
    assert cited["source"] == "support_weekly.flac"
    assert inside(answer_turn("support_weekly", 3), cited["start"], cited["end"])
    assert "support_weekly.flac @ 00:1" in answer["answer"]


def test_summarize_names_the_decision_and_the_action_item(meetings: IngestedMeetings) -> None:
    summary = json.loads(run(meetings, "summarize", "design_review.flac", "--json"))
    assert any("dark blue" in d["text"] for d in summary["decisions"])
    assert any(i["owner"] == "Tom" and i["due"] == "March 20th" for i in summary["action_items"])


def test_clip_cuts_the_cited_moment_and_never_overwrites(meetings: IngestedMeetings) -> None:
    out = meetings.root / "go_live.wav"
    run(meetings, "clip", "design_review.flac", "00:29.5", "34.8", "-o", str(out))
    assert probe(out, settings=meetings.settings).duration == pytest.approx(5.3 + 1.0, abs=0.1)
    result = CliRunner().invoke(app, ["--workspace", str(meetings.root), "clip", "design_review.flac", "1", "2",
                                      "-o", str(out)])
    assert result.exit_code != 0


def test_store_commands_report_and_reingest_adds_nothing(meetings: IngestedMeetings) -> None:
    info = json.loads(run(meetings, "store", "info", "--json"))
    assert (info["sources"], info["embedding_model"], info["embedding_dimension"]) == (2, "minilm", 384)
    listed = json.loads(run(meetings, "store", "list", "--json"))
    assert sorted(s["source"] for s in listed["sources"]) == ["design_review.flac", "support_weekly.flac"]
    again = json.loads(run(meetings, "ingest", "design_review.flac", "support_weekly.flac", "--json"))
    assert (again["unchanged"], again["chunks_added"]) == (2, 0)


def test_a_fresh_process_ingests_then_asks_with_the_default_store(tmp_path: Path) -> None:
    audio_agent = Path(sys.executable).parent / "audio-agent"
    (tmp_path / "calls").mkdir()
    (tmp_path / "calls" / "review.flac").write_bytes((Path(__file__).parents[2] / "examples" / "meetings" /
                                                       "design_review.flac").read_bytes())
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    ingest = subprocess.run([audio_agent, "ingest", "calls"], cwd=tmp_path, env=env, capture_output=True, text=True,
                            check=True, timeout=300)
    assert "added      calls/review.flac" in ingest.stdout
    ask = subprocess.run([audio_agent, "ask", "When can the new website go live?"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, check=True, timeout=120)
    assert "calls/review.flac @ 00:29" in ask.stdout and "second of April" in ask.stdout


def test_store_remove_then_search_finds_nothing_there(tmp_path: Path) -> None:
    meetings = ingest_meetings(tmp_path)
    removed = json.loads(run(meetings, "store", "remove", "support_weekly.flac", "--json"))
    assert removed["removed"] > 0
    hits = json.loads(run(meetings, "search", "password reset tickets", "--json"))
    assert all(h["source"] == "design_review.flac" for h in hits)


@pytest.mark.parametrize("as_json", [[], ["--json"]])
def test_removing_a_recording_not_in_the_store_exits_1_with_one_line(tmp_path: Path, as_json: list[str]) -> None:
    audio_agent = Path(sys.executable).parent / "audio-agent"
    done = subprocess.run([audio_agent, "store", "remove", "nope.flac", *as_json], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1 and done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith("error: nope.flac is not in the store") and "audio-agent store list" in line


def test_bad_times_and_unknown_sources_are_clear_errors(meetings: IngestedMeetings) -> None:
    from audio_tools.agents.cli.recordings import parse_time
    from audio_tools.errors import InvalidInputError

    assert (parse_time("1:02:03"), parse_time("01:15"), parse_time("7.5")) == (3723.0, 75.0, 7.5)
    with pytest.raises(InvalidInputError, match="mm:ss"):
        parse_time("soon")
    result = CliRunner().invoke(app, ["--workspace", str(meetings.root), "summarize", "nope.flac"])
    assert result.exit_code != 0 and "ingest it first" in str(result.exception)
