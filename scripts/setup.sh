#!/usr/bin/env bash
# Set up everything `make demo` and `make test` need, on a fresh machine, offline models only:
# system tools (ffmpeg, flite, festival + the slt HTS voice, espeak-ng, pocketsphinx's test
# recordings of real voices) and a .venv with
# torch 2.13.0 (CPU wheel) installed first, then this package with its dev extra.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
TORCH_VERSION=${TORCH_VERSION:-2.13.0}
APT_PACKAGES="ffmpeg flite festival festvox-us-slt-hts espeak-ng pocketsphinx-testdata"

missing_system_tools() {
  local missing=()
  for tool in ffmpeg ffprobe flite festival text2wave espeak-ng; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  [ -d /usr/share/festival/voices/us/cmu_us_slt_arctic_hts ] || missing+=("festvox-us-slt-hts")
  # real human speech with its transcript (LibriVox), for the real-voice accuracy check
  [ -d /usr/share/pocketsphinx/test/data/librivox ] || missing+=("pocketsphinx-testdata")
  echo "${missing[*]:-}"
}

missing=$(missing_system_tools)
if [ -n "$missing" ]; then
  echo "setup: missing system tools: $missing"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $APT_PACKAGES >/dev/null
  else
    echo "setup: install them, then run this again:" >&2
    echo "  sudo apt-get install -y $APT_PACKAGES      # Debian/Ubuntu" >&2
    echo "  brew install ffmpeg flite espeak-ng festival  # macOS (no slt HTS voice there: use flite)" >&2
    exit 1
  fi
  missing=$(missing_system_tools)
  if [ -n "$missing" ]; then
    echo "setup: still missing after apt-get: $missing" >&2
    exit 1
  fi
fi

if ! "$PYTHON" -c 'import sys; sys.exit(not ((3, 10) <= sys.version_info[:2] <= (3, 13)))'; then
  echo "setup: Python 3.10 to 3.13 is needed; set PYTHON=/path/to/python3.x" >&2
  exit 1
fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
# torch first, pinned: a range left to pip would pull the newest build with GBs of CUDA packages.
if ! "$VENV/bin/python" -c "import torch, sys; sys.exit(not torch.__version__.startswith('$TORCH_VERSION'))" 2>/dev/null; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "torch==$TORCH_VERSION"
fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check -e ".[dev]"
echo "setup: ready ($VENV)"
