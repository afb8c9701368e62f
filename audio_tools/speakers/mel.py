"""The speaker encoder's front end: a mel power spectrogram, as resemblyzer computes it, in numpy alone.

resemblyzer (``audio.wav_to_mel_spectrogram``) calls ``librosa.feature.melspectrogram`` with
``n_fft=400, hop_length=160, n_mels=40`` at 16 kHz and librosa's other defaults: a periodic
Hann window as long as the FFT, frames centred on their hop (the signal padded with
``n_fft // 2`` zeros at both ends), the power spectrum (``power=2``), and librosa's
Slaney-style mel filterbank (``htk=False``, ``norm="slaney"``, 0 Hz to 8 kHz). This module
reproduces that without librosa, numba or llvmlite. The output is linear power, not its
logarithm: that is what the encoder was trained on.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["HOP", "N_FFT", "N_MELS", "SAMPLE_RATE", "mel_filterbank", "mel_spectrogram", "n_frames"]

SAMPLE_RATE = 16000
N_FFT = SAMPLE_RATE * 25 // 1000  # 25 ms window = 400 samples
HOP = SAMPLE_RATE * 10 // 1000  # 10 ms hop = 160 samples
N_MELS = 40
# Slaney's mel scale: linear below 1 kHz (3 mels per 200 Hz), logarithmic above (27 mels per
# factor 6.4), as librosa.hz_to_mel with htk=False.
_MEL_LINEAR_HZ = 200.0 / 3
_MEL_LOG_FROM_HZ = 1000.0
_MEL_LOG_FROM = _MEL_LOG_FROM_HZ / _MEL_LINEAR_HZ  # 15 mels
_MEL_LOG_STEP = np.log(6.4) / 27.0
# Frames are computed this many at a time, so memory stays small for long recordings
# (4096 frames of 400 float64 samples: 13 MB).
_FRAMES_PER_BLOCK = 4096


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    linear = hz / _MEL_LINEAR_HZ
    logarithmic = _MEL_LOG_FROM + np.log(np.maximum(hz, _MEL_LOG_FROM_HZ) / _MEL_LOG_FROM_HZ) / _MEL_LOG_STEP
    return np.where(hz >= _MEL_LOG_FROM_HZ, logarithmic, linear)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    linear = mel * _MEL_LINEAR_HZ
    logarithmic = _MEL_LOG_FROM_HZ * np.exp(_MEL_LOG_STEP * (np.maximum(mel, _MEL_LOG_FROM) - _MEL_LOG_FROM))
    return np.where(mel >= _MEL_LOG_FROM, logarithmic, linear)


@functools.cache
def mel_filterbank(sr: int = SAMPLE_RATE, n_fft: int = N_FFT, n_mels: int = N_MELS) -> np.ndarray:
    """librosa's ``filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels)``: Slaney scale and area normalisation.

    Triangles between ``n_mels + 2`` points equally spaced in mels from 0 Hz to ``sr / 2``, each
    scaled by ``2 / (its upper edge - its lower edge)`` in Hz, so every band has the same area.

    Returns:
        A read-only float32 array of shape ``(n_mels, n_fft // 2 + 1)``.
    """
    fft_hz = np.fft.rfftfreq(n_fft, d=1.0 / sr)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(np.array(0.0)), _hz_to_mel(np.array(sr / 2.0)), n_mels + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_hz[None, :]
    weights = np.zeros((n_mels, fft_hz.size), dtype=np.float32)
    for band in range(n_mels):
        rising = -ramps[band] / widths[band]
        falling = ramps[band + 2] / widths[band + 1]
        weights[band] = np.maximum(0.0, np.minimum(rising, falling))
    weights *= (2.0 / (edges[2:] - edges[:-2]))[:, None]
    weights.flags.writeable = False
    return weights


@functools.cache
def _window(n_fft: int) -> np.ndarray:
    # scipy.signal.get_window("hann", n_fft, fftbins=True): periodic, as librosa uses it.
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n_fft) / n_fft)
    window.flags.writeable = False
    return window


def n_frames(n_samples: int) -> int:
    """How many frames :func:`mel_spectrogram` returns for ``n_samples`` samples (one per hop, plus one)."""
    return 1 + n_samples // HOP


def mel_spectrogram(samples: np.ndarray) -> np.ndarray:
    """The mel power spectrogram of 16 kHz mono samples, frame ``t`` centred on sample ``160 t``.

    Args:
        samples: float audio at 16 kHz, shape ``(n,)``.

    Returns:
        float32 of shape ``(1 + n // 160, 40)``: frames by mel bands, as resemblyzer's
        ``wav_to_mel_spectrogram``.
    """
    wav = np.asarray(samples, dtype=np.float32).reshape(-1)
    padded = np.pad(wav, N_FFT // 2)
    total = n_frames(wav.size)
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP][:total]
    bank = mel_filterbank().astype(np.float64)
    window = _window(N_FFT)
    out = np.empty((total, N_MELS), dtype=np.float32)
    for first in range(0, total, _FRAMES_PER_BLOCK):
        block = frames[first:first + _FRAMES_PER_BLOCK] * window
        spectrum = np.fft.rfft(block, axis=-1)
        power = spectrum.real**2 + spectrum.imag**2
        out[first:first + block.shape[0]] = power @ bank.T
    return out
