"""Reading, probing, writing and converting audio: every source kind and every format."""

from __future__ import annotations

import base64
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from audio_tools.audio import SAMPLE_RATE, convert, decode_base64, load_audio, probe, save_audio
from audio_tools.config import Settings
from audio_tools.errors import InputTooLargeError, InvalidAudioError, InvalidInputError, OutputExistsError
from audio_tools.workspace import Workspace

# Lossy encoders keep the length within a frame of padding (AAC adds up to 1024 samples at the end).
LENGTH_TOLERANCE_S = 0.07
FORMATS = {  # suffix -> (codec, container as ffprobe names it, lossless)
    "wav": ("pcm_s16le", "wav", True),
    "flac": ("flac", "flac", True),
    "mp3": ("mp3", "mp3", False),
    "ogg": ("vorbis", "ogg", False),
    "m4a": ("aac", "mov,mp4,m4a,3gp,3g2,mj2", False),
}


@pytest.fixture
def speech(workspace: Workspace, speech_wav: Path) -> Path:
    """The session's speech recording, copied into the workspace."""
    return Path(shutil.copy(speech_wav, workspace.root / "speech.wav"))


@pytest.fixture
def reference(speech_wav: Path, settings: Settings) -> np.ndarray:
    return load_audio(speech_wav, settings=settings)


def _assert_mono_float(samples: np.ndarray, expected_len: int, tolerance_s: float = 0.0) -> None:
    assert samples.dtype == np.float32
    assert samples.ndim == 1
    assert abs(samples.size - expected_len) <= tolerance_s * SAMPLE_RATE, (samples.size, expected_len)


def _similarity(a: np.ndarray, b: np.ndarray) -> float:
    n = min(a.size, b.size)
    return float(np.corrcoef(a[:n], b[:n])[0, 1])


def test_reference_speech_is_16k_mono_wav(speech_wav: Path, reference: np.ndarray, settings: Settings) -> None:
    info = probe(speech_wav, settings=settings)
    assert (info.sample_rate, info.channels, info.codec, info.format) == (16000, 1, "pcm_s16le", "wav")
    _assert_mono_float(reference, round(info.duration * SAMPLE_RATE), tolerance_s=0.001)
    assert 1.0 < info.duration < 6.0
    assert np.abs(reference).max() > 0.05  # real speech, not silence


@pytest.mark.parametrize("kind", ["relative str", "absolute Path"])
def test_path_source_inside_workspace(
    kind: str, workspace: Workspace, speech: Path, reference: np.ndarray
) -> None:
    name: str | Path = "speech.wav" if kind == "relative str" else speech
    samples = load_audio(workspace.resolve_input(name), settings=workspace.settings)
    _assert_mono_float(samples, reference.size)
    np.testing.assert_array_equal(samples, reference)


@pytest.mark.parametrize("wrap", [bytes, bytearray])
def test_raw_bytes_source(
    wrap: Callable[[bytes], bytes], speech: Path, reference: np.ndarray, settings: Settings
) -> None:
    samples = load_audio(wrap(speech.read_bytes()), settings=settings)
    np.testing.assert_array_equal(samples, reference)


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda b: base64.b64encode(b).decode(), id="plain"),
        pytest.param(lambda b: "data:audio/wav;base64," + base64.b64encode(b).decode(), id="data-url"),
        pytest.param(lambda b: base64.encodebytes(b).decode(), id="wrapped-lines"),
    ],
)
def test_base64_source(
    encode: Callable[[bytes], str], speech: Path, reference: np.ndarray, settings: Settings
) -> None:
    samples = load_audio(decode_base64(encode(speech.read_bytes()), settings=settings), settings=settings)
    np.testing.assert_array_equal(samples, reference)


@pytest.mark.parametrize("text", ["not base64 at all!", "data:audio/wav;base64,", "   "])
def test_bad_base64_is_invalid_audio(text: str, settings: Settings) -> None:
    with pytest.raises(InvalidAudioError, match="base64"):
        decode_base64(text, settings=settings)


