"""How fast the tools refuse a file whose header lies about its length (hardening finding 3).

Usage::

    python benchmarks/lying_header.py [--hours 20]

Makes a FLAC of silence that decodes for ``--hours`` but whose STREAMINFO says 1 s, then times
``speech_to_text`` (default backend, cold then warm) and ``mix_speech_with_music`` (the file
as speech, then as music) through the real tools. Prints one JSON object. Goal: each refusal
within 1 s.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

from evaluation import lying_flac

from audio_tools.config import Settings
from audio_tools.tools import AudioToolkit

CLAIMED_S = 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=20.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        lying = lying_flac(root / "lying.flac", round(args.hours * 3600), CLAIMED_S)
        for name, source in (("music.wav", "sine=f=220:r=16000"), ("speech.wav", "sine=f=440:r=16000")):
            subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", source, "-t", "4",
                            str(root / name)], check=True)
        tools = {t.name: t for t in AudioToolkit(settings=Settings(workspace=root)).get_tools()}
        cases = [("speech_to_text, cold", "speech_to_text", {"audio_path": "lying.flac"}),
                 ("speech_to_text, warm", "speech_to_text", {"audio_path": "lying.flac"}),
                 ("mix, as speech", "mix_speech_with_music", {"speech_path": "lying.flac", "music_path": "music.wav"}),
                 ("mix, as music", "mix_speech_with_music", {"speech_path": "speech.wav", "music_path": "lying.flac"})]
        results = {}
        for label, tool, call_args in cases:
            started = time.perf_counter()
            message = tools[tool].invoke({"name": tool, "args": call_args, "id": "1", "type": "tool_call"})
            results[label] = {"seconds": round(time.perf_counter() - started, 3), "status": message.status}
        print(json.dumps({"file_bytes": lying.stat().st_size, "decodes_h": args.hours, "claims_s": CLAIMED_S,
                          "refusals": results}, indent=2))


if __name__ == "__main__":
    main()
