"""``auto[:MODEL]``: Whisper when its weights are on this machine, else pocketsphinx.

The Whisper checkpoint looked for is ``MODEL``, else ``AUDIO_TOOLS_WHISPER_MODEL``, else
``openai/whisper-small``: a local directory, or a hub id already in the Hugging Face cache.
Nothing is downloaded to decide. The transcript's ``backend`` says which one ran.
"""

from __future__ import annotations

import os

from audio_tools.audio import AudioInfo
from audio_tools.config import Settings
from audio_tools.errors import InvalidInputError
from audio_tools.language import is_english
from audio_tools.registry import BackendSpec
from audio_tools.stt.base import STTBackend, STTRequest
from audio_tools.transcript import Transcript

__all__ = ["MODEL_ENV", "AutoBackend", "make"]

MODEL_ENV = "AUDIO_TOOLS_WHISPER_MODEL"


class AutoBackend:
    """The backend ``auto`` chose, refusing what the offline fallback would only guess at.

    Args:
        chosen: the whisper or pocketsphinx backend.
        whisper_model: the checkpoint that was looked for.
    """

    name = "auto"

    def __init__(self, chosen: STTBackend, whisper_model: str) -> None:
        self.chosen = chosen
        self.model: str | None = chosen.name if chosen.model is None else f"{chosen.name}:{chosen.model}"
        self.whisper_model = whisper_model

    def transcribe(self, info: AudioInfo, request: STTRequest) -> Transcript:
        """Run the chosen backend (see :class:`audio_tools.stt.base.STTBackend`).

        Raises:
            InvalidInputError: a language other than English, or translation, without Whisper weights.
        """
        if self.chosen.name != "whisper" and (request.task == "translate" or not is_english(request.language)):
            what = "translation" if request.task == "translate" else f"language {request.language!r}"
            msg = (f"No Whisper weights for {self.whisper_model!r} are on this machine, and the offline fallback "
                   f"(pocketsphinx) recognises English only, so {what} cannot be done. Download the weights "
                   f"('hf download {self.whisper_model}'), point auto at a local checkpoint "
                   f"(auto:/path/to/whisper or {MODEL_ENV}), or use openai:whisper-1.")
            raise InvalidInputError(msg)
        return self.chosen.transcribe(info, request)


def make(spec: BackendSpec, settings: Settings) -> AutoBackend:
    """Registry factory: pick and load the backend (see the module docstring)."""
    from audio_tools.hub import weights_available
    from audio_tools.stt import STT_BACKENDS
    from audio_tools.stt.whisper import DEFAULT_MODEL

    model = spec.model or os.environ.get(MODEL_ENV) or DEFAULT_MODEL
    chosen = BackendSpec("whisper", model) if weights_available(model) else BackendSpec("pocketsphinx")
    return AutoBackend(STT_BACKENDS.get(chosen, settings), model)
