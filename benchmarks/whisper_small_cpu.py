"""Throughput of the Whisper-small architecture on the CPU, batch 1 against batch 4, with random weights.

No checkpoint is downloaded: the model is built from a ``WhisperConfig`` with whisper-small's
dimensions and random weights, so the figures are those of the architecture (what the
``whisper`` backend's default ``openai/whisper-small`` would cost here), not of a trained model.
Each 30 s window of speech (the bundled dev meeting, cut into windows) is turned into
log-mel features and decoded greedily for exactly :data:`DECODE_TOKENS` tokens
(``min_new_tokens = max_new_tokens``): random weights would otherwise stop at any token.
After one untimed batch-1 window (torch's first-call costs), ``--windows`` windows are
decoded one at a time, then the same windows ``--batch`` at a time. Prints one JSON object:
audio seconds per wall second for each, and batch/1 as a ratio (the machine's load slows both
alike).

Usage: ``.venv/bin/python benchmarks/whisper_small_cpu.py [--windows 4] [--batch 4] [--tokens 120]``
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from audio_tools.audio import SAMPLE_RATE, load_audio

SPEECH = Path(__file__).resolve().parents[1] / "examples" / "meetings" / "support_weekly.flac"
WINDOW_S = 30  # Whisper's fixed input length
# whisper-small (openai/whisper-small config.json): 12+12 layers of width 768, 12 heads, FFN 3072
SMALL: dict[str, Any] = {
    "vocab_size": 51865, "num_mel_bins": 80, "d_model": 768, "encoder_layers": 12, "decoder_layers": 12,
    "encoder_attention_heads": 12, "decoder_attention_heads": 12, "encoder_ffn_dim": 3072, "decoder_ffn_dim": 3072,
    "max_source_positions": 1500, "max_target_positions": 448,
}
START_OF_TRANSCRIPT, END_OF_TEXT = 50258, 50257  # the multilingual vocabulary's special tokens
# The eval meetings hold 2.7 words/s, 110 text tokens per 30 s in Whisper's BPE (tiny.en's
# tokenizer.json over benchmarks/.cache/meetings/truth.json), plus a start and an end timestamp
# for each of ~5.5 turns per window: ~121 tokens per window, as a trained checkpoint decodes.
DECODE_TOKENS = 120


def windows(count: int) -> list[np.ndarray]:
    """``count`` 30 s windows of speech (the bundled meeting, looped when shorter)."""
    speech = load_audio(SPEECH, SAMPLE_RATE)
    size = WINDOW_S * SAMPLE_RATE
    looped = np.tile(speech, int(np.ceil(count * size / len(speech))))
    return [looped[i * size:(i + 1) * size] for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=4, help="30 s windows decoded at each batch size")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--tokens", type=int, default=DECODE_TOKENS, help="tokens decoded per window")
    args = parser.parse_args()

    import torch
    from transformers import GenerationConfig, WhisperConfig, WhisperFeatureExtractor, WhisperForConditionalGeneration

    threads = len(os.sched_getaffinity(0))
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    started = time.perf_counter()
    model = WhisperForConditionalGeneration(WhisperConfig(**SMALL)).eval()
    built_s = time.perf_counter() - started
    generation = GenerationConfig(decoder_start_token_id=START_OF_TRANSCRIPT, eos_token_id=END_OF_TEXT,
                                  pad_token_id=END_OF_TEXT, min_new_tokens=args.tokens, max_new_tokens=args.tokens,
                                  num_beams=1, do_sample=False)
    features = WhisperFeatureExtractor(feature_size=SMALL["num_mel_bins"])
    audio = windows(args.windows)

    def decode(batch: list[np.ndarray]) -> int:
        inputs = features(batch, sampling_rate=SAMPLE_RATE, return_tensors="pt").input_features
        with torch.inference_mode():
            out = model.generate(inputs, generation_config=generation)
        return int(out.shape[-1])

    decode(audio[:1])  # untimed: first-call costs
    timings: dict[str, dict[str, float]] = {}
    for batch in (1, args.batch):
        started = time.perf_counter()
        lengths = [decode(audio[i:i + batch]) for i in range(0, len(audio), batch)]
        wall = time.perf_counter() - started
        timings[f"batch_{batch}"] = {"wall_s": round(wall, 2), "audio_s_per_s": round(len(audio) * WINDOW_S / wall, 2),
                                     "decoded_tokens": min(lengths)}
    one, many = timings["batch_1"]["audio_s_per_s"], timings[f"batch_{args.batch}"]["audio_s_per_s"]
    print(json.dumps({"model": "whisper-small architecture, random weights (no checkpoint)",
                      "parameters_m": round(sum(p.numel() for p in model.parameters()) / 1e6, 1),
                      "build_s": round(built_s, 1), "threads": threads, "windows": len(audio),
                      "tokens_per_window": args.tokens, **timings,
                      "batch_ratio": round(many / one, 2)}))


if __name__ == "__main__":
    main()
