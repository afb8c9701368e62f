"""How far transcription memory grows, measured in a fresh interpreter (hardening finding 4).

Shared by ``tests/regression/test_finding04_flat_memory.py`` and ``benchmarks/flat_memory.py``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from audio_tools.ffmpeg import ffmpeg_binary

__all__ = ["GROWTH_CHILD", "tone_then_silence"]

# argv: backend spec, audio path, OpenAI base URL ("" for none). Prints one JSON line: the
# transcription's wall time, how far the peak RSS rose above what was held with the backend
# loaded, the transcript's length and text.
GROWTH_CHILD = """
import json, os, sys, time
from audio_tools.config import Settings
from audio_tools.stt import STT_BACKENDS, transcribe

spec, path, base_url = sys.argv[1], sys.argv[2], sys.argv[3]
settings = Settings.from_env()
if base_url:
    settings = settings.with_(openai_base_url=base_url, openai_api_key="sk-test")
STT_BACKENDS.get(spec, settings)
with open("/proc/self/statm") as f:
    loaded = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
started = time.perf_counter()
transcript = transcribe(path, backend=spec, settings=settings)
wall_s = time.perf_counter() - started
with open("/proc/self/status") as f:  # VmHWM: ru_maxrss would start from the parent's peak
    peak = 1024 * int(next(line for line in f if line.startswith("VmHWM:")).split()[1])
print(json.dumps({"wall_s": wall_s, "growth_mb": (peak - loaded) / 2**20, "duration_s": transcript.duration_s,
                  "text": transcript.text}))
"""


def tone_then_silence(path: Path, minutes: float) -> Path:
    """A FLAC at ``path``: 1 s of a 440 Hz tone followed by ``minutes`` of digital silence."""
    subprocess.run(
        [ffmpeg_binary(), "-nostdin", "-v", "error", "-f", "lavfi",
         "-i", "sine=frequency=440:sample_rate=16000:duration=1",
         "-af", f"apad=whole_dur={1 + minutes * 60}", "-ac", "1", "-c:a", "flac", str(path)],
        check=True, timeout=600,
    )
    return path