def test_base64_over_size_cap(speech: Path, settings: Settings) -> None:
    text = base64.b64encode(speech.read_bytes()).decode()
    with pytest.raises(InputTooLargeError, match="AUDIO_TOOLS_MAX_INPUT_BYTES"):
        decode_base64(text, settings=settings.with_(max_input_bytes=1000))


@pytest.mark.parametrize("suffix", sorted(FORMATS))
def test_save_then_load_every_format(
    suffix: str, workspace: Workspace, reference: np.ndarray, settings: Settings
) -> None:
    codec, container, lossless = FORMATS[suffix]
    written = save_audio(reference, SAMPLE_RATE, workspace.new_output(f".{suffix}", stem="speech"), settings=settings)
    assert written.parent == workspace.outputs
    info = probe(written, settings=settings)
    assert (info.codec, info.format, info.sample_rate, info.channels) == (codec, container, 16000, 1)
    assert info.size_bytes == written.stat().st_size
    assert info.duration == pytest.approx(reference.size / SAMPLE_RATE, abs=0.11)  # mp3 counts its padding

    samples = load_audio(workspace.resolve_input(written.relative_to(workspace.root)), settings=settings)
    _assert_mono_float(samples, reference.size, LENGTH_TOLERANCE_S)
    if lossless:
        np.testing.assert_allclose(samples, reference, atol=1 / 32768)
    else:
        assert _similarity(samples, reference) > 0.99
    assert not list(workspace.outputs.glob(".*partial*"))  # the temporary file is gone


@pytest.mark.parametrize("suffix", ["wav", "m4a"])
def test_stereo_44k_downmixes_to_the_mean(suffix: str, workspace: Workspace, settings: Settings) -> None:
    sr = 44100
    t = np.arange(2 * sr) / sr
    left = 0.8 * np.sin(2 * np.pi * 440 * t)
    same = save_audio(np.stack([left, left], axis=1), sr, workspace.root / f"same.{suffix}", settings=settings)
    one_side = save_audio(np.stack([left, 0 * left], axis=1), sr, workspace.root / f"left.{suffix}", settings=settings)
    info = probe(same, settings=settings)
    assert (info.sample_rate, info.channels) == (44100, 2)

    for path, amplitude in ((same, 0.8), (one_side, 0.4)):
        samples = load_audio(path, settings=settings)
        _assert_mono_float(samples, 2 * SAMPLE_RATE, LENGTH_TOLERANCE_S)
        middle = samples[SAMPLE_RATE // 4 : -SAMPLE_RATE // 4]  # AAC overshoots at the onset
        assert float(np.sqrt(np.mean(middle**2))) == pytest.approx(amplitude / np.sqrt(2), rel=0.03)


def test_mp4_with_video_decodes_its_audio(workspace: Workspace, settings: Settings) -> None:
    video = workspace.root / "clip.mp4"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error",
         "-f", "lavfi", "-i", "testsrc=size=64x64:rate=10:duration=2",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=2",
         "-c:v", "mpeg4", "-c:a", "aac", "-ac", "2", "-shortest", str(video)],
        check=True, timeout=60,
    )
    info = probe(video, settings=settings)
    assert info.codec == "aac" and "mp4" in info.format and info.channels == 2
    samples = load_audio(workspace.resolve_input("clip.mp4"), settings=settings)
    _assert_mono_float(samples, 2 * SAMPLE_RATE, LENGTH_TOLERANCE_S)
    assert np.abs(samples).max() > 0.05


