"""``hf:MODEL``: a Hugging Face model through the transformers ``text-to-speech`` pipeline.

Works with VITS checkpoints (MMS-TTS, e.g. ``facebook/mms-tts-eng``; multi-speaker ones take
the speaker number as the voice) and Bark (``suno/bark-small``; its voice presets such as
``v2/en_speaker_6`` are the voices). ``MODEL`` is a hub id already in the local cache or a
directory written by ``save_pretrained``. The pipeline is built once per process by the
registry; calls are serialised because a model is not safe to run from two threads.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from audio_tools.config import Settings
from audio_tools.errors import BackendError, BackendUnavailableError
from audio_tools.hub import torch_device
from audio_tools.registry import BackendSpec, load_once
from audio_tools.tts.base import BaseBackend

__all__ = ["HFBackend", "make"]

DEFAULT_MODEL = "facebook/mms-tts-eng"
DEFAULT_VOICE = "default"
# Characters per call: VITS degrades on very long inputs; Bark speaks about 13 s per call.
MAX_CHARS = {"vits": 400, "bark": 200}
OTHER_MAX_CHARS = 300


class HFBackend(BaseBackend):
    """A transformers text-to-speech pipeline.

    Args:
        pipe: the built ``TextToAudioPipeline``.
        model: the model id or directory it was loaded from.
    """

    name = "hf"

    def __init__(self, pipe: Any, model: str, lock: threading.Lock) -> None:
        self.pipe = pipe
        self.model = model
        self.model_type = str(pipe.model.config.model_type)
        self.sample_rate = int(pipe.sampling_rate)
        self.max_chars = MAX_CHARS.get(self.model_type, OTHER_MAX_CHARS)
        self.default_voice = DEFAULT_VOICE
        self.voices = (DEFAULT_VOICE, *self._model_voices())
        self._lock = lock  # a pipeline runs one call at a time, whoever shares it

    def _model_voices(self) -> list[str]:
        if self.model_type == "vits":
            speakers = int(self.pipe.model.config.num_speakers)
            return [str(i) for i in range(speakers)] if speakers > 1 else []
        if self.model_type == "bark" and self.pipe.processor is not None:
            return list(self.pipe.processor.available_voice_presets)
        return []

    def synthesize_chunk(self, text: str, voice: str) -> np.ndarray:
        """Run the pipeline on ``text`` (see :meth:`TTSBackend.synthesize_chunk`)."""
        forward_params = self._voice_params(self.check_voice(voice))
        try:
            with self._lock:
                output = self.pipe(text, forward_params=forward_params)
        except (RuntimeError, ValueError, IndexError) as e:
            msg = f"The model {self.model} failed on the text ({e}). Try shorter or plainer text."
            raise BackendError(msg) from e
        audio = np.asarray(output["audio"], dtype=np.float32)
        return audio.mean(axis=0) if audio.ndim == 2 else audio.reshape(-1)

    def _voice_params(self, voice: str) -> dict[str, Any]:
        if voice == DEFAULT_VOICE:
            return {}
        if self.model_type == "vits":
            return {"speaker_id": int(voice)}
        # Bark: the pipeline cannot pass a preset to the processor, so load it here and
        # hand it to generate(); only listed presets get here, never a file path.
        return {"history_prompt": self.pipe.processor(text="", voice_preset=voice)["history_prompt"]}


def make(spec: BackendSpec, settings: Settings) -> HFBackend:
    """Factory for ``hf[:MODEL]``.

    Raises:
        BackendUnavailableError: the model is neither a directory nor in the local cache
            (and cannot be downloaded), is not a text-to-speech model, or CUDA was asked
            for and is missing.
    """
    from transformers import pipeline

    model = spec.model or DEFAULT_MODEL
    device = torch_device(settings)

    def load() -> tuple[Any, threading.Lock]:
        try:
            # "text-to-audio" is the canonical name of the "text-to-speech" task (one pipeline class)
            pipe = pipeline("text-to-audio", model=model, device=device)
        except (OSError, ValueError, KeyError) as e:
            msg = (f"Cannot load the text-to-speech model {model!r} ({e}). Give a directory saved with "
                   f"save_pretrained, or download the model first (e.g. 'hf download {model}').")
            raise BackendUnavailableError(msg) from e
        if pipe.sampling_rate is None:
            msg = f"The model {model!r} does not say its sampling rate; it cannot be used for speech here."
            raise BackendUnavailableError(msg)
        return pipe, threading.Lock()

    pipe, lock = load_once(("hf-tts", model, device), load)
    return HFBackend(pipe, model, lock)
