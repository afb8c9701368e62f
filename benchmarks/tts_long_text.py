"""Memory and time of a long text through the ``text_to_speech`` tool.

Usage::

    python benchmarks/tts_long_text.py [--chars 16000] [--spec flite] [--max-output-s 7200]

Speaks ``--chars`` characters of ``"9 "`` (each digit a word, so the text is short and the
speech long: 16,000 characters make about 38 minutes with flite) through the agent-facing
tool and prints one JSON object: the audio's length, the wall and CPU time (this process and
its children: on a shared machine CPU time is the steadier figure), and this process's peak
resident memory above what it held once the backend was loaded (ffmpeg and the speech
engine run as separate processes and are not counted).
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from audio_tools.config import Settings
from audio_tools.tools import AudioToolkit
from audio_tools.tts import TTS_BACKENDS


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s() -> float:
    """CPU seconds used so far by this process and its finished children."""
    return sum(u.ru_utime + u.ru_stime for u in map(resource.getrusage, (resource.RUSAGE_SELF,
                                                                          resource.RUSAGE_CHILDREN)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=16000, help="length of the text (default 16000)")
    parser.add_argument("--spec", default="flite", help="text-to-speech backend spec (default flite)")
    parser.add_argument("--max-output-s", type=float, default=None, help="the cap on generated audio")
    args = parser.parse_args()
    text = ("9 " * (args.chars // 2 + 1))[: args.chars]
    with tempfile.TemporaryDirectory() as tmp:
        caps = {} if args.max_output_s is None else {"max_output_s": args.max_output_s}
        settings = Settings(workspace=Path(tmp), tts=args.spec, **caps)
        (tool,) = AudioToolkit(settings=settings, include=("text_to_speech",)).get_tools()
        backend = TTS_BACKENDS.get(args.spec, settings)
        backend.synthesize_chunk("warm up", backend.default_voice)
        baseline = peak_rss_mb()
        started, cpu_started = time.perf_counter(), cpu_s()
        message = tool.invoke({"name": tool.name, "args": {"text": text}, "id": "1", "type": "tool_call"})
        elapsed, cpu = time.perf_counter() - started, cpu_s() - cpu_started
        artifact = message.artifact or {}
        print(json.dumps({
            "spec": args.spec,
            "chars": len(text),
            "audio_s": artifact.get("duration_s"),
            "wall_s": round(elapsed, 2),
            "cpu_s": round(cpu, 2),
            "rss_baseline_mb": round(baseline, 1),
            "rss_peak_mb": round(peak_rss_mb(), 1),
            "rss_growth_mb": round(peak_rss_mb() - baseline, 1),
            "result": message.content if artifact.get("duration_s") is None else "ok",
        }, indent=2))


if __name__ == "__main__":
    main()
