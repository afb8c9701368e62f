"""``musicgen[:MODEL]``: MusicGen through transformers, any length by continued windows.

``MODEL`` is a hub id (default ``facebook/musicgen-small``) or a folder written by
``save_pretrained`` holding the model and its processor; ``HF_HUB_OFFLINE=1`` is honoured.
The model runs on CUDA in float16 when available (the ``device`` setting), else on CPU, and is
loaded once per process and device (:func:`audio_tools.registry.load_once`).

The duration becomes a number of audio frames at the codec's frame rate (50 per second
for the released checkpoints), plus the codebook delay of MusicGen's token pattern. Up to
the model's window (the ``musicgen_window_s`` setting; default 30 s, what the models were
trained on) one generation does it. Longer music is
made window by window: each window is prompted with the text and the last third of the
audio so far (encoded by the model's own audio codec), so it continues the same music, and
the last second of the stretch both versions share is joined with an equal-power
crossfade (:mod:`audio_tools.music.crossfade`). Generation is seeded, one call at a time
per loaded model, without disturbing torch's global random state.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from transformers import (
    AutoProcessor,
    MusicgenForConditionalGeneration,
    StoppingCriteria,
    StoppingCriteriaList,
)

from audio_tools.config import Settings
from audio_tools.errors import BackendError, BackendUnavailableError, InvalidInputError
from audio_tools.hub import local_folder, torch_device, torch_dtype
from audio_tools.music.base import sample_count
from audio_tools.music.crossfade import join_with_crossfade
from audio_tools.music.hub import DEFAULT_MUSICGEN_MODEL, missing_weights_message
from audio_tools.registry import BackendSpec, load_once
from audio_tools.results import Progress

__all__ = ["DEFAULT_WINDOW_S", "MusicgenBackend", "Window", "make", "plan_windows"]

DEFAULT_WINDOW_S = 30.0
CONTEXT_FRACTION = 1 / 3  # share of a window given over to the previous audio
CROSSFADE_S = 1.0


@dataclass(frozen=True)
class Window:
    """One generation call.

    Attributes:
        context_frames: frames of the audio so far given as the prompt (0 for the first).
        new_frames: frames to add.
    """

    context_frames: int
    new_frames: int


def plan_windows(total_frames: int, window_frames: int, context_frames: int) -> list[Window]:
    """Cover ``total_frames`` with windows of at most ``window_frames`` (context included).

    Raises:
        InvalidInputError: the context leaves no room for new frames.
    """
    if not 0 < context_frames < window_frames:
        msg = f"A context of {context_frames} frames does not fit a window of {window_frames}; use a longer window."
        raise InvalidInputError(msg)
    windows = [Window(0, min(total_frames, window_frames))]
    done = windows[0].new_frames
    while done < total_frames:
        new = min(window_frames - context_frames, total_frames - done)
        windows.append(Window(context_frames, new))
        done += new
    return windows


class MusicgenBackend:
    """A loaded MusicGen model and processor.

    Args:
        model: the model, on its device.
        processor: its processor (the tokenizer is used).
        name: the spec recorded in results.
        window_s: longest stretch generated in one call.
    """

    def __init__(self, model: Any, processor: Any, name: str, window_s: float = DEFAULT_WINDOW_S,
                 lock: threading.Lock | None = None) -> None:
        self.model = model
        self.processor = processor
        self.name = name
        codec = model.config.audio_encoder
        self.sample_rate = int(codec.sampling_rate)
        self.hop = int(codec.hop_length)  # samples per frame
        decoder = model.decoder.config
        self.delay = model.decoder.num_codebooks // decoder.audio_channels - 1
        longest = decoder.max_position_embeddings - self.delay - 2
        self.window_frames = round(window_s * self.sample_rate / self.hop)
        if not 3 <= self.window_frames <= longest:
            msg = (f"A MusicGen window of {window_s:g} s is outside what this model handles "
                   f"(3 frames to {longest * self.hop / self.sample_rate:g} s); "
                   f"set AUDIO_TOOLS_MUSICGEN_WINDOW_S in range.")
            raise InvalidInputError(msg)
        self.context_frames = max(1, round(self.window_frames * CONTEXT_FRACTION))
        self.crossfade = max(2, min(round(CROSSFADE_S * self.sample_rate), self.context_frames * self.hop // 2))
        self._lock = lock if lock is not None else threading.Lock()

    def generate(
        self, prompt: str, duration_s: float, *, seed: int, progress: Progress | None = None
    ) -> np.ndarray:
        """At least ``duration_s`` of music (whole codec frames), mono float32."""
        total_frames = math.ceil(sample_count(duration_s, self.sample_rate) / self.hop)
        windows = plan_windows(total_frames, self.window_frames, self.context_frames)
        device = self.model.device
        text = self.processor(text=[prompt], padding=True, return_tensors="pt").to(device)
        frame_s = self.hop / self.sample_rate
        cuda = [device.index or 0] if device.type == "cuda" else []
        with self._lock, torch.random.fork_rng(devices=cuda), torch.inference_mode():
            torch.manual_seed(seed)
            audio = np.zeros((self.model.decoder.config.audio_channels, 0), dtype=np.float32)
            done = 0
            for window in windows:
                context = window.context_frames * self.hop
                steps = [] if progress is None else [_StepReporter(progress, done, window.new_frames,
                                                                   frame_s, duration_s)]
                out = self._generate(text, audio[:, audio.shape[-1] - context:], window.new_frames, steps)
                audio = out if not context else join_with_crossfade(
                    audio, out[:, context - self.crossfade :], self.crossfade)
                done += window.new_frames
        return audio.mean(axis=0).astype(np.float32)

    def _generate(self, text: Any, context: np.ndarray, new_frames: int, steps: Sequence[StoppingCriteria]
                  ) -> np.ndarray:
        """One window: ``context`` (channels, samples; may be empty) then ``new_frames`` more."""
        extra: dict[str, Any] = {}
        if context.shape[-1]:
            tail = torch.from_numpy(np.ascontiguousarray(context[None]))
            extra["input_values"] = tail.to(device=self.model.device, dtype=self.model.dtype)
        try:
            values = self.model.generate(**text, **extra, max_new_tokens=new_frames + self.delay,
                                         stopping_criteria=StoppingCriteriaList(list(steps)))
        except (RuntimeError, ValueError) as e:
            msg = f"MusicGen failed while generating ({e}). Try a shorter duration or the 'synth' backend."
            raise BackendError(msg) from e
        out = values[0].float().cpu().numpy()
        expected = context.shape[-1] + new_frames * self.hop
        if out.shape[-1] != expected:
            msg = (f"MusicGen returned {out.shape[-1]} samples where {expected} were expected; this model's "
                   f"token layout is not supported. Use a MusicGen checkpoint such as {DEFAULT_MUSICGEN_MODEL}.")
            raise BackendError(msg)
        return out


class _StepReporter(StoppingCriteria):
    """Reports every generation step as progress; never stops the generation."""

    def __init__(self, progress: Progress, first_frame: int, new_frames: int, frame_s: float,
                 total_s: float) -> None:
        self.progress = progress
        self.first_frame = first_frame
        self.new_frames = new_frames
        self.frame_s = frame_s
        self.total_s = total_s
        self.steps = 0

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs: Any) -> torch.Tensor:
        self.steps += 1
        done_s = (self.first_frame + min(self.steps, self.new_frames)) * self.frame_s
        self.progress(min(done_s, self.total_s), self.total_s)
        return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)


def make(spec: BackendSpec, settings: Settings) -> MusicgenBackend:
    """Registry factory for ``musicgen[:MODEL]``.

    Raises:
        BackendUnavailableError: the weights are neither a folder nor cached and cannot be
            downloaded, or CUDA was asked for and is missing.
        InvalidInputError: the ``musicgen_window_s`` setting is outside what the model handles.
    """
    model_name = spec.model or DEFAULT_MUSICGEN_MODEL
    folder = local_folder(model_name)
    source = str(folder) if folder is not None else model_name
    device = torch_device(settings)

    def load() -> tuple[Any, Any, threading.Lock]:
        try:
            model: Any = MusicgenForConditionalGeneration.from_pretrained(source, dtype=torch_dtype(device))
            processor = AutoProcessor.from_pretrained(source)
        except (OSError, ValueError) as e:
            raise BackendUnavailableError(missing_weights_message(model_name, e)) from e
        model.to(device).eval()
        return model, processor, threading.Lock()

    model, processor, lock = load_once(("musicgen", source, device), load)
    return MusicgenBackend(model, processor, f"musicgen:{model_name}",
                           window_s=settings.musicgen_window_s or DEFAULT_WINDOW_S, lock=lock)
