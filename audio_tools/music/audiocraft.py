"""``audiocraft[:small|medium|large|melody|HUB_ID]``: MusicGen through Meta's audiocraft package.

An optional extra: audiocraft pins torch 2.1, torchvision 0.16 and av 11, so it cannot share
an environment with the torch this package is tested on. Install it in a separate
virtual environment that has torch 2.1::

    pip install 'torch==2.1.*' 'langchain-audio-tools[audiocraft]'

audiocraft continues past the model's 30 s window on its own (each new window is
prompted with the tokens of the previous one), so any duration is one call here.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from audio_tools.config import Settings
from audio_tools.errors import BackendError, BackendUnavailableError
from audio_tools.hub import torch_device
from audio_tools.music.base import sample_count
from audio_tools.music.hub import missing_weights_message
from audio_tools.registry import BackendSpec
from audio_tools.results import Progress

__all__ = ["CHECKPOINTS", "INSTALL_HINT", "AudiocraftBackend", "make"]

CHECKPOINTS = {
    "small": "facebook/musicgen-small",
    "medium": "facebook/musicgen-medium",
    "large": "facebook/musicgen-large",
    "melody": "facebook/musicgen-melody",
}
DEFAULT_SIZE = "small"
INSTALL_HINT = (
    "Install it in a separate virtual environment with torch 2.1 (audiocraft pins torch 2.1, "
    "torchvision 0.16 and av 11): pip install 'torch==2.1.*' 'langchain-audio-tools[audiocraft]'. "
    "Or use 'musicgen' (the same models through transformers) or the offline 'synth'."
)


class AudiocraftBackend:
    """A loaded audiocraft ``MusicGen``.

    Args:
        model: the ``audiocraft.models.MusicGen`` instance.
        name: the spec recorded in results.
    """

    def __init__(self, model: Any, name: str) -> None:
        self.model = model
        self.name = name
        self.sample_rate = int(model.sample_rate)
        self.frame_rate = float(model.frame_rate)
        self._lock = threading.Lock()

    def generate(
        self, prompt: str, duration_s: float, *, seed: int, progress: Progress | None = None
    ) -> np.ndarray:
        """At least ``duration_s`` of music, mono float32."""
        import torch

        # audiocraft generates int(duration * frame_rate) frames: ask for one more to cover the rest
        frames = sample_count(duration_s, self.sample_rate) * self.frame_rate / self.sample_rate
        wanted_s = (int(frames) + 1) / self.frame_rate
        device = self.model.device
        cuda = [device.index or 0] if device.type == "cuda" else []
        with self._lock, torch.random.fork_rng(devices=cuda):
            torch.manual_seed(seed)
            self.model.set_generation_params(duration=wanted_s)
            self.model.set_custom_progress_callback(
                None if progress is None
                else lambda done, _total: progress(min(done / self.frame_rate, duration_s), duration_s))
            try:
                wav = self.model.generate([prompt], progress=progress is not None)
            except (RuntimeError, ValueError) as e:
                msg = f"audiocraft failed while generating ({e}). Try a shorter duration or another backend."
                raise BackendError(msg) from e
        return wav[0].float().cpu().numpy().mean(axis=0).astype(np.float32)


def make(spec: BackendSpec, settings: Settings) -> AudiocraftBackend:
    """Registry factory for ``audiocraft[:small|medium|large|melody|HUB_ID]``.

    Raises:
        BackendUnavailableError: audiocraft is not installed, or the weights cannot be loaded.
    """
    try:
        from audiocraft.models import MusicGen
    except ImportError as e:
        msg = f"The audiocraft backend needs the audiocraft package, which is not installed ({e}). {INSTALL_HINT}"
        raise BackendUnavailableError(msg) from e
    size = spec.model or DEFAULT_SIZE
    checkpoint = CHECKPOINTS.get(size, size)
    try:
        model = MusicGen.get_pretrained(checkpoint, device=torch_device(settings))
    except (OSError, ValueError) as e:
        raise BackendUnavailableError(missing_weights_message(checkpoint, e)) from e
    return AudiocraftBackend(model, f"audiocraft:{size}")
