#!/usr/bin/env bash
# Runs on a GPU machine prepared by bench/gpu_bundle.sh: lists and checks
# the Vulkan devices, runs the Vulkan tests, measures with cmd/bench and,
# where python3 has PyTorch with CUDA, with bench/pytorch_bench.py, then
# compares the results with this project's lavapipe results. Everything
# goes to $OUT (default ./gpu-check): log.txt, the JSON results and the
# comparison charts.
#
# Usage on the device machine: bash bench/gpu_check.sh
# (BENCH_FLAGS=-quick shortens the cmd/bench run, for a trial on lavapipe.)
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-gpu-check}
mkdir -p "$out"
exec > >(tee "$out/log.txt") 2>&1

# The Vulkan loader, unpacked from the carried packages when the image has none.
if ! ldconfig -p | grep -q libvulkan.so.1; then
	for f in .gl/*.deb; do dpkg -x "$f" /; done
	ldconfig
fi
if [[ -z "${VK_DRIVER_FILES:-}" && -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]]; then
	export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi

bin=$(mktemp -d)
tar xzf .carry/bin.tgz -C "$bin"
export VKCNN_REQUIRE_VULKAN=1

step() {
	echo
	echo "=== $*"
	"$@" || echo "=== FAILED (status $?): $*"
}

step nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
step "$bin/vkinfo"
step "$bin/vkinfo" -check

# Each test binary runs in its package folder, where its testdata lives.
for pkg in gpu gpu/kernels gpu/peak layers/vulkan layers/check nets cmd/bench; do
	(cd "$pkg" && step timeout 300 "$bin/${pkg//\//_}.test" -test.count=1 -test.timeout=290s)
done

# shellcheck disable=SC2086 # BENCH_FLAGS is a word list, such as -quick for a trial run
step timeout 400 "$bin/bench" -out "$out/bench" ${BENCH_FLAGS:-}
if python3 -c "import torch, sys; sys.exit(not torch.cuda.is_available())" 2>/dev/null; then
	step timeout 300 python3 bench/pytorch_bench.py --device cuda --out "$out/pytorch-cuda.json"
fi

# The comparison with lavapipe and the CPU backend of the 2-core machine.
files=(docs/bench/lavapipe-2core/results.json "$out/bench/results.json")
[[ -f "$out/pytorch-cuda.json" ]] && files+=("$out/pytorch-cuda.json")
step "$bin/bench" -compare -out "$out" "${files[@]}"

# Keep what comes back small: the results, the comparison charts and the log.
cp "$out/bench/results.json" "$out/results.json" 2>/dev/null
rm -rf "$out/bench"
ls -la "$out" "$out/compare"
