"""The argument models of the audio tools: what a language model may fill in, and its bounds.

Bounds here are fixed, sane maxima that shape the JSON schema the model sees; each tool
then applies its workspace's own (possibly lower) caps. The mix's options are the library's,
with its defaults, bounds and descriptions (:data:`audio_tools.mix_options.MIX_OPTIONS`).
Nothing configurable for safety is an argument: the workspace, caps and backends live on
the tool instances.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from audio_tools.mix_options import MIX_OPTIONS
from audio_tools.story import MIN_MUSIC_S

__all__ = [
    "MAX_BASE64_CHARS",
    "MAX_MUSIC_S",
    "MAX_PROMPT_CHARS",
    "MAX_TEXT_CHARS",
    "MAX_TOOL_SPEAKERS",
    "AudioFormat",
    "MixInput",
    "SpeechToTextInput",
    "StoryInput",
    "TextToMusicInput",
    "TextToSpeechInput",
]

MAX_TEXT_CHARS = 100_000
MAX_PROMPT_CHARS = 1_000
MAX_MUSIC_S = 600.0  # the schema's ceiling; settings.max_music_s (default 300 s) is the cap applied under it
MAX_BASE64_CHARS = 16_000_000  # about 12 MB of audio; larger files go in the workspace
MAX_PATH_CHARS = 1_000
MAX_HOTWORDS_CHARS = 300
MAX_TOOL_SPEAKERS = 10  # a model asking for more is guessing; "auto" finds any number
# C0 controls other than tab, newline and carriage return, DEL, and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Shell substitution and chaining, and ffmpeg's file-reading source filters. No text reaches a
# shell or a filter graph, so these would be harmless words; they are refused anyway, because a
# model that writes them into speech or a prompt has most likely been steered by injected
# content, and its caller should see that rather than a rendered file.
_COMMAND_SYNTAX = re.compile(
    r"\$\(|\$\{|`|&&|\|\||\|\s*(?:ba|z)?sh\b"
    r"|;\s*(?:rm|sh|bash|zsh|curl|wget|cat|chmod|chown|sudo|id|nc|python\d?|perl)\b"
    r"|\b(?:a?movie|sendcmd|a?zmq|lavfi)\s*=",
    re.IGNORECASE,
)

VOICE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
LANGUAGE_PATTERN = r"^[A-Za-z]{2,20}([-_][A-Za-z0-9]{2,8})?$"

AudioFormat = Literal["wav", "mp3", "ogg", "flac", "m4a"]


def _screen(text: str) -> str:
    if _CONTROL.search(text):
        msg = "contains control characters (such as NUL); send plain text"
        raise ValueError(msg)
    if not text.strip():
        msg = "is empty; send the words to use"
        raise ValueError(msg)
    if found := _COMMAND_SYNTAX.search(text):
        msg = (f"contains shell or ffmpeg-filter syntax ({found.group(0)!r}), refused as a precaution; "
               f"rephrase it in plain words")
        raise ValueError(msg)
    return text


def _matching(pattern: str, advice: str) -> Callable[[str], str]:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(advice)
        return value

    return check


Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT_CHARS), AfterValidator(_screen)]
Prompt = Annotated[str, StringConstraints(min_length=1, max_length=MAX_PROMPT_CHARS), AfterValidator(_screen)]
WorkspacePath = Annotated[str, StringConstraints(min_length=1, max_length=MAX_PATH_CHARS)]
Voice = Annotated[
    str,
    AfterValidator(_matching(VOICE_PATTERN, "is not a voice name: use letters, digits, '_', '-' or '.' (e.g. 'slt')")),
    WithJsonSchema({"type": "string", "pattern": VOICE_PATTERN}),
]
Language = Annotated[
    str,
    AfterValidator(_matching(LANGUAGE_PATTERN, "is not a language code: give one such as 'en', 'de' or 'pt-BR'")),
    WithJsonSchema({"type": "string", "pattern": LANGUAGE_PATTERN}),
]


def _speaker_count(value: Any) -> Any:
    """``"auto"`` (any case) or a whole number from 1 to :data:`MAX_TOOL_SPEAKERS` (also as digits, or as 2.0)."""
    if value is None:
        return None
    text = value.strip().lower() if isinstance(value, str) else None
    if text == "auto":
        return "auto"
    if text is not None and text.isascii() and text.isdigit():
        value = int(text)
    elif isinstance(value, float) and value.is_integer():  # JSON 2.0
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TOOL_SPEAKERS:
        msg = (f"must be 'auto' (to find how many people speak) or the number of speakers, a whole number from 1 to "
               f"{MAX_TOOL_SPEAKERS}; leave it out for no speaker labels")
        raise ValueError(msg)
    return value


SpeakerCount = Annotated[
    Literal["auto"] | int,
    BeforeValidator(_speaker_count),
    WithJsonSchema({"anyOf": [{"type": "string", "const": "auto"},
                              {"type": "integer", "minimum": 1, "maximum": MAX_TOOL_SPEAKERS}]}),
]
MusicSeconds = Annotated[float, Field(gt=0, le=MAX_MUSIC_S, allow_inf_nan=False)]

_VOICE_HELP = ("Voice name of the configured speech backend (e.g. 'slt' or 'rms' for flite, 'alloy' for "
               "OpenAI); leave out for the default. An unknown name gets the list of voices back.")


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _mix_field(name: str) -> Any:
    """The field of the mix option ``name``: default, bounds and description from :data:`MIX_OPTIONS`."""
    option = MIX_OPTIONS[name]
    return Field(default=option.default, ge=option.low, le=option.high, allow_inf_nan=False,
                 description=option.description)


class TextToSpeechInput(_Args):
    """Arguments of ``text_to_speech``."""

    text: Text = Field(description="The words to speak, as plain text.")
    voice: Voice | None = Field(default=None, description=_VOICE_HELP)
    format: AudioFormat = Field(default="wav", description="Audio file format of the result.")


class SpeechToTextInput(_Args):
    """Arguments of ``speech_to_text``: exactly one of ``audio_path`` and ``audio_base64``."""

    audio_path: WorkspacePath | None = Field(
        default=None,
        description="Path of an audio file inside the workspace, relative to its root "
                    "(e.g. 'outputs/speech.wav' or 'meetings/call.flac').",
    )
    audio_base64: Annotated[str, StringConstraints(min_length=1, max_length=MAX_BASE64_CHARS)] | None = Field(
        default=None,
        description="The audio file's bytes in standard base64 (a data:audio/...;base64, prefix is allowed); "
                    "use instead of audio_path for small clips.",
    )
    language: Language | None = Field(
        default=None, description="Spoken language as a code such as 'en' or 'de'; leave out to detect it."
    )
    timestamps: bool = Field(
        default=False, description="Put each segment's start and end time (seconds) in the returned text."
    )
    hotwords: Annotated[str, StringConstraints(max_length=MAX_HOTWORDS_CHARS), AfterValidator(_screen)] | None = Field(
        default=None,
        description="Names and terms said in the recording, comma-separated (e.g. 'Nova, Orbit'), so they come "
                    "out spelled right; leave out unless a name was misheard.",
    )
    speakers: SpeakerCount | None = Field(
        default=None,
        description="Label who speaks each part as S1, S2... (in the order they first speak): 'auto' to find how "
                    f"many people speak, or their number (1 to {MAX_TOOL_SPEAKERS}) when known. Leave out when "
                    "it does not matter who said what; labelling takes extra time.",
    )

    @model_validator(mode="after")
    def _one_source(self) -> SpeechToTextInput:
        if (self.audio_path is None) == (self.audio_base64 is None):
            msg = "give exactly one of audio_path (a file in the workspace) or audio_base64"
            raise ValueError(msg)
        return self


class TextToMusicInput(_Args):
    """Arguments of ``text_to_music``."""

    prompt: Prompt = Field(description="What the music should sound like: genre, mood, instruments, tempo.")
    duration_s: MusicSeconds = Field(description="Length of the music in seconds.")


class MixInput(_Args):
    """Arguments of ``mix_speech_with_music``."""

    speech_path: WorkspacePath = Field(description="Path of the speech file inside the workspace.")
    music_path: WorkspacePath = Field(
        description="Path of the music file inside the workspace; looped or trimmed to fit the speech."
    )
    intro_s: float = _mix_field("intro_s")
    outro_s: float = _mix_field("outro_s")
    duck_db: float = _mix_field("duck_db")
    music_gain_db: float = _mix_field("music_gain_db")
    format: AudioFormat = Field(default="wav", description="Audio file format of the result.")


class StoryInput(_Args):
    """Arguments of ``synthesize_story_audio``."""

    speech_text: Text = Field(description="The story or narration to speak, as plain text.")
    music_prompt: Prompt = Field(description="What the background music should sound like.")
    voice: Voice | None = Field(default=None, description=_VOICE_HELP)
    duration_s: Annotated[float, Field(ge=MIN_MUSIC_S, le=MAX_MUSIC_S, allow_inf_nan=False)] | None = Field(
        default=None,
        description="Seconds of music to generate; leave out to fit the music to the speech plus intro and "
                    "outro (shorter music is looped under the speech).",
    )
    format: AudioFormat = Field(default="wav", description="Audio file format of the result.")
