"""The speaker encoder's weights: resemblyzer's GE2E encoder, shipped in this package as safetensors.

``model/ge2e.safetensors`` holds the encoder tensors of ``model_state`` in resemblyzer 0.1.4's
``pretrained.pt`` (Apache-2.0, Copyright 2019 Resemble.AI; ``model/LICENSE`` and
``model/NOTICE``), converted by ``scripts/convert_ge2e_weights.py``, which rebuilds the file
byte for byte. The file is read only after its sha256 matches :data:`WEIGHTS_SHA256`, so a
damaged or replaced file is refused rather than giving wrong speakers.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from audio_tools.errors import BackendUnavailableError

if TYPE_CHECKING:
    import torch

__all__ = ["ENCODER_TENSORS", "WEIGHTS_FILE", "WEIGHTS_METADATA", "WEIGHTS_SHA256", "load_state"]

WEIGHTS_FILE = Path(__file__).with_name("model") / "ge2e.safetensors"
WEIGHTS_SHA256 = "a64f5ef0bf978d8785072b26dd34cf44c409ed1a034fe14bea97362b2e7f059f"
# 3 LSTM layers (input 40 mel bands, then 256) with 4 gates of 256 units each, and the 256 -> 256 projection:
# 1,423,616 parameters.
ENCODER_TENSORS = (
    *(f"lstm.{kind}_l{layer}" for layer in range(3) for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")),
    "linear.weight",
    "linear.bias",
)
# One key only: safetensors writes its metadata from a hash map, so with several keys their order,
# and the file's sha256, would change from run to run.
WEIGHTS_METADATA = MappingProxyType({
    "source": "resemblyzer 0.1.4 pretrained.pt model_state, encoder tensors; Apache-2.0, Copyright 2019 Resemble.AI",
})


def load_state(path: Path = WEIGHTS_FILE, sha256: str = WEIGHTS_SHA256) -> dict[str, torch.Tensor]:
    """The encoder's tensors, read from ``path`` once its sha256 is checked.

    Args:
        path: the safetensors file.
        sha256: the digest it must have.

    Raises:
        BackendUnavailableError: the file is missing, or is not the one this version ships.
    """
    from safetensors.torch import load

    try:
        data = path.read_bytes()
    except OSError as error:
        msg = (f"The speaker encoder's weights {path} cannot be read ({error.strerror or error}). "
               f"Reinstall langchain-audio-tools, or rebuild the file with scripts/convert_ge2e_weights.py.")
        raise BackendUnavailableError(msg) from error
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        msg = (f"The speaker encoder's weights {path} have sha256 {digest}, not {sha256}: the file was changed "
               f"or damaged, so it is not used. Reinstall langchain-audio-tools, or rebuild the file with "
               f"scripts/convert_ge2e_weights.py.")
        raise BackendUnavailableError(msg)
    state = load(data)
    missing = sorted(set(ENCODER_TENSORS) - set(state))
    if missing:
        msg = f"The speaker encoder's weights {path} lack {missing}. Rebuild them with scripts/convert_ge2e_weights.py."
        raise BackendUnavailableError(msg)
    return state
