#!/usr/bin/env bash
# The main job, offline: ingest the bundled meeting recordings into the meeting store, answer
# questions about them with `file @ mm:ss` citations, and cut the cited moment into a clip you
# can play. Then a short story read over generated music. Outputs land in outputs/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
# VENV as in setup.sh (`make demo VENV=...`); made absolute here because the script changes folder below.
BIN=$(cd "${VENV:-.venv}" && pwd)/bin
DEMO=outputs/demo
mkdir -p "$DEMO"
# The demo's workspace holds copies of the recordings, so its store (DEMO/.audio_store) is its own.
cp -p examples/meetings/*.flac "$DEMO/"
cd "$DEMO"

echo "== Ingesting the bundled meetings (bundled Whisper tiny.en, MiniLM embeddings; unchanged files are skipped)"
"$BIN/audio-agent" ingest design_review.flac support_weekly.flac

ask() {
  echo
  echo "== Q: $1"
  "$BIN/audio-agent" ask "$1" --json > answer.json
  BIN="$BIN" "$BIN/python" - "$2" <<'PY'
import json, os, subprocess, sys
answer = json.load(open("answer.json"))
print(answer["answer"])
cited = answer["citations"][0]
print(f"-> cutting {cited['source']} {cited['start']:.1f}-{cited['end']:.1f} s into {sys.argv[1]}")
subprocess.run([os.environ["BIN"] + "/audio-agent", "clip", cited["source"], str(cited["start"]),
                str(cited["end"]), "-o", sys.argv[1], "--force"], check=True)
PY
}
ask "When can the new website go live?" go_live.flac
ask "What caused the increase in tickets?" tickets.flac

echo
echo "== Searching across all meetings (top 3), and a summary with decisions and action items"
"$BIN/audio-agent" search "who is doing the Spanish translation" -k 3
"$BIN/audio-agent" summarize design_review.flac

echo
echo "== A story read over generated music (flite voice, offline synth music, ducked mix)"
"$BIN/audio-agent" story "Once upon a time, a small robot learned to listen. Every night it recorded the sounds of the city, and every morning it told the children what it had heard." \
  --music-prompt "calm slow piano with soft strings" --tts flite:slt --music synth -o story.mp3 --force

echo
echo "Done. Clips, the story and the store are in $DEMO/."
