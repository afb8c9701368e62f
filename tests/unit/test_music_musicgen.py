"""``musicgen:DIR`` through the real transformers path, with tiny random MusicGen checkpoints.

The models are built from configs and saved with ``save_pretrained`` (tests/helpers), then
loaded by folder exactly as a downloaded checkpoint would be. Their audio is noise; the
tests check lengths, the window continuation, the joins, seeds, progress and errors. The
window is set to 1 s so that 2.5 s of music takes three windows.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers.tiny_musicgen import FRAME_RATE, HOP, SAMPLE_RATE, build_tiny_musicgen

from audio_tools.config import Settings
from audio_tools.errors import BackendUnavailableError, InvalidInputError
from audio_tools.music import MUSIC_BACKENDS, generate_music
from audio_tools.music.crossfade import equal_power_crossfade
from audio_tools.music.hub import weights_available
from audio_tools.music.musicgen import MusicgenBackend, Window, plan_windows

WINDOW_S = 1.0


@pytest.fixture(scope="session")
def tiny_musicgen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_musicgen(tmp_path_factory.mktemp("music") / "tiny-musicgen")


@pytest.fixture(scope="session")
def tiny_musicgen_stereo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_musicgen(tmp_path_factory.mktemp("music") / "tiny-musicgen-stereo", stereo=True)


@pytest.fixture
def cpu() -> Settings:
    return Settings(device="cpu", musicgen_window_s=WINDOW_S)


class GenerateSpy:
    """Wraps the real ``model.generate`` and records what each call got and returned."""

    def __init__(self, model: Any) -> None:
        self.real = model.generate
        self.calls: list[dict[str, Any]] = []
        self.outputs: list[np.ndarray] = []

    def __call__(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        values = self.real(**kwargs)
        self.outputs.append(values[0].float().numpy())
        return values


def backend_with_spy(spec: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
                     ) -> tuple[MusicgenBackend, GenerateSpy]:
    backend = MUSIC_BACKENDS.get(spec, settings)
    assert isinstance(backend, MusicgenBackend)
    spy = GenerateSpy(backend.model)
    monkeypatch.setattr(backend.model, "generate", spy)
    return backend, spy


def test_plan_windows_covers_the_frames_with_overlapping_windows() -> None:
    assert plan_windows(10, 25, 8) == [Window(0, 10)]
    assert plan_windows(63, 25, 8) == [Window(0, 25), Window(8, 17), Window(8, 17), Window(8, 4)]
    with pytest.raises(InvalidInputError):
        plan_windows(63, 25, 25)


def test_short_music_is_one_window_of_frames_at_the_codec_rate(
    tiny_musicgen: Path, cpu: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = f"musicgen:{tiny_musicgen}"
    backend, spy = backend_with_spy(spec, cpu, monkeypatch)
    music = generate_music("calm piano", 0.5, backend=spec, seed=1, settings=cpu)
    assert (music.backend, music.sample_rate, music.samples.shape) == (spec, SAMPLE_RATE, (2000,))
    assert backend.delay == 1
    # 0.5 s = 12.5 frames -> 13 frames, plus one token for the codebook delay
    assert len(spy.calls) == 1 and spy.calls[0]["max_new_tokens"] == 13 + 1
    assert "input_values" not in spy.calls[0]


def test_window_continuation_makes_2_5_windows_without_clicks(
    tiny_musicgen: Path, cpu: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = f"musicgen:{tiny_musicgen}"
    backend, spy = backend_with_spy(spec, cpu, monkeypatch)
    duration = 2.5 * WINDOW_S
    seen: list[tuple[float, float]] = []
    music = generate_music("happy drums", duration, backend=spec, seed=7, settings=cpu,
                           progress=lambda done, total: seen.append((done, total)))
    x = music.samples
    assert x.shape == (round(duration * SAMPLE_RATE),)
    done = [d for d, _ in seen]
    assert done == sorted(done) and seen[-1] == pytest.approx((duration, duration))

    window_frames, context_frames = round(WINDOW_S * FRAME_RATE), backend.context_frames
    windows = plan_windows(math.ceil(duration * FRAME_RATE), window_frames, context_frames)
    assert len(spy.calls) == len(windows) == 4  # 25 frames, then 17 new ones per window after 8 of context
    context, fade = context_frames * HOP, backend.crossfade

    # each continuation is prompted with the tail of the audio made so far
    ends = np.cumsum([w.new_frames * HOP for w in windows])
    for call, end in zip(spy.calls[1:], ends[:-1], strict=True):
        prompt = call["input_values"][0, 0].numpy()
        assert prompt.shape == (context,)
        np.testing.assert_allclose(prompt[: context - fade], x[end - context : end - fade], atol=1e-6)

    # the first window survives untouched up to the first crossfade
    first = generate_music("happy drums", WINDOW_S, backend=spec, seed=7, settings=cpu).samples
    np.testing.assert_allclose(x[: ends[0] - fade], first[: ends[0] - fade], atol=1e-6)

    # everything outside the fades is a window's own new audio; each fade blends the old audio's
    # tail into the next window's rendering of that same stretch
    starts = np.concatenate([[0], ends[:-1]])

    def new_audio(k: int) -> np.ndarray:  # what window k added, as it came out of the model
        offset = 0 if k == 0 else context
        return spy.outputs[k][0, offset : offset + ends[k] - starts[k]]

    for k, (start, end) in enumerate(zip(starts, ends, strict=True)):
        segment = x[start:end]  # the last window runs past the duration and was trimmed
        stop = len(segment) - fade if k < len(ends) - 1 else len(segment)  # the next join's fade
        np.testing.assert_allclose(segment[:stop], new_audio(k)[:stop], atol=1e-6)
        if k:
            rendering = spy.outputs[k][0, context - fade : context]
            np.testing.assert_allclose(x[start - fade : start],
                                       equal_power_crossfade(new_audio(k - 1)[-fade:], rendering), atol=1e-6)

    # no click: the largest sample-to-sample step around a join is no larger than elsewhere
    steps = np.abs(np.diff(x))
    near_joins = np.zeros(len(steps), dtype=bool)
    for end in ends[:-1]:
        near_joins[end - fade - 8 : end + 8] = True
    assert steps[near_joins].max() <= steps[~near_joins].max()
    assert steps[near_joins].mean() <= 1.5 * steps[~near_joins].mean()


def test_stereo_checkpoints_are_continued_and_mixed_to_mono(tiny_musicgen_stereo: Path, cpu: Settings) -> None:
    music = generate_music("sad strings", 1.5, backend=f"musicgen:{tiny_musicgen_stereo}", seed=1, settings=cpu)
    assert music.samples.shape == (6000,) and music.samples.dtype == np.float32  # two windows


def test_the_seed_makes_the_music(tiny_musicgen: Path, cpu: Settings) -> None:
    spec = f"musicgen:{tiny_musicgen}"
    a, b, c = (generate_music("calm", 0.6, backend=spec, seed=seed, settings=cpu).samples for seed in (3, 3, 4))
    assert np.array_equal(a, b) and not np.allclose(a, c)


def test_auto_picks_musicgen_when_its_weights_are_here(
    tiny_musicgen: Path, cpu: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("audio_tools.music.auto.DEFAULT_MUSICGEN_MODEL", str(tiny_musicgen))
    assert weights_available(str(tiny_musicgen))
    assert MUSIC_BACKENDS.get("auto", cpu).name == f"musicgen:{tiny_musicgen}"


def test_window_setting_is_checked(tiny_musicgen: Path, cpu: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InvalidInputError, match="AUDIO_TOOLS_MUSICGEN_WINDOW_S"):
        Settings.from_env({"AUDIO_TOOLS_MUSICGEN_WINDOW_S": "soon"})
    with pytest.raises(InvalidInputError, match="outside what this model handles"):  # 512 positions: 20 s
        MUSIC_BACKENDS.get(f"musicgen:{tiny_musicgen}", cpu.with_(musicgen_window_s=60.0))


def test_missing_weights_say_how_to_get_them(tmp_path: Path, cpu: Settings) -> None:
    if weights_available():
        pytest.skip("facebook/musicgen-small is cached here; it would load")
    with pytest.raises(BackendUnavailableError, match="hf download facebook/musicgen-small"):
        MUSIC_BACKENDS.get("musicgen", cpu)
    empty = tmp_path / "empty-model"
    empty.mkdir()
    with pytest.raises(BackendUnavailableError, match="save_pretrained"):
        MUSIC_BACKENDS.get(f"musicgen:{empty}", cpu)
