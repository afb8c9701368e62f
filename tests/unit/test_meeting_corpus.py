"""The meeting-search eval corpus (benchmarks/meetings/) is well formed: speakers, voices, questions."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from helpers.scoring import normalise_words

ROOT = Path(__file__).parents[2]
CORPUS = ROOT / "benchmarks" / "meetings"
SCRIPTS: dict[str, Any] = json.loads((CORPUS / "scripts.json").read_text())
REAL: dict[str, Any] = json.loads((CORPUS / "real_voice.json").read_text())
DEV: dict[str, Any] = json.loads((ROOT / "examples" / "meetings" / "meetings.json").read_text())
OFFLINE_VOICE = re.compile(r"(flite|festival|espeak):[a-z0-9_-]+")
SHARED_RUN = 5  # a question may not repeat this many consecutive words of its answer turn


def _questions(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (CORPUS / name).read_text().splitlines() if line.strip()]


def _turn_texts() -> dict[str, list[str]]:
    texts = {name: [text for _, text in m["turns"]] for name, m in SCRIPTS.items()}
    texts.update({name: [t["text"] for t in m["turns"]] for name, m in REAL.items()})
    return texts


def test_scripts_have_distractors_long_meetings_and_two_to_five_speakers() -> None:
    assert len(SCRIPTS) >= 6
    assert not set(SCRIPTS) & (set(DEV) | set(REAL)), "meeting names must be unique across the corpora"
    assert sum(len(m["turns"]) >= 60 for m in SCRIPTS.values()) >= 2
    for name, meeting in SCRIPTS.items():
        voices = meeting["speakers"]
        assert 2 <= len(voices) <= 5, name
        assert {speaker for speaker, _ in meeting["turns"]} == set(voices), name
        assert len(set(voices.values())) == len(voices), f"{name}: two speakers share a voice"
        assert all(OFFLINE_VOICE.fullmatch(spec) for spec in voices.values()), name
        assert all(text.strip() and '"' not in text for _, text in meeting["turns"]), name


def test_a_person_keeps_one_voice_across_meetings() -> None:
    voice_of: dict[str, str] = {}
    for meeting in SCRIPTS.values():
        for person, spec in meeting["speakers"].items():
            assert voice_of.setdefault(person, spec) == spec, person
    assert len(set(voice_of.values())) == len(voice_of)


@pytest.mark.parametrize(("name", "least"), [("questions.jsonl", 40), ("real_voice_questions.jsonl", 8)])
def test_questions_point_at_real_turns_and_paraphrase_them(name: str, least: int) -> None:
    questions = _questions(name)
    texts = _turn_texts()
    assert len(questions) >= least
    assert len({q["q"] for q in questions}) == len(questions), "duplicate question"
    for question in questions:
        assert set(question) == {"q", "meeting", "turn"}
        turns = texts[question["meeting"]]
        assert 0 <= question["turn"] < len(turns), question
        asked, answer = normalise_words(question["q"]), normalise_words(turns[question["turn"]])
        answer_runs = {tuple(answer[i:i + SHARED_RUN]) for i in range(len(answer) - SHARED_RUN + 1)}
        copied = [asked[i:i + SHARED_RUN] for i in range(len(asked) - SHARED_RUN + 1)
                  if tuple(asked[i:i + SHARED_RUN]) in answer_runs]
        assert not copied, f"{question['q']!r} copies its answer turn: {copied}"


def test_questions_cover_every_new_meeting() -> None:
    assert {q["meeting"] for q in _questions("questions.jsonl")} == set(SCRIPTS)
    assert {q["meeting"] for q in _questions("real_voice_questions.jsonl")} == set(REAL)


def test_real_voice_turns_are_installed_clips() -> None:
    for recording in REAL.values():
        root = Path(recording["root"])
        if not root.is_dir():
            pytest.skip(f"{root} is not installed (pocketsphinx-testdata)")
        for turn in recording["turns"]:
            assert (root / turn["file"]).is_file(), turn["file"]
