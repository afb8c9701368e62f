#!/usr/bin/env bash
# The main job, offline: transcribe the bundled meeting recordings with timestamps (SRT), then
# read a short story over generated background music. Outputs land in outputs/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
BIN=.venv/bin
OUT=outputs/demo
mkdir -p "$OUT"

for meeting in examples/meetings/*.flac; do
  name=$(basename "$meeting" .flac)
  echo "== Transcribing $meeting (offline: the bundled Whisper tiny.en, or a larger local Whisper)"
  "$BIN/audio-agent" transcribe "$meeting" --format srt -o "$OUT/$name.srt" --force
  head -n 12 "$OUT/$name.srt"
done

echo "== The same transcripts as JSON for scripts: audio-agent transcribe FILE --format json"
echo "== A story read over generated music (flite voice, offline synth music, ducked mix)"
"$BIN/audio-agent" story "Once upon a time, a small robot learned to listen. Every night it recorded the sounds of the city, and every morning it told the children what it had heard." \
  --music-prompt "calm slow piano with soft strings" --tts flite:slt --music synth -o "$OUT/story.mp3" --force

echo
echo "Done. Files are in $OUT/. Meeting questions with cited timestamps arrive with the meeting-search feature (rag/)."
