#!/usr/bin/env bash
# The checks that need a GPU, in one short run: `bash bench/gpu_check.sh [OUT]` on a machine with CUDA.
# Builds the shipped diary, the fault diary and the real-diary fixtures with --device cuda, and checks
# the notebooks' fixtures, printing each build's summary and the status of every block; OUT (default
# ./gpu-check) keeps the journals and the stored results.
set -uo pipefail
cd "$(dirname "$0")/.."
out="${1:-gpu-check}"
mkdir -p "$out"
export PYTHONUNBUFFERED=1

python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'available', torch.cuda.is_available(),
      torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')"

run() {  # name, diary folder
  local name="$1" diary="$2" work="$out/$1"
  rm -rf "$work" && mkdir -p "$work/snippets"
  cp -r "$diary" "$work/diary"
  if [ "$name" = seed ]; then cp snippets/*.py "$work/snippets/"; fi  # the seed's setup= modules
  echo "== $name"
  (cd "$work" && timeout 300 python3 -m generator.cli --device cuda --diary diary --snippets snippets --out site 2>&1 | tail -n 3)
  python3 - "$work/site/journal.json" <<'PY'
import json, sys
journal = json.load(open(sys.argv[1]))
for group in ("entries", "pages"):
    for item in journal.get(group, []):
        for s in item.get("snippets", []):
            print(f"  {item.get('source')}:{s['line']} {s['status']} {s.get('device')} {(s.get('error') or '')[:100]}")
PY
}

export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
run seed diary
run faults tests/fixtures/diaries/faults
run real tests/fixtures/real
mkdir -p "$out/notebooks/diary"
cp tests/fixtures/notebooks/*.ipynb "$out/notebooks/diary/" 2>/dev/null
for nb in "$out"/notebooks/diary/*.ipynb; do mv "$nb" "$(dirname "$nb")/2024-01-05-$(basename "$nb")"; done
run notebooks "$out/notebooks/diary"
