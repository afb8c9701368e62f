"""Settings shared by every capability, read from environment variables or passed in.

| setting           | env var                          | default                    |
|-------------------|----------------------------------|----------------------------|
| workspace         | AUDIO_TOOLS_WORKSPACE            | the current directory      |
| max_input_bytes   | AUDIO_TOOLS_MAX_INPUT_BYTES      | 2 GB                       |
| max_duration_s    | AUDIO_TOOLS_MAX_DURATION_S       | 4 h                        |
| max_text_chars    | AUDIO_TOOLS_MAX_TEXT_CHARS       | 100,000                    |
| max_music_s       | AUDIO_TOOLS_MAX_MUSIC_S          | 300                        |
| ffmpeg_timeout_s  | AUDIO_TOOLS_FFMPEG_TIMEOUT_S     | 3600                       |
| stt / tts / music | AUDIO_TOOLS_STT / _TTS / _MUSIC  | auto                       |
| device            | AUDIO_TOOLS_DEVICE               | auto (cuda when available) |
| store_dir         | AUDIO_TOOLS_STORE_DIR            | <workspace>/.audio_store   |
| retention_days    | AUDIO_TOOLS_RETENTION_DAYS       | 7                          |
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from audio_tools.errors import InvalidInputError

__all__ = ["ENV_PREFIX", "Settings"]

ENV_PREFIX = "AUDIO_TOOLS_"

Device = Literal["auto", "cpu", "cuda"]
POSITIVE_SETTINGS = ("max_input_bytes", "max_duration_s", "max_text_chars", "max_music_s", "ffmpeg_timeout_s")


@dataclass(frozen=True)
class Settings:
    """Configuration of the toolkit: where files may live, caps, default backends, device.

    Args:
        workspace: root directory every tool is confined to.
        max_input_bytes: largest input file accepted.
        max_duration_s: longest input audio accepted.
        max_text_chars: longest text accepted for speech synthesis.
        max_music_s: longest music a single request may generate.
        ffmpeg_timeout_s: wall-clock limit of one ffmpeg run.
        stt: default speech-to-text backend spec (``family[:model]``).
        tts: default text-to-speech backend spec.
        music: default text-to-music backend spec.
        device: ``cpu``, ``cuda`` or ``auto``.
        store_dir: where the transcript store lives; defaults inside the workspace.
        retention_days: age after which ``clean`` removes generated outputs.
    """

    workspace: Path = field(default_factory=Path.cwd)
    max_input_bytes: int = 2_000_000_000
    max_duration_s: float = 4 * 3600.0
    max_text_chars: int = 100_000
    max_music_s: float = 300.0
    ffmpeg_timeout_s: float = 3600.0
    stt: str = "auto"
    tts: str = "auto"
    music: str = "auto"
    device: Device = "auto"
    store_dir: Path | None = None
    retention_days: float = 7.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "workspace", Path(self.workspace).expanduser().resolve())
        if self.store_dir is not None:
            object.__setattr__(self, "store_dir", Path(self.store_dir).expanduser().resolve())
        for name in (*POSITIVE_SETTINGS, "retention_days"):
            value = getattr(self, name)
            # NaN and inf pass a plain "> 0" test; inf would also overflow timers and int().
            usable = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
            if not usable or value < 0 or (value == 0 and name in POSITIVE_SETTINGS):
                kind = "positive" if name in POSITIVE_SETTINGS else "zero or more"
                msg = f"Setting {name} must be a finite number, {kind}; got {value!r}. Fix it or unset it."
                raise InvalidInputError(msg)
        if self.device not in ("auto", "cpu", "cuda"):
            msg = f"Setting device must be auto, cpu or cuda, got {self.device!r}."
            raise InvalidInputError(msg)

    @property
    def store_path(self) -> Path:
        """The transcript store directory (``store_dir`` or ``<workspace>/.audio_store``)."""
        return self.store_dir if self.store_dir is not None else self.workspace / ".audio_store"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from ``AUDIO_TOOLS_*`` variables; keyword overrides win.

        Args:
            env: the environment to read; ``os.environ`` when omitted.
            **overrides: explicit values (e.g. from CLI flags); ``None`` values are ignored.

        Raises:
            InvalidInputError: a variable does not parse as its setting's type.
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(f.name, raw, f.default)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        """A copy with some settings changed."""
        return replace(self, **changes)


def _parse(name: str, raw: str, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            return raw.lower() in ("1", "true", "yes", "on")
        if isinstance(default, int):
            return int(float(raw))
        if isinstance(default, float):
            return float(raw)
    except (ValueError, OverflowError) as e:
        msg = f"Environment variable {ENV_PREFIX}{name.upper()}={raw!r} is not a finite number; fix or unset it."
        raise InvalidInputError(msg) from e
    return raw
