"""``auto[:MODEL]``: Whisper when its weights are on this machine, else pocketsphinx.

The Whisper checkpoint looked for is ``MODEL``, else the ``whisper_model`` setting
(``AUDIO_TOOLS_WHISPER_MODEL``, default ``openai/whisper-small``): a local directory, or a hub
id already in the Hugging Face cache. Nothing is downloaded to decide. The transcript's
``backend`` and ``model`` say which one ran; pocketsphinx refuses other languages and
translation itself.
"""

from __future__ import annotations

from audio_tools.config import Settings
from audio_tools.hub import weights_available
from audio_tools.registry import BackendSpec

__all__ = ["choose"]


def choose(spec: BackendSpec, settings: Settings) -> BackendSpec:
    """The spec ``auto[:MODEL]`` stands for on this machine now."""
    model = spec.model or settings.whisper_model
    return BackendSpec("whisper", model) if weights_available(model) else BackendSpec("pocketsphinx")
