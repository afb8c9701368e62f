"""A tiny random MusicGen, saved like a downloaded checkpoint, for tests of the real loading path.

Text encoder: a 1-layer T5 with a word-level Unigram vocabulary built in memory (no
sentencepiece file, no download). Audio codec: an EnCodec at 4 kHz with a hop of 160
samples (25 frames per second) and 2 codebooks of 64 entries. Decoder: 2 small layers
whose pad and BOS token are the codebook size, as MusicGen requires. Its codebooks are
random (EnCodec initialises them to zero), so different tokens make different noise.
"""

from __future__ import annotations

from pathlib import Path

SAMPLE_RATE = 4000
HOP = 160
FRAME_RATE = SAMPLE_RATE // HOP
CODEBOOK_SIZE = 64
WORDS = ("calm", "happy", "sad", "piano", "strings", "drums", "music", "slow", "fast", "with", "and", "a")


def build_tiny_musicgen(directory: Path, *, stereo: bool = False) -> Path:
    """Write model, generation config and processor to ``directory`` and return it."""
    import torch
    from transformers import (
        EncodecConfig,
        EncodecFeatureExtractor,
        MusicgenConfig,
        MusicgenDecoderConfig,
        MusicgenForConditionalGeneration,
        MusicgenProcessor,
        T5Config,
        T5Tokenizer,
    )

    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0), *((f"▁{w}", -1.0) for w in WORDS)]
    tokenizer = T5Tokenizer(vocab=vocab, extra_ids=0)
    channels = 2 if stereo else 1
    config = MusicgenConfig(
        text_encoder=T5Config(vocab_size=len(vocab), d_model=16, d_ff=32, d_kv=8, num_layers=1, num_heads=2),
        audio_encoder=EncodecConfig(
            sampling_rate=SAMPLE_RATE, upsampling_ratios=[8, 5, 4], hidden_size=16, num_filters=4,
            codebook_size=CODEBOOK_SIZE, target_bandwidths=[2 * FRAME_RATE * 6 / 1000], num_lstm_layers=1,
            chunk_length_s=None,
        ),
        decoder=MusicgenDecoderConfig(
            vocab_size=CODEBOOK_SIZE, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, ffn_dim=32,
            num_codebooks=2 * channels, audio_channels=channels, pad_token_id=CODEBOOK_SIZE,
            bos_token_id=CODEBOOK_SIZE, max_position_embeddings=512,
        ),
    )
    torch.manual_seed(0)
    model = MusicgenForConditionalGeneration(config).eval()
    for layer in model.audio_encoder.quantizer.layers:  # codebooks start at zero: every code would sound alike
        layer.codebook.embed.normal_()
        layer.codebook.embed_avg.copy_(layer.codebook.embed)
    model.generation_config.update(
        decoder_start_token_id=CODEBOOK_SIZE, pad_token_id=CODEBOOK_SIZE, bos_token_id=CODEBOOK_SIZE,
        do_sample=True, guidance_scale=3.0, top_k=50,
    )
    processor = MusicgenProcessor(
        feature_extractor=EncodecFeatureExtractor(feature_size=channels, sampling_rate=SAMPLE_RATE),
        tokenizer=tokenizer,
    )
    directory.mkdir(parents=True)
    model.save_pretrained(directory)
    processor.save_pretrained(directory)
    return directory
