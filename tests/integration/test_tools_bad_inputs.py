"""Hostile and broken inputs through the tools, as a language model would send them.

Every refused case must come back as a tool error message (``status="error"``) that says what
was wrong, while the filesystem around the workspace stays exactly as it was: nothing new
outside ``outputs/``, nothing left in ``outputs/`` or the private temp directory, no existing
file changed. Shell and filter syntax inside free text (``; rm -rf ~``, ``$(id)``,
``amovie=/etc/passwd``) is refused too, as a precaution (it never reaches a shell or a filter
graph anyway), while ordinary punctuation in text and prompts still succeeds, writes one file
in ``outputs/`` and has no other effect (a canary in ``$HOME`` survives). Finally an agent sends every refused
call at once and then one good call per tool, which all succeed.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from helpers.scripted_chat import ScriptedChatModel
from helpers.tool_workspace import OFFLINE_BACKENDS, call_tool, make_music, make_speech, snapshot
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import BaseTool

from audio_tools import output_log
from audio_tools.audio import probe
from audio_tools.config import Settings
from audio_tools.tools import AudioToolkit
from audio_tools.tools.inputs import MAX_BASE64_CHARS, MAX_TEXT_CHARS

AMOVIE = "amovie=/etc/passwd"
RM = "; rm -rf ~"
SUBST = "$(id)"
HLS = "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n{target}\n#EXT-X-ENDLIST\n"


@dataclass
class Arena:
    """A workspace full of traps, its two toolkits, and the directories that must not change."""

    root: Path
    home: Path
    outside: Path
    private_tmp: Path
    cwd: Path
    tools: dict[str, BaseTool] = field(default_factory=dict)

    def capped(self, **caps: Any) -> dict[str, BaseTool]:
        """The tools of a toolkit on the same workspace with lower caps."""
        settings = Settings(workspace=self.root, **caps)
        return {t.name: t for t in AudioToolkit(settings=settings, **OFFLINE_BACKENDS).get_tools()}

    def watched(self) -> dict[str, tuple[int, str]]:
        return snapshot(self.root, self.home, self.outside, self.private_tmp, self.cwd)


@pytest.fixture(scope="module")
def arena(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Arena]:
    base = tmp_path_factory.mktemp("arena")
    arena = Arena(root=base / "workspace", home=base / "home", outside=base / "outside",
                  private_tmp=base / "tmp", cwd=base / "cwd")
    for folder in (arena.root, arena.home, arena.outside, arena.private_tmp, arena.cwd):
        folder.mkdir()
    root = arena.root
    make_speech(root / "speech.wav")
    make_music(root / "music.wav", seconds=3.0)
    (root / "outputs").mkdir()
    shutil.copy(root / "speech.wav", root / "outputs" / "existing.wav")
    (arena.home / "canary.txt").write_text("still here")
    make_speech(arena.outside / "secret.wav", text="This file is outside the workspace.")
    (root / "empty.wav").write_bytes(b"")
    (root / "notes.wav").write_text("These are meeting notes, not audio.\n")
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=red:s=16x16",
                    "-frames:v", "1", "-f", "image2", "-c:v", "png", str(root / "picture.wav")], check=True)
    (root / "truncated.wav").write_bytes((root / "speech.wav").read_bytes()[:44])
    (root / "list.m3u8").write_text(HLS.format(target=arena.outside / "secret.wav"))
    (root / "innocent.wav").write_text(HLS.format(target=arena.outside / "secret.wav"))
    (root / "escape.wav").symlink_to(arena.outside / "secret.wav")
    shutil.copy(root / "speech.wav", root / "-i.wav")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(arena.home))
        patch.setenv("TMPDIR", str(arena.private_tmp))
        patch.setattr(tempfile, "tempdir", str(arena.private_tmp))
        patch.chdir(arena.cwd)
        for env in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
            patch.delenv(env, raising=False)
        arena.tools = arena.capped()
        yield arena


@dataclass(frozen=True)
class Case:
    """One call: the tool, its arguments, and the text the refusal must contain."""

    id: str
    tool: str
    args: dict[str, Any]
    match: str = ""
    caps: dict[str, Any] = field(default_factory=dict)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


STT, TTS, MUSIC, MIX = "speech_to_text", "text_to_speech", "text_to_music", "mix_speech_with_music"
STORY = "synthesize_story_audio"
NOT_AUDIO = "not audio|no audio stream"
OUTSIDE = "outside the workspace|contains '\\.\\.'"
URL = "URL or an ffmpeg protocol"

REFUSED = [
    # the foundation's list, through the file-reading tools
    Case("zero-byte", STT, {"audio_path": "empty.wav"}, "empty \\(0 bytes\\)"),
    Case("text-renamed-wav", STT, {"audio_path": "notes.wav"}, NOT_AUDIO),
    Case("png-renamed-wav", MIX, {"speech_path": "picture.wav", "music_path": "music.wav"}, NOT_AUDIO),
    Case("truncated-wav", STT, {"audio_path": "truncated.wav"}, NOT_AUDIO),
    Case("m3u8", STT, {"audio_path": "list.m3u8"}, "is a playlist"),
    Case("hls-renamed-innocent-wav", MIX, {"speech_path": "speech.wav", "music_path": "innocent.wav"},
         "playlist or script"),
    Case("concat-protocol", STT, {"audio_path": "concat:speech.wav|music.wav"}, URL),
    Case("http-url", MIX, {"speech_path": "http://127.0.0.1/x", "music_path": "music.wav"}, URL),
    Case("dotdot-passwd", STT, {"audio_path": "../../etc/passwd"}, OUTSIDE),
    Case("absolute-passwd", MIX, {"speech_path": "speech.wav", "music_path": "/etc/passwd"}, OUTSIDE),
    Case("symlink-escape", STT, {"audio_path": "escape.wav"}, OUTSIDE),
    Case("option-like-name", STT, {"audio_path": "-i.wav"}, "starting with '-'"),
    Case("nul-in-path", STT, {"audio_path": "speech.wav\x00.txt"}, "NUL"),
    Case("over-size", STT, {"audio_path": "speech.wav"}, "kB, over the 50 kB limit", {"max_input_bytes": 50_000}),
    Case("over-size-base64", STT, {"audio_base64": "@speech"}, "over the 50 kB limit", {"max_input_bytes": 50_000}),
    Case("over-duration", MIX, {"speech_path": "speech.wav", "music_path": "music.wav"},
         "speech.wav lasts .* over the .* limit", {"max_duration_s": 2.0}),
    # text, durations, voices, base64
    Case("text-over-cap", TTS, {"text": "word " * 60}, "over the 200 limit", {"max_text_chars": 200}),
    Case("text-over-schema-cap", TTS, {"text": "a" * (MAX_TEXT_CHARS + 1)}, "at most 100000 characters"),
    Case("empty-text", TTS, {"text": ""}, "at least 1 character"),
    Case("blank-text", TTS, {"text": " \n\t "}, "text: is empty"),
    Case("nul-in-text", TTS, {"text": "hello\x00world"}, "control characters"),
    Case("duration-zero", MUSIC, {"prompt": "calm piano", "duration_s": 0}, "greater than 0"),
    Case("duration-negative", MUSIC, {"prompt": "calm piano", "duration_s": -5}, "greater than 0"),
    Case("duration-huge", MUSIC, {"prompt": "calm piano", "duration_s": 1e6}, "less than or equal to 600"),
    Case("duration-nan", MUSIC, {"prompt": "calm piano", "duration_s": "nan"}, "finite number"),
    Case("duration-over-cap", MUSIC, {"prompt": "calm piano", "duration_s": 30}, "over the limit of 10 s",
         {"max_music_s": 10.0}),
    Case("unknown-voice", TTS, {"text": "hello", "voice": "darth_vader"}, "no voice 'darth_vader'.*Choose one"),
    Case("bad-base64", STT, {"audio_base64": "this is not base64!"}, "not valid base64"),
    Case("base64-of-text", STT, {"audio_base64": b64(b"just some text, no audio")}, NOT_AUDIO),
    Case("base64-over-schema-cap", STT, {"audio_base64": "A" * (MAX_BASE64_CHARS + 1)}, "at most"),
    Case("unknown-format", TTS, {"text": "hello", "format": "exe"}, "'wav', 'mp3'"),
    Case("both-sources", STT, {"audio_path": "speech.wav", "audio_base64": "@speech"}, "exactly one"),
    Case("no-source", STT, {}, "exactly one"),
    Case("directory-as-input", MIX, {"speech_path": "speech.wav", "music_path": "outputs"}, "not a regular file"),
    Case("missing-file", STT, {"audio_path": "nope.wav"}, "No such file"),
    # safety settings are not arguments
    Case("workspace-argument", TTS, {"text": "hello", "workspace": "/"}, "Extra inputs are not permitted"),
    Case("backend-argument", STT, {"audio_path": "speech.wav", "backend": "openai"}, "Extra inputs"),
    # shell and filter syntax where it would name a file, voice, language or format
    Case("rm-as-path", STT, {"audio_path": RM}, "No such file"),
    Case("rm-as-speech-path", MIX, {"speech_path": RM, "music_path": "music.wav"}, "No such file"),
    Case("subst-as-voice", TTS, {"text": "hello", "voice": SUBST}, "voice: is not a voice name"),
    Case("subst-as-language", STT, {"audio_path": "speech.wav", "language": SUBST}, "not a language code"),
    Case("amovie-as-voice", TTS, {"text": "hello", "voice": AMOVIE}, "voice: is not a voice name"),
    Case("amovie-as-format", TTS, {"text": "hello", "format": AMOVIE}, "format: Input should be"),
    Case("amovie-as-audio-path", STT, {"audio_path": AMOVIE}, "No such file"),
    Case("amovie-as-base64", STT, {"audio_base64": AMOVIE}, "not valid base64"),
    Case("amovie-as-language", STT, {"audio_path": "speech.wav", "language": AMOVIE}, "not a language code"),
    Case("amovie-as-speech-path", MIX, {"speech_path": AMOVIE, "music_path": "music.wav"}, "No such file"),
    Case("amovie-as-music-path", MIX, {"speech_path": "speech.wav", "music_path": AMOVIE}, "No such file"),
    Case("amovie-as-story-voice", STORY, {"speech_text": "Hi.", "music_prompt": "piano", "voice": AMOVIE},
         "voice: is not a voice name"),
    Case("story-duration-zero", STORY, {"speech_text": "Hi.", "music_prompt": "piano", "duration_s": 0},
         "greater than or equal to 1"),
    Case("story-empty-prompt", STORY, {"speech_text": "Hi.", "music_prompt": ""}, "at least 1 character"),
]

COMMAND_SYNTAX = "shell or ffmpeg-filter syntax"
REFUSED += [
    Case("rm-in-text", TTS, {"text": f"Please do not run {RM} on any machine."}, COMMAND_SYNTAX),
    Case("subst-in-text", TTS, {"text": "Type $(touch {canary}) and $(id) for fun."}, COMMAND_SYNTAX),
    Case("amovie-in-text", TTS, {"text": f"The filter {AMOVIE} is not used here."}, COMMAND_SYNTAX),
    Case("rm-in-prompt", MUSIC, {"prompt": f"calm piano {RM}", "duration_s": 2}, COMMAND_SYNTAX),
    Case("subst-in-prompt", MUSIC, {"prompt": "upbeat drums $(touch {canary}) $(id)", "duration_s": 2},
         COMMAND_SYNTAX),
    Case("amovie-in-prompt", MUSIC, {"prompt": f"ambient pads, {AMOVIE}", "duration_s": 2}, COMMAND_SYNTAX),
    Case("all-in-story", STORY, {"speech_text": f"Say {RM} and $(touch {{canary}}) and {AMOVIE}.",
                                 "music_prompt": "piano", "duration_s": 2}, COMMAND_SYNTAX),
    Case("amovie-in-story-prompt", STORY, {"speech_text": "Hi.", "music_prompt": f"piano, {AMOVIE}"},
         COMMAND_SYNTAX),
]

# Ordinary prose punctuation (semicolons, ampersands, pipes, dollar amounts, equals signs) is
# not shell syntax and must still be spoken or composed.
HARMLESS = [
    Case("semicolon-in-text", TTS, {"text": "I came; I saw; I left at 5 & came back for $20."}),
    Case("equals-in-text", TTS, {"text": "Two plus two = four | and the movie was good."}),
    Case("punctuation-in-prompt", MUSIC, {"prompt": "rock & roll; drums | bass, 120 bpm", "duration_s": 2}),
    Case("punctuation-in-story", STORY, {"speech_text": "Rain fell; the cat slept.",
                                         "music_prompt": "soft piano & strings", "duration_s": 2}),
]


def resolved(case: Case, arena: Arena) -> dict[str, Any]:
    """The case's arguments with placeholders filled: @speech (base64 of a clip), {canary}."""
    args = dict(case.args)
    for key, value in args.items():
        if value == "@speech":
            args[key] = b64((arena.root / "speech.wav").read_bytes())
        elif isinstance(value, str) and "{canary}" in value:
            args[key] = value.replace("{canary}", str(arena.home / "pwned"))
    return args



