"""Settings: defaults, environment variables, overrides and bad values."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

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
    assert settings.speaker_threads == 1


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
        "AUDIO_TOOLS_WHISPER_MODEL": "openai/whisper-tiny",
        "AUDIO_TOOLS_WHISPER_BATCH_SIZE": "8",
        "AUDIO_TOOLS_SPEAKER_THREADS": "2",
        "AUDIO_TOOLS_MUSICGEN_WINDOW_S": "12",
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
        "AUDIO_TOOLS_OPENAI_MAX_UPLOAD_BYTES": "600e3",
        "HF_HUB_OFFLINE": "1",
        "UNRELATED": "ignored",
    }
    settings = Settings.from_env(env)
    assert settings == Settings.from_env(
        {},
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
        whisper_model="openai/whisper-tiny",
        whisper_batch_size=8,
        speaker_threads=2,
        musicgen_window_s=12.0,
        openai_api_key=SecretStr("sk-test"),
        openai_base_url="http://127.0.0.1:9/v1",
        openai_max_upload_bytes=600_000,
        hf_offline=True,
    )
    assert isinstance(settings.max_input_bytes, int)
    assert "sk-test" not in repr(settings)  # the key is a secret
    assert settings.store_path == (tmp_path / "store").resolve()


def test_our_prefix_wins_over_the_standard_variables() -> None:
    env = {"OPENAI_API_KEY": "standard", "AUDIO_TOOLS_OPENAI_API_KEY": "ours", "OPENAI_BASE_URL": "http://a/v1"}
    settings = Settings.from_env(env)
    assert settings.openai_api_key is not None and settings.openai_api_key.get_secret_value() == "ours"
    assert settings.openai_base_url == "http://a/v1" and settings.openai_configured
    assert not Settings.from_env({}).openai_configured


def test_settings_are_hashable_and_equal_by_value(tmp_path: Path) -> None:
    a, b = Settings.from_env({}, workspace=tmp_path), Settings.from_env({}, workspace=tmp_path)
    assert a == b and hash(a) == hash(b)
    assert a != a.with_(max_duration_s=5.0)


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
        ("SPEAKER_THREADS", "many"),
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
    with pytest.raises(ValidationError, match="frozen"):
        settings.device = "cpu"
    with pytest.raises(InvalidInputError):
        settings.with_(ffmpeg_timeout_s=0)
