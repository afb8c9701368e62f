"""A tiny random Whisper checkpoint, built offline and saved like a real one.

Its tokenizer is byte-level BPE over the 256 byte symbols (no merges) with Whisper's special
tokens (three languages) and the 1501 timestamp tokens, in the order real checkpoints use:
the timestamps start right after ``<|notimestamps|>``. The model has one layer of width 16
and greedy decoding capped at a few tokens, so a minute of audio takes about a second.
Loaded from its directory, it goes through exactly the path of a downloaded checkpoint.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["LANGUAGES", "build_tiny_whisper"]

LANGUAGES = ("en", "de", "fr")
TIMESTAMPS = 1501  # <|0.00|> ... <|30.00|> every 20 ms
MAX_LENGTH = 24


def build_tiny_whisper(folder: Path, *, word_timestamps: bool = False, seed: int = 0) -> Path:
    """Save a random Whisper model, tokenizer and feature extractor into ``folder``.

    Args:
        folder: an empty or new directory.
        word_timestamps: give the generation config alignment heads (as OpenAI checkpoints
            have), which makes the pipeline produce word timestamps.
        seed: torch seed of the random weights.
    """
    import torch
    from tokenizers import AddedToken, pre_tokenizers
    from transformers import (
        GenerationConfig,
        WhisperConfig,
        WhisperFeatureExtractor,
        WhisperForConditionalGeneration,
        WhisperTokenizer,
    )

    vocab = {symbol: i for i, symbol in enumerate(sorted(pre_tokenizers.ByteLevel.alphabet()))}
    specials = ["<|startoftranscript|>", *(f"<|{code}|>" for code in LANGUAGES), "<|translate|>",
                "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nospeech|>", "<|notimestamps|>"]
    tokenizer = WhisperTokenizer(vocab=vocab, merges=[], pad_token="<|endoftext|>", extra_special_tokens=specials)
    tokenizer.add_tokens([AddedToken(f"<|{i * 0.02:.2f}|>", normalized=False, special=False)
                          for i in range(TIMESTAMPS)])
    ids: dict[str, int] = {}
    for token in ["<|endoftext|>", *specials]:
        token_id = tokenizer.convert_tokens_to_ids(token)
        assert isinstance(token_id, int)
        ids[token] = token_id
    end = ids["<|endoftext|>"]

    torch.manual_seed(seed)
    config = WhisperConfig(
        vocab_size=len(tokenizer), d_model=16, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, num_mel_bins=80,
        max_source_positions=1500, max_target_positions=64, pad_token_id=end, bos_token_id=end,
        eos_token_id=end, decoder_start_token_id=ids["<|startoftranscript|>"],
    )
    model = WhisperForConditionalGeneration(config)
    alignment = {"alignment_heads": [[0, 0], [0, 1]]} if word_timestamps else {}
    generation = GenerationConfig(
        decoder_start_token_id=ids["<|startoftranscript|>"], bos_token_id=end, eos_token_id=end, pad_token_id=end,
        no_timestamps_token_id=ids["<|notimestamps|>"], prev_sot_token_id=ids["<|startofprev|>"],
        lang_to_id={f"<|{code}|>": ids[f"<|{code}|>"] for code in LANGUAGES},
        task_to_id={"transcribe": ids["<|transcribe|>"], "translate": ids["<|translate|>"]},
        is_multilingual=True, max_initial_timestamp_index=50, max_length=MAX_LENGTH, num_beams=1,
        begin_suppress_tokens=[end], suppress_tokens=[], **alignment,
    )
    generation._from_model_config = False  # a saved generation config of its own, as real checkpoints have
    model.generation_config = generation
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    WhisperFeatureExtractor(feature_size=80).save_pretrained(folder)
    return folder
