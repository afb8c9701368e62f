"""``auto``: MusicGen when its default weights are on this machine, else the offline synthesizer.

Nothing is downloaded to decide: only a local folder or the Hugging Face cache counts.
"""

from __future__ import annotations

from audio_tools.config import Settings
from audio_tools.errors import InvalidInputError
from audio_tools.music.hub import DEFAULT_MUSICGEN_MODEL, weights_available
from audio_tools.registry import BackendSpec

__all__ = ["choose"]


def choose(spec: BackendSpec, settings: Settings) -> BackendSpec:
    """The spec ``auto`` stands for on this machine now.

    Raises:
        InvalidInputError: a model was given (``auto`` takes none).
    """
    if spec.model is not None:
        msg = f"'auto' takes no model (got {spec.model!r}); use 'musicgen:{spec.model}' to pick one."
        raise InvalidInputError(msg)
    if weights_available(DEFAULT_MUSICGEN_MODEL):
        return BackendSpec("musicgen", DEFAULT_MUSICGEN_MODEL)
    return BackendSpec("synth")