def test_there_are_at_least_25_refused_cases() -> None:
    assert len(REFUSED) >= 25
    assert len({c.id for c in REFUSED + HARMLESS}) == len(REFUSED) + len(HARMLESS)


def hostile_arguments(spawns: list[Any], arena: Arena) -> list[str]:
    """Arguments of the programs started so far that carry hostile text or name a file outside."""
    markers = (AMOVIE, "/etc/passwd", "rm -rf", "$(", "concat:", "http:", str(arena.outside), str(arena.home))
    return [arg for spawn in spawns for arg in spawn.args if any(marker in arg for marker in markers)]


@pytest.mark.parametrize("case", REFUSED, ids=lambda c: c.id)
def test_refused_with_a_message_and_no_side_effect(case: Case, arena: Arena, spawns: list[Any]) -> None:
    tool = (arena.capped(**case.caps) if case.caps else arena.tools)[case.tool]
    before = arena.watched()
    message = call_tool(tool, resolved(case, arena))
    assert message.status == "error", message.content
    assert message.artifact is None
    assert isinstance(message.content, str)
    assert re.search(case.match, message.content), message.content
    assert "Traceback" not in message.content and len(message.content) < 2000
    assert arena.watched() == before  # nothing created, left behind or changed anywhere watched
    assert hostile_arguments(spawns, arena) == []  # no ffmpeg, ffprobe or engine was pointed at it


