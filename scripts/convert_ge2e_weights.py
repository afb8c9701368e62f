"""Rebuild ``audio_tools/speakers/model/ge2e.safetensors`` from resemblyzer's wheel.

resemblyzer 0.1.4 (Apache-2.0, Resemble.AI) ships ``resemblyzer/pretrained.pt``, a GE2E speaker
encoder. This script takes the wheel (downloaded with ``pip download --no-deps`` unless
``--wheel`` names one), checks the sha256 of ``pretrained.pt`` inside it, loads it with
``torch.load(weights_only=True)`` (no pickle code runs), keeps the encoder's tensors of
``model_state`` (the LSTM and the projection; the two scalars of the GE2E training loss,
``similarity_weight`` and ``similarity_bias``, are left out), writes them as safetensors, and
checks that the file's sha256 is the one :mod:`audio_tools.speakers.weights` expects.
Nothing is installed and no resemblyzer code is imported.

Usage, from the repository root::

    .venv/bin/python scripts/convert_ge2e_weights.py [--wheel Resemblyzer-0.1.4-py3-none-any.whl] [--out PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import torch
from safetensors.torch import save

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audio_tools.speakers.weights import ENCODER_TENSORS, WEIGHTS_FILE, WEIGHTS_METADATA, WEIGHTS_SHA256  # noqa: E402

PACKAGE = "resemblyzer==0.1.4"
MEMBER = "resemblyzer/pretrained.pt"
PRETRAINED_SHA256 = "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"
PIP_TIMEOUT_S = 600


def download_wheel(folder: Path) -> Path:
    """resemblyzer's wheel, fetched into ``folder`` by pip (no dependencies, nothing installed)."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", str(folder), PACKAGE]
    subprocess.run(command, check=True, timeout=PIP_TIMEOUT_S)  # noqa: S603 - a fixed argument list, no shell
    return next(folder.glob("*.whl"))


def pretrained_bytes(wheel: Path) -> bytes:
    """``pretrained.pt`` from the wheel, refused unless its sha256 is :data:`PRETRAINED_SHA256`."""
    with zipfile.ZipFile(wheel) as archive:
        data = archive.read(MEMBER)
    digest = hashlib.sha256(data).hexdigest()
    if digest != PRETRAINED_SHA256:
        msg = f"{MEMBER} in {wheel.name} has sha256 {digest}, not {PRETRAINED_SHA256}; not converting it."
        raise SystemExit(msg)
    return data


def convert(pretrained: bytes) -> bytes:
    """The encoder's tensors of the checkpoint's ``model_state``, as safetensors bytes."""
    checkpoint = torch.load(io.BytesIO(pretrained), map_location="cpu", weights_only=True)
    state = checkpoint["model_state"]
    missing = [name for name in ENCODER_TENSORS if name not in state]
    if missing:
        msg = f"model_state lacks {missing}; is this resemblyzer 0.1.4?"
        raise SystemExit(msg)
    tensors = {name: state[name].detach().to(torch.float32).contiguous() for name in ENCODER_TENSORS}
    return save(tensors, metadata=dict(WEIGHTS_METADATA))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="resemblyzer 0.1.4's wheel (downloaded when omitted)")
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE, help=f"where to write (default {WEIGHTS_FILE})")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        wheel = args.wheel if args.wheel is not None else download_wheel(Path(folder))
        data = convert(pretrained_bytes(wheel))
    digest = hashlib.sha256(data).hexdigest()
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(data)} bytes, {len(ENCODER_TENSORS)} tensors), sha256 {digest}")
    if digest != WEIGHTS_SHA256:
        msg = f"sha256 {digest} differs from WEIGHTS_SHA256 {WEIGHTS_SHA256} in audio_tools/speakers/weights.py."
        raise SystemExit(msg)


if __name__ == "__main__":
    main()
