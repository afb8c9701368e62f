"""The speaker encoder against resemblyzer's own output, and its weights' safeguards.

``tests/fixtures/ge2e_reference.npz`` holds resemblyzer 0.1.4's mel frames and embeddings of
cuts of ``design_review.flac`` (made by ``tests/fixtures/make_ge2e_reference.py`` in a separate
environment), so these tests need neither resemblyzer nor librosa.
"""

from __future__ import annotations

import hashlib
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from audio_tools.audio import load_audio
from audio_tools.errors import BackendUnavailableError, InvalidInputError
from audio_tools.speakers import encoder
from audio_tools.speakers.encoder import embed_frames, embed_utterance, load_encoder, normalise_volume, torch_threads
from audio_tools.speakers.mel import N_FFT, N_MELS, mel_filterbank, mel_spectrogram, n_frames
from audio_tools.speakers.weights import ENCODER_TENSORS, WEIGHTS_FILE, WEIGHTS_SHA256, load_state

ROOT = Path(__file__).parents[2]
REFERENCE = np.load(ROOT / "tests" / "fixtures" / "ge2e_reference.npz")
MEETING = ROOT / "examples" / "meetings" / "design_review.flac"
SAMPLE_RATE = 16000


@pytest.fixture(scope="module")
def meeting() -> np.ndarray:
    return load_audio(MEETING)


def test_mel_frames_match_librosa_through_resemblyzer(meeting: np.ndarray) -> None:
    reference = REFERENCE["mel"]
    ours = mel_spectrogram(meeting[:2 * SAMPLE_RATE])
    assert ours.shape == reference.shape == (201, N_MELS)
    assert np.abs(ours - reference).max() <= 1e-6 * reference.max()


def test_filterbank_is_slaney_shaped() -> None:
    bank = mel_filterbank()
    assert bank.shape == (N_MELS, N_FFT // 2 + 1)
    assert not bank.flags.writeable
    assert (bank >= 0).all() and (bank.max(axis=1) > 0).all()
    # area normalisation: each band's weights sum (over Hz) to about the same area
    hz_per_bin = SAMPLE_RATE / N_FFT
    areas = bank.sum(axis=1) * hz_per_bin
    assert np.allclose(areas[5:], 1.0, rtol=0.1)


@pytest.mark.parametrize("samples", [0, 1, 159, 160, 161, 16000])
def test_frame_count(samples: int) -> None:
    assert mel_spectrogram(np.zeros(samples, dtype=np.float32)).shape == (n_frames(samples), N_MELS)


def test_embeddings_match_resemblyzer(meeting: np.ndarray) -> None:
    partials = []
    for (start, end), expected in zip(REFERENCE["spans"], REFERENCE["utterances"], strict=True):
        cut = meeting[round(float(start) * SAMPLE_RATE):round(float(end) * SAMPLE_RATE)]
        embedding, parts = embed_utterance(cut)
        assert float(embedding @ expected) >= 0.99999
        partials.append(parts)
    ours = np.concatenate(partials)
    assert ours.shape == REFERENCE["partials"].shape
    assert float(np.min(np.sum(ours * REFERENCE["partials"], axis=1))) >= 0.99999


def test_embeddings_are_unit_and_non_negative() -> None:
    rng = np.random.default_rng(0)
    out = embed_frames(rng.random((3, 150, N_MELS), dtype=np.float32))
    assert out.shape == (3, 256)
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert (out >= 0).all()
    assert embed_frames(np.zeros((0, 150, N_MELS), dtype=np.float32)).shape == (0, 256)
    with pytest.raises(InvalidInputError, match="shape"):
        embed_frames(np.zeros((2, 150, 80), dtype=np.float32))


def test_model_loaded_once_per_process() -> None:
    assert load_encoder() is load_encoder()


def test_shipped_weights_are_the_pinned_ones() -> None:
    assert hashlib.sha256(WEIGHTS_FILE.read_bytes()).hexdigest() == WEIGHTS_SHA256
    state = load_state()
    assert set(state) == set(ENCODER_TENSORS)
    assert sum(t.numel() for t in state.values()) == 1_423_616
    licence = WEIGHTS_FILE.with_name("LICENSE").read_text()
    assert "Apache License" in licence and "Resemble.AI" in licence
    assert "Resemblyzer 0.1.4" in WEIGHTS_FILE.with_name("NOTICE").read_text()


def test_changed_weights_are_refused(tmp_path: Path) -> None:
    changed = tmp_path / "ge2e.safetensors"
    shutil.copyfile(WEIGHTS_FILE, changed)
    data = bytearray(changed.read_bytes())
    data[-1] ^= 0x01  # one bit of the last weight
    changed.write_bytes(bytes(data))
    with pytest.raises(BackendUnavailableError, match="sha256"):
        load_state(changed)


def test_missing_weights_are_refused(tmp_path: Path) -> None:
    with pytest.raises(BackendUnavailableError, match="cannot be read"):
        load_state(tmp_path / "absent.safetensors")


def test_thread_count_is_restored() -> None:
    before = torch.get_num_threads()
    wanted = 1 if before != 1 else 2
    with torch_threads(wanted):
        assert torch.get_num_threads() == wanted
    assert torch.get_num_threads() == before
    with torch_threads(None):
        assert torch.get_num_threads() == before


def test_thread_count_is_restored_after_an_error() -> None:
    before = torch.get_num_threads()
    with pytest.raises(RuntimeError), torch_threads(1 if before != 1 else 2):
        raise RuntimeError
    assert torch.get_num_threads() == before


def test_thread_blocks_run_one_at_a_time() -> None:
    inside = []
    overlap = threading.Event()

    def work() -> None:
        with torch_threads(1):
            inside.append(1)
            if len(inside) > 1:
                overlap.set()
            threading.Event().wait(0.05)
            inside.pop()

    workers = [threading.Thread(target=work) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not overlap.is_set()


def test_volume_is_raised_never_lowered() -> None:
    quiet = np.full(1000, 0.001, dtype=np.float32)
    raised = normalise_volume(quiet)
    assert 20 * np.log10(np.sqrt(np.mean(raised.astype(np.float64) ** 2))) == pytest.approx(encoder.TARGET_DBFS)
    loud = np.full(1000, 0.5, dtype=np.float32)
    assert normalise_volume(loud) is loud or np.array_equal(normalise_volume(loud), loud)
    assert not normalise_volume(np.zeros(10, dtype=np.float32)).any()
