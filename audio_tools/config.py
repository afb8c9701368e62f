"""Settings: every knob of the toolkit in one object, and the only module that reads the environment.

A :class:`Settings` is made once at the edge (the CLI, a toolkit, a loader) and passed down
explicitly; nothing below this module looks at ``os.environ``. ``Settings()`` reads the
variables below (an empty value counts as unset); keyword arguments win over them.

| setting                  | environment variable                                   | default                  |
|--------------------------|--------------------------------------------------------|--------------------------|
| workspace                | AUDIO_TOOLS_WORKSPACE                                  | the current directory    |
| max_input_bytes          | AUDIO_TOOLS_MAX_INPUT_BYTES                            | 2 GB                     |
| max_duration_s           | AUDIO_TOOLS_MAX_DURATION_S                             | 4 h                      |
| max_text_chars           | AUDIO_TOOLS_MAX_TEXT_CHARS                             | 100,000                  |
| max_music_s              | AUDIO_TOOLS_MAX_MUSIC_S                                | 300                      |
| max_output_s             | AUDIO_TOOLS_MAX_OUTPUT_S                               | 2 h                      |
| ffmpeg_timeout_s         | AUDIO_TOOLS_FFMPEG_TIMEOUT_S                           | 3600                     |
| stt / tts / music        | AUDIO_TOOLS_STT / _TTS / _MUSIC                        | auto                     |
| device                   | AUDIO_TOOLS_DEVICE                                     | auto (cuda when present) |
| store_dir                | AUDIO_TOOLS_STORE_DIR                                  | <workspace>/.audio_store |
| store_url                | AUDIO_TOOLS_STORE_URL                                  | none (embedded store)    |
| embeddings               | AUDIO_TOOLS_EMBEDDINGS                                 | minilm (bundled, offline)|
| store_lock_timeout_s     | AUDIO_TOOLS_STORE_LOCK_TIMEOUT_S                       | 10                       |
| retention_days           | AUDIO_TOOLS_RETENTION_DAYS                             | 7                        |
| whisper_model            | AUDIO_TOOLS_WHISPER_MODEL                              | openai/whisper-small     |
| stt_threads              | AUDIO_TOOLS_STT_THREADS                                | every core               |
| whisper_batch_size       | AUDIO_TOOLS_WHISPER_BATCH_SIZE                         | 4 (CPU), 16 (CUDA)       |
| speaker_threads          | AUDIO_TOOLS_SPEAKER_THREADS                            | 1                        |
| musicgen_window_s        | AUDIO_TOOLS_MUSICGEN_WINDOW_S                          | 30 s                     |
| llm                      | AUDIO_TOOLS_LLM                                        | auto (OpenAI when set)   |
| openai_api_key           | AUDIO_TOOLS_OPENAI_API_KEY, else OPENAI_API_KEY        | none                     |
| openai_base_url          | AUDIO_TOOLS_OPENAI_BASE_URL, else OPENAI_BASE_URL      | the OpenAI API           |
| openai_max_upload_bytes  | AUDIO_TOOLS_OPENAI_MAX_UPLOAD_BYTES                    | 25 MB                    |
| hf_offline               | AUDIO_TOOLS_HF_OFFLINE, else HF_HUB_OFFLINE            | false                    |
| allow_hardlinks          | AUDIO_TOOLS_ALLOW_HARDLINKS                            | false                    |
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from audio_tools.errors import InvalidInputError

__all__ = ["ENV_PREFIX", "Settings"]

ENV_PREFIX = "AUDIO_TOOLS_"

Device = Literal["auto", "cpu", "cuda"]
POSITIVE_SETTINGS = (
    "max_input_bytes", "max_duration_s", "max_text_chars", "max_music_s", "max_output_s", "ffmpeg_timeout_s",
    "openai_max_upload_bytes", "store_lock_timeout_s",
)
# The mapping Settings() reads: os.environ, or the one given to Settings.from_env for this call.
_ENVIRONMENT: ContextVar[Mapping[str, str] | None] = ContextVar("audio_tools_environment", default=None)


def _alias(name: str, *others: str) -> AliasChoices:
    return AliasChoices(name, ENV_PREFIX + name.upper(), *others)


class Settings(BaseSettings):
    """Configuration of the toolkit: where files may live, caps, default backends, device, services.

    Frozen and hashable: backends built for one ``Settings`` are reused only with an equal one.

    Args:
        workspace: root directory every tool is confined to.
        max_input_bytes: largest input file accepted.
        max_duration_s: longest input audio accepted.
        max_text_chars: longest text accepted for speech synthesis.
        max_music_s: longest music a single request may generate (model time is costly).
        max_output_s: longest audio anything may generate: speech (stopped as soon as it passes),
            music (a request must be within both this and ``max_music_s``), a mix or a story
            (intro + speech + outro).
        ffmpeg_timeout_s: wall-clock limit of one ffmpeg run.
        stt: default speech-to-text backend spec (``family[:model]``).
        tts: default text-to-speech backend spec.
        music: default text-to-music backend spec.
        device: ``cpu``, ``cuda`` or ``auto``.
        store_dir: where the transcript store lives; defaults inside the workspace. With
            ``store_url`` it still holds the transcripts and the lexical index.
        store_url: a Chroma server (``http://HOST:PORT``) holding the vectors instead of the
            embedded store in ``store_dir``.
        embeddings: embedding model spec of the store (``minilm``, ``sentence-transformers:NAME``,
            ``openai:MODEL``).
        store_lock_timeout_s: how long a search or a writer waits for a writer of the embedded store.
        retention_days: age after which ``clean`` removes generated outputs.
        whisper_model: the larger Whisper ``auto`` speech-to-text looks for (a transformers checkpoint or
            a CTranslate2 folder) before the bundled tiny.en.
        stt_threads: CPU threads of the faster-whisper backend; every core the process may use when None.
        whisper_batch_size: 30-second chunks Whisper decodes at once; by device when None.
        speaker_threads: torch threads of the speaker encoder while it labels speakers; torch's
            count is put back afterwards, so other work in the process keeps its own.
        musicgen_window_s: MusicGen's window length; 30 s (what the models were trained on) when None.
        llm: chat model spec (``openai:MODEL``, ``ollama:MODEL``, ``openai-compatible:MODEL@URL``,
            ``none``); ``auto`` is ``openai:gpt-4o-mini`` when OpenAI is configured, else none.
        openai_api_key: key of the OpenAI API (or of a compatible server).
        openai_base_url: an OpenAI-compatible server instead of the OpenAI API.
        openai_max_upload_bytes: largest file sent to the transcription API in one request.
        hf_offline: never try the Hugging Face hub (as ``HF_HUB_OFFLINE=1``).
        allow_hardlinks: let tools read workspace files that have more than one hard link
            (backups made with ``cp -al``, deduplicated folders); off, since such a link may
            lead to a file outside the workspace.
    """

    model_config = SettingsConfigDict(frozen=True, validate_by_name=True, extra="forbid")

    workspace: Path = Field(default_factory=Path.cwd, validation_alias=_alias("workspace"))
    max_input_bytes: int = Field(2_000_000_000, strict=True, validation_alias=_alias("max_input_bytes"))
    max_duration_s: float = Field(4 * 3600.0, strict=True, validation_alias=_alias("max_duration_s"))
    max_text_chars: int = Field(100_000, strict=True, validation_alias=_alias("max_text_chars"))
    max_music_s: float = Field(300.0, strict=True, validation_alias=_alias("max_music_s"))
    max_output_s: float = Field(2 * 3600.0, strict=True, validation_alias=_alias("max_output_s"))
    ffmpeg_timeout_s: float = Field(3600.0, strict=True, validation_alias=_alias("ffmpeg_timeout_s"))
    stt: str = Field("auto", validation_alias=_alias("stt"))
    tts: str = Field("auto", validation_alias=_alias("tts"))
    music: str = Field("auto", validation_alias=_alias("music"))
    device: Device = Field("auto", validation_alias=_alias("device"))
    store_dir: Path | None = Field(None, validation_alias=_alias("store_dir"))
    store_url: str | None = Field(None, validation_alias=_alias("store_url"))
    embeddings: str = Field("minilm", validation_alias=_alias("embeddings"))
    store_lock_timeout_s: float = Field(10.0, strict=True, validation_alias=_alias("store_lock_timeout_s"))
    retention_days: float = Field(7.0, strict=True, validation_alias=_alias("retention_days"))
    whisper_model: str = Field("openai/whisper-small", validation_alias=_alias("whisper_model"))
    stt_threads: int | None = Field(None, ge=1, le=256, strict=True, validation_alias=_alias("stt_threads"))
    whisper_batch_size: int | None = Field(None, ge=1, le=256, strict=True,
                                           validation_alias=_alias("whisper_batch_size"))
    speaker_threads: int = Field(1, ge=1, le=256, strict=True, validation_alias=_alias("speaker_threads"))
    musicgen_window_s: float | None = Field(None, strict=True, validation_alias=_alias("musicgen_window_s"))
    llm: str = Field("auto", validation_alias=_alias("llm"))
    openai_api_key: SecretStr | None = Field(None, validation_alias=_alias("openai_api_key", "OPENAI_API_KEY"))
    openai_base_url: str | None = Field(None, validation_alias=_alias("openai_base_url", "OPENAI_BASE_URL"))
    openai_max_upload_bytes: int = Field(25_000_000, strict=True, validation_alias=_alias("openai_max_upload_bytes"))
    hf_offline: bool = Field(False, strict=True, validation_alias=_alias("hf_offline", "HF_HUB_OFFLINE"))
    allow_hardlinks: bool = Field(False, strict=True, validation_alias=_alias("allow_hardlinks"))

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as e:
            raise _invalid(e) from None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keyword arguments, then the environment, parsed by :class:`_Environment`."""
        return init_settings, _Environment(settings_cls)

    @field_validator("workspace", "store_dir")
    @classmethod
    def _resolved(cls, value: Path | None) -> Path | None:
        return None if value is None else value.expanduser().resolve()

    @field_validator(*POSITIVE_SETTINGS, "retention_days", "musicgen_window_s")
    @classmethod
    def _finite(cls, value: float | None, info: Any) -> float | None:
        # NaN and inf pass a plain "> 0" test; inf would also overflow timers and int().
        if value is None:
            return None
        positive = info.field_name in POSITIVE_SETTINGS or info.field_name == "musicgen_window_s"
        if not math.isfinite(value) or value < 0 or (value == 0 and positive):
            kind = "positive" if positive else "zero or more"
            msg = f"must be a finite number, {kind}"
            raise ValueError(msg)
        return value

    @property
    def store_path(self) -> Path:
        """The transcript store directory (``store_dir`` or ``<workspace>/.audio_store``)."""
        return self.store_dir if self.store_dir is not None else self.workspace / ".audio_store"

    @property
    def openai_configured(self) -> bool:
        """Whether an OpenAI key or a compatible server is set, so that the service can be tried."""
        return self.openai_api_key is not None or self.openai_base_url is not None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``env`` (``os.environ`` when omitted); keyword overrides win, None ones are ignored.

        Raises:
            InvalidInputError: a variable does not parse as its setting's type, or a value is out of range.
        """
        token = _ENVIRONMENT.set(env)
        try:
            return cls(**{k: v for k, v in overrides.items() if v is not None})
        finally:
            _ENVIRONMENT.reset(token)

    def with_(self, **changes: Any) -> Settings:
        """A copy with some settings changed, checked like new ones; the environment is not read again."""
        return type(self).from_env({}, **{**dict(self), **changes})


class _Environment(PydanticBaseSettingsSource):
    """Values of ``AUDIO_TOOLS_*`` (and the few standard) variables, parsed to each setting's type.

    Numbers are parsed here (``1e6`` is a fine byte count) so that keyword arguments can stay
    strictly typed: ``Settings(max_duration_s="60")`` is a mistake, ``AUDIO_TOOLS_MAX_DURATION_S=60``
    is not.
    """

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        environment = _ENVIRONMENT.get()
        source = os.environ if environment is None else environment
        choices = field.validation_alias.choices if isinstance(field.validation_alias, AliasChoices) else []
        for name in (c for c in choices if isinstance(c, str) and c != field_name):
            raw = source.get(name)
            if raw:
                return _parse(field_name, name, raw, field.annotation), name, False
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        values = {}
        for field_name, field in self.settings_cls.model_fields.items():
            value, _, _ = self.get_field_value(field, field_name)
            if value is not None:
                values[field_name] = value
        return values


def _parse(field_name: str, variable: str, raw: str, annotation: Any) -> Any:
    kind = str(annotation)
    try:
        if "bool" in kind:
            return raw.strip().lower() in ("1", "true", "yes", "on")
        if "int" in kind:
            return int(float(raw))
        if "float" in kind:
            return float(raw)
    except (ValueError, OverflowError) as e:
        msg = f"Environment variable {variable}={raw!r} is not a finite number; fix or unset it ({field_name})."
        raise InvalidInputError(msg) from e
    if "Path" in kind:
        return Path(raw)
    if "SecretStr" in kind:
        return SecretStr(raw)
    return raw


def _invalid(error: ValidationError) -> InvalidInputError:
    problems = []
    for item in error.errors(include_url=False):
        name = ".".join(str(part) for part in item.get("loc", ())) or "settings"
        reason = str(item.get("msg", "is invalid")).removeprefix("Value error, ")
        problems.append(f"Setting {name} {reason}; got {item.get('input')!r}")
    return InvalidInputError(". ".join(problems) + ". Fix it or unset it.")
