#!/usr/bin/env bash
# Measures vkcnn (every Vulkan device and the CPU backend) and PyTorch on
# the same machine in one run, then prints them side by side and, for each
# model, the ratio of vkcnn's faster backend to PyTorch.
#
# Usage: bench/side_by_side.sh [OUT]   (OUT defaults to bench-results)
# Extra cmd/bench flags go in BENCH_FLAGS, extra PyTorch script flags in
# PYTORCH_FLAGS, for example PYTORCH_FLAGS="--device cuda". Both must
# measure the same models and batch sizes for the rows to match; a short
# run is BENCH_FLAGS=-quick PYTORCH_FLAGS="--models mnist-simple,cifar-baseline
# --batch 16 --warmup 1 --repeat 3 --steps 1". The full run takes about 15
# minutes on a 2-core machine with lavapipe.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench-results}

# Check for PyTorch first, so a missing package fails before the long part.
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
	echo "side_by_side: /usr/bin/python3 cannot import torch; install python3-torch (Debian) first" >&2
	exit 1
fi
mkdir -p "$out"

# shellcheck disable=SC2086 # the flag variables are word lists
go run ./cmd/bench -out "$out" ${BENCH_FLAGS:-}
# shellcheck disable=SC2086
/usr/bin/python3 bench/pytorch_bench.py --out "$out/pytorch.json" ${PYTORCH_FLAGS:-}
go run ./cmd/bench -compare -out "$out" "$out/results.json" "$out/pytorch.json"

/usr/bin/python3 - "$out/results.json" "$out/pytorch.json" <<'EOF'
import json
import sys

vkcnn = json.load(open(sys.argv[1]))
torch = json.load(open(sys.argv[2]))

def medians(runs, field):
    """Map (model, batch) to [(backend label, median)] over the runs."""
    out = {}
    for run in runs:
        label = f"{run['framework']} {run['backend']}"
        for m in run["models"]:
            out.setdefault((m["model"], m["batch"]), []).append((label, m[field]["median"]))
    return out

for field, title in (("train_images_per_sec", "training"), ("eval_images_per_sec", "evaluation")):
    ours, theirs = medians(vkcnn["runs"], field), medians(torch["runs"], field)
    print(f"\n{title} images/s: vkcnn's faster backend over PyTorch")
    print(f"{'model':<16} {'batch':>5}  {'vkcnn best':>22}  {'PyTorch':>16}  {'ratio':>7}")
    for key in ours:
        if key not in theirs:
            continue
        best_label, best = max(ours[key], key=lambda x: x[1])
        torch_label, torch_value = theirs[key][0]
        print(f"{key[0]:<16} {key[1]:>5}  {best:>10.1f} ({best_label:>10})  {torch_value:>8.1f} ({torch_label.split()[1]:>4})  {best / torch_value:>6.2f}x")
EOF