def test_resample_on_load(speech: Path, reference: np.ndarray, settings: Settings) -> None:
    samples = load_audio(speech, sr=8000, settings=settings)
    assert samples.dtype == np.float32
    assert abs(samples.size - reference.size // 2) <= 1


@pytest.mark.parametrize("sr", [0, -16000, 999, 10_000_000])
def test_bad_sample_rate(sr: int, speech: Path, settings: Settings) -> None:
    with pytest.raises(InvalidInputError, match="Sample rate"):
        load_audio(speech, sr=sr, settings=settings)


def test_silence_is_valid_audio(workspace: Workspace, settings: Settings) -> None:
    path = save_audio(np.zeros(2 * SAMPLE_RATE), SAMPLE_RATE, workspace.root / "silence.flac", settings=settings)
    samples = load_audio(workspace.resolve_input("silence.flac"), settings=settings)
    _assert_mono_float(samples, 2 * SAMPLE_RATE)
    assert not samples.any()
    assert probe(path, settings=settings).duration == pytest.approx(2.0)


def test_wav_with_zero_samples_decodes_to_empty_array(workspace: Workspace, settings: Settings) -> None:
    path = save_audio(np.zeros(0), SAMPLE_RATE, workspace.root / "nothing.wav", settings=settings)
    assert path.stat().st_size > 0  # a real header
    assert probe(path, settings=settings).duration == 0.0
    samples = load_audio(workspace.resolve_input("nothing.wav"), settings=settings)
    assert samples.dtype == np.float32 and samples.shape == (0,)


def test_save_refuses_to_overwrite(workspace: Workspace, reference: np.ndarray, settings: Settings) -> None:
    target = workspace.root / "out.wav"
    save_audio(reference, SAMPLE_RATE, target, settings=settings)
    before = target.read_bytes()
    with pytest.raises(OutputExistsError, match="already exists"):
        save_audio(reference[:100], SAMPLE_RATE, target, settings=settings)
    assert target.read_bytes() == before
    save_audio(reference[:1600], SAMPLE_RATE, target, overwrite=True, settings=settings)
    assert load_audio(target, settings=settings).size == 1600
    assert sorted(p.name for p in workspace.root.iterdir()) == ["out.wav"]


@pytest.mark.parametrize(
    ("samples", "name", "match"),
    [
        (np.zeros(100), "out.aiff", "unknown audio format"),
        (np.zeros(100), "out", "unknown audio format"),
        (np.array([0.0, np.nan]), "out.wav", "NaN"),
        (np.zeros((2, 16000)), "out.wav", "channels"),  # channels first
        (np.zeros((4, 4, 4)), "out.wav", "shape"),
    ],
)
def test_save_refuses_bad_requests(
    samples: np.ndarray, name: str, match: str, workspace: Workspace, settings: Settings
) -> None:
    with pytest.raises(InvalidInputError, match=match):
        save_audio(samples, SAMPLE_RATE, workspace.root / name, settings=settings)
    assert list(workspace.root.iterdir()) == []


def test_save_stereo_keeps_channels(workspace: Workspace, write_tone: Callable[..., Path], settings: Settings) -> None:
    path = write_tone(workspace.root / "tone.flac", seconds=1.0, sr=48000, channels=2)
    info = probe(path, settings=settings)
    assert (info.channels, info.sample_rate, info.codec) == (2, 48000, "flac")


def test_convert_formats_rates_and_channels(workspace: Workspace, speech: Path, settings: Settings) -> None:
    mp3 = convert(speech, workspace.root / "speech.mp3", sr=22050, channels=2, settings=settings)
    info = probe(mp3, settings=settings)
    assert (info.codec, info.sample_rate, info.channels) == ("mp3", 22050, 2)

    back = convert(mp3, workspace.root / "back.flac", sr=16000, channels=1, settings=settings)
    assert probe(back, settings=settings).channels == 1
    assert _similarity(load_audio(back, settings=settings), load_audio(speech, settings=settings)) > 0.99

    with pytest.raises(OutputExistsError):
        convert(speech, back, settings=settings)
    convert(speech, back, overwrite=True, settings=settings)
    assert probe(back, settings=settings).codec == "flac"


@pytest.mark.parametrize(("kwargs", "match"), [({"sr": 10}, "Sample rate"), ({"channels": 0}, "channels")])
def test_convert_refuses_bad_shape(kwargs: dict[str, int], match: str, workspace: Workspace, speech: Path) -> None:
    with pytest.raises(InvalidInputError, match=match):
        convert(speech, workspace.root / "x.wav", settings=workspace.settings, **kwargs)


def test_convert_refuses_non_audio(workspace: Workspace, settings: Settings) -> None:
    text = workspace.root / "notes.wav"
    text.write_text("meeting notes, not audio\n" * 10)
    with pytest.raises(InvalidAudioError, match="not audio"):
        convert(text, workspace.root / "notes.mp3", settings=settings)
    assert sorted(p.name for p in workspace.root.iterdir()) == ["notes.wav"]
