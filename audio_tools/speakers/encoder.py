"""The speaker encoder: resemblyzer's GE2E network as a small torch module of ours.

A 3-layer LSTM reads mel frames (:mod:`audio_tools.speakers.mel`, 40 bands every 10 ms); its
last layer's final hidden state goes through a 256 -> 256 linear layer and a ReLU, and is
scaled to unit length. Two windows of one voice give embeddings with a cosine similarity near
1; different voices give less (about 0.6 to 0.85 for synthetic voices).

:func:`embed_utterance` is resemblyzer's ``VoiceEncoder.embed_utterance`` (partial windows of
160 frames, 1.3 per second, the last kept when it is at least 75 % covered; their embeddings
averaged and normalised), which is how this module is checked against resemblyzer.

The model is loaded once per process (:func:`~audio_tools.registry.load_once`). torch's thread
count is process wide, so :func:`torch_threads` sets it only while the encoder runs and puts
the previous value back afterwards.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from audio_tools.errors import InvalidInputError
from audio_tools.registry import load_once
from audio_tools.speakers.mel import HOP, N_MELS, SAMPLE_RATE, mel_spectrogram
from audio_tools.speakers.weights import WEIGHTS_SHA256, load_state

if TYPE_CHECKING:
    import torch

__all__ = [
    "EMBEDDING_SIZE",
    "PARTIAL_FRAMES",
    "embed_frames",
    "embed_utterance",
    "load_encoder",
    "normalise_volume",
    "torch_threads",
]

HIDDEN_SIZE = 256
EMBEDDING_SIZE = 256
LAYERS = 3
# resemblyzer's partial utterances: 160 frames of 10 ms = 1.6 s, 1.3 per second, the last one
# kept when at least 75 % of it is audio.
PARTIAL_FRAMES = 160
PARTIALS_PER_S = 1.3
MIN_COVERAGE = 0.75
# resemblyzer's preprocess_wav raises quiet recordings to -30 dBFS (RMS), never lowers loud
# ones; the encoder was trained on audio levelled so.
TARGET_DBFS = -30.0
# Windows go through the LSTM this many at a time: enough to keep the matrix products busy, and
# the LSTM's buffers small (64 windows x 160 frames x 4 gates x 256 units x 4 bytes = 42 MB).
BATCH = 64

_threads_lock = threading.Lock()


def _build() -> torch.nn.Module:
    import torch

    class GE2EEncoder(torch.nn.Module):
        """LSTM (40 -> 256, 3 layers) + Linear (256 -> 256) + ReLU, L2-normalised."""

        def __init__(self) -> None:
            super().__init__()
            self.lstm = torch.nn.LSTM(N_MELS, HIDDEN_SIZE, LAYERS, batch_first=True)
            self.linear = torch.nn.Linear(HIDDEN_SIZE, EMBEDDING_SIZE)

        def forward(self, mels: torch.Tensor) -> torch.Tensor:
            _, (hidden, _) = self.lstm(mels)
            raw = torch.relu(self.linear(hidden[-1]))
            return raw / torch.linalg.vector_norm(raw, dim=1, keepdim=True).clamp_min(1e-12)

    model = GE2EEncoder()
    model.load_state_dict(load_state(), strict=True)
    model.eval()
    model.requires_grad_(False)
    return model


def load_encoder() -> torch.nn.Module:
    """The encoder on the CPU, loaded once per process (its weights checked by sha256 first).

    Raises:
        BackendUnavailableError: the weights file is missing or not the one shipped.
    """
    return load_once(("ge2e-speaker-encoder", WEIGHTS_SHA256), _build)


@contextlib.contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """torch's intra-op thread count set to ``threads`` inside the block, the previous count restored after.

    Blocks using it run one at a time, so two callers never undo each other's setting. With
    ``threads`` None the count is left as it is.
    """
    import torch

    if threads is None:
        yield
        return
    with _threads_lock:
        previous = torch.get_num_threads()
        if previous != threads:
            torch.set_num_threads(threads)
        try:
            yield
        finally:
            if torch.get_num_threads() != previous:
                torch.set_num_threads(previous)


def embed_frames(mels: np.ndarray, *, threads: int | None = None) -> np.ndarray:
    """Embeddings of windows of mel frames, all of one length.

    Args:
        mels: float32 of shape ``(windows, frames, 40)``.
        threads: torch threads while the encoder runs (None: torch's current count).

    Returns:
        float32 of shape ``(windows, 256)``, each of unit length.
    """
    import torch

    batch = np.ascontiguousarray(mels, dtype=np.float32)
    if batch.ndim != 3 or batch.shape[2] != N_MELS:  # (windows, frames, bands)
        msg = f"mels must have shape (windows, frames, {N_MELS}), not {batch.shape}"
        raise InvalidInputError(msg)
    out = np.empty((batch.shape[0], EMBEDDING_SIZE), dtype=np.float32)
    if batch.shape[0] == 0:
        return out
    model = load_encoder()
    with torch_threads(threads), torch.inference_mode():
        for first in range(0, batch.shape[0], BATCH):
            out[first:first + BATCH] = model(torch.from_numpy(batch[first:first + BATCH])).numpy()
    return out


def normalise_volume(samples: np.ndarray, target_dbfs: float = TARGET_DBFS) -> np.ndarray:
    """``samples`` raised to an RMS of ``target_dbfs`` when quieter, unchanged otherwise (as resemblyzer)."""
    wav = np.asarray(samples, dtype=np.float32)
    rms = float(np.sqrt(np.mean(np.square(wav, dtype=np.float64)))) if wav.size else 0.0
    if rms == 0.0:
        return wav
    gain_db = target_dbfs - 20.0 * np.log10(rms)
    return wav if gain_db <= 0 else (wav * np.float32(10.0 ** (gain_db / 20.0))).astype(np.float32)


def _partial_starts(n_samples: int) -> list[int]:
    # resemblyzer's VoiceEncoder.compute_partial_slices(n_samples, rate=1.3, min_coverage=0.75).
    frames = int(np.ceil((n_samples + 1) / HOP))
    step = round(SAMPLE_RATE / PARTIALS_PER_S / HOP)
    starts = list(range(0, max(1, frames - PARTIAL_FRAMES + step + 1), step))
    coverage = (n_samples - starts[-1] * HOP) / (PARTIAL_FRAMES * HOP)
    if coverage < MIN_COVERAGE and len(starts) > 1:
        starts.pop()
    return starts


def embed_utterance(samples: np.ndarray, *, threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One embedding for a whole utterance, as resemblyzer's ``VoiceEncoder.embed_utterance``.

    Args:
        samples: 16 kHz mono float audio (not levelled here: see :func:`normalise_volume`).
        threads: torch threads while the encoder runs.

    Returns:
        The utterance's embedding ``(256,)`` and its partial windows' embeddings ``(n, 256)``.
    """
    wav = np.asarray(samples, dtype=np.float32).reshape(-1)
    starts = _partial_starts(wav.size)
    end = (starts[-1] + PARTIAL_FRAMES) * HOP
    if end >= wav.size:
        wav = np.pad(wav, (0, end - wav.size))
    mel = mel_spectrogram(wav)
    partials = embed_frames(np.stack([mel[s:s + PARTIAL_FRAMES] for s in starts]), threads=threads)
    mean = partials.mean(axis=0)
    return (mean / np.linalg.norm(mean)).astype(np.float32), partials
