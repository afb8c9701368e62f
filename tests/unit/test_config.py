"""Settings: defaults, environment variables, overrides and bad values."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from audio_tools.config import Settings
from audio_tools.errors import InvalidInputError


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({})
    assert settings.workspace == tmp_path.resolve()
    assert settings.max_input_bytes == 2_000_000_000
    assert settings.max_duration_s == 4 * 3600
    assert (settings.stt, settings.tts, settings.music, settings.device) == ("auto", "auto", "auto", "auto")
    assert settings.store_path == tmp_path.resolve() / ".audio_store"


def test_every_variable_is_read(tmp_path: Path) -> None:
    env = {
        "AUDIO_TOOLS_WORKSPACE": str(tmp_path / "ws"),
        "AUDIO_TOOLS_MAX_INPUT_BYTES": "1e6",
        "AUDIO_TOOLS_MAX_DURATION_S": "90",
        "AUDIO_TOOLS_MAX_TEXT_CHARS": "500",
        "AUDIO_TOOLS_MAX_MUSIC_S": "12.5",
        "AUDIO_TOOLS_FFMPEG_TIMEOUT_S": "30",
        "AUDIO_TOOLS_STT": "whisper:openai/whisper-small",
        "AUDIO_TOOLS_TTS": "flite:slt",
        "AUDIO_TOOLS_MUSIC": "synth",
        "AUDIO_TOOLS_DEVICE": "cpu",
        "AUDIO_TOOLS_STORE_DIR": str(tmp_path / "store"),
        "AUDIO_TOOLS_RETENTION_DAYS": "0",
        "UNRELATED": "ignored",
    }
    settings = Settings.from_env(env)
    assert settings == Settings(
        workspace=tmp_path / "ws",
        max_input_bytes=1_000_000,
        max_duration_s=90.0,
        max_text_chars=500,
        max_music_s=12.5,
        ffmpeg_timeout_s=30.0,
        stt="whisper:openai/whisper-small",
        tts="flite:slt",
        music="synth",
        device="cpu",
        store_dir=tmp_path / "store",
        retention_days=0.0,
    )
    assert isinstance(settings.max_input_bytes, int)
    assert settings.store_path == (tmp_path / "store").resolve()


def test_os_environ_is_the_default_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDIO_TOOLS_MAX_TEXT_CHARS", "42")
    monkeypatch.setenv("AUDIO_TOOLS_STT", "")  # empty means unset
    settings = Settings.from_env()
    assert settings.max_text_chars == 42
    assert settings.stt == "auto"


def test_overrides_win_and_none_is_ignored(tmp_path: Path) -> None:
    env = {"AUDIO_TOOLS_DEVICE": "cpu", "AUDIO_TOOLS_MAX_DURATION_S": "60"}
    settings = Settings.from_env(env, device="cuda", max_duration_s=None, workspace=tmp_path)
    assert settings.device == "cuda"
    assert settings.max_duration_s == 60.0
    assert settings.workspace == tmp_path.resolve()


def test_paths_are_resolved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings(workspace=Path("a/../b"), store_dir=Path("s"))
    assert settings.workspace == tmp_path.resolve() / "b"
    assert settings.store_dir == tmp_path.resolve() / "s"


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("MAX_INPUT_BYTES", "two gigabytes"),
        ("MAX_INPUT_BYTES", "inf"),
        ("MAX_INPUT_BYTES", "nan"),
        ("MAX_DURATION_S", "nan"),
        ("MAX_DURATION_S", "inf"),
        ("MAX_DURATION_S", "0"),
        ("FFMPEG_TIMEOUT_S", "-5"),
        ("MAX_TEXT_CHARS", "1,000"),
        ("RETENTION_DAYS", "-1"),
        ("DEVICE", "tpu"),
    ],
)
def test_bad_environment_values(name: str, raw: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        Settings.from_env({f"AUDIO_TOOLS_{name}": raw})
    message = str(caught.value)
    assert name.lower() in message.lower()
    assert repr(raw) in message or "must be" in message


@pytest.mark.parametrize(
    "changes",
    [{"max_duration_s": "60"}, {"max_input_bytes": True}, {"max_music_s": float("nan")}, {"device": "gpu"}],
)
def test_bad_direct_values(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError, match="Setting"):
        Settings(**changes)  # type: ignore[arg-type]


def test_frozen_and_with(tmp_path: Path) -> None:
    settings = Settings(workspace=tmp_path)
    changed = settings.with_(max_duration_s=5.0)
    assert changed.max_duration_s == 5.0
    assert settings.max_duration_s == 4 * 3600
    assert changed.workspace == settings.workspace
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.device = "cpu"  # type: ignore[misc]
    with pytest.raises(InvalidInputError):
        settings.with_(ffmpeg_timeout_s=0)
