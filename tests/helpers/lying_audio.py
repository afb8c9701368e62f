"""A FLAC whose header lies about its length, for the hardening tests and benchmark (finding 3)."""

from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = ["RATE", "lying_flac"]

RATE = 8000


def lying_flac(path: Path, true_s: int, claimed_s: int = 1) -> Path:
    """Silence that decodes for ``true_s`` seconds, whose STREAMINFO says ``claimed_s``."""
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", f"anullsrc=r={RATE}:cl=mono",
                    "-t", str(true_s), "-c:a", "flac", "-frame_size", "65535", str(path)], check=True)
    data = bytearray(path.read_bytes())
    assert data[:4] == b"fLaC" and data[4] & 0x7F == 0
    # STREAMINFO from byte 8: block sizes (4 bytes), frame sizes (6), then 64 bits of sample rate
    # (20), channels (3), bits per sample (5) and total samples (36).
    packed = int.from_bytes(data[18:26], "big")
    packed = (packed & ~((1 << 36) - 1)) | claimed_s * RATE
    data[18:26] = packed.to_bytes(8, "big")
    path.write_bytes(bytes(data))
    return path