@pytest.mark.parametrize("case", HARMLESS, ids=lambda c: c.id)
def test_ordinary_punctuation_is_only_words(case: Case, arena: Arena, spawns: list[Any]) -> None:
    before = arena.watched()
    message = call_tool(arena.tools[case.tool], resolved(case, arena))
    assert message.status == "success", message.content
    made = Path(message.artifact["path"])
    after = arena.watched()
    log = str(arena.root / "outputs" / output_log.LOG_NAME)  # the record of what the project wrote
    assert set(after) - set(before) - {log} == {str(made)}
    unchanged = {k: v for k, v in before.items() if k != log}
    assert {k: v for k, v in after.items() if k not in (str(made), log)} == unchanged
    assert made.name in output_log.read(made.parent)
    assert made.parent == arena.root / "outputs"
    assert probe(made).duration > 0.5
    assert (arena.home / "canary.txt").read_text() == "still here"
    assert not (arena.home / "pwned").exists()
    assert spawns and hostile_arguments(spawns, arena) == []  # the text never reached a command line or filter


def test_agent_keeps_going_after_every_refusal(arena: Arena) -> None:
    bad_calls = [{"name": c.tool, "args": resolved(c, arena), "id": f"bad-{i}"}
                 for i, c in enumerate(REFUSED) if not c.caps]
    good_calls = [
        {"name": TTS, "args": {"text": "Still working."}, "id": "good-tts"},
        {"name": STT, "args": {"audio_path": "speech.wav"}, "id": "good-stt"},
        {"name": MUSIC, "args": {"prompt": "calm piano", "duration_s": 2}, "id": "good-music"},
        {"name": MIX, "args": {"speech_path": "speech.wav", "music_path": "music.wav", "intro_s": 0.5,
                               "outro_s": 0.5}, "id": "good-mix"},
        {"name": STORY, "args": {"speech_text": "The end.", "music_prompt": "harp", "duration_s": 2},
         "id": "good-story"},
    ]
    model = ScriptedChatModel(messages=iter([
        AIMessage(content="", tool_calls=bad_calls),
        AIMessage(content="", tool_calls=good_calls),
        AIMessage(content="All done."),
    ]))
    agent = create_agent(model, list(arena.tools.values()))
    result = agent.invoke({"messages": [HumanMessage("Try everything.")]})
    replies = {m.tool_call_id: m for m in result["messages"] if isinstance(m, ToolMessage)}
    assert len(replies) == len(bad_calls) + len(good_calls)
    assert all(replies[c["id"]].status == "error" for c in bad_calls)
    for good in good_calls:
        reply = replies[good["id"]]
        assert reply.status == "success", reply.content
        assert reply.artifact is not None and Path(reply.artifact["path"]).is_file()
    assert result["messages"][-1].content == "All done."
