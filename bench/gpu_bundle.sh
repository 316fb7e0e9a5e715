#!/usr/bin/env bash
# Builds what bench/gpu_check.sh needs on a GPU machine that has no Go
# toolchain and no network. The test binaries of the packages that use
# Vulkan and the vkinfo and bench commands go, stripped, into
# .carry/bin.tgz. The Vulkan loader's Debian package goes into .gl. Git
# ignores both folders, and they travel with the working tree when named in
# the device tool's carry list.
#
# Usage: bench/gpu_bundle.sh   (then carry .carry and .gl, and run bench/gpu_check.sh there)
set -euo pipefail
cd "$(dirname "$0")/.."

bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
for pkg in gpu gpu/kernels gpu/peak layers/vulkan layers/check nets cmd/bench; do
	go test -c -ldflags="-s -w" -o "$bin/${pkg//\//_}.test" "./$pkg"
done
for cmd in vkinfo bench; do
	go build -ldflags="-s -w" -o "$bin/$cmd" "./cmd/$cmd"
done
mkdir -p .carry
tar czf .carry/bin.tgz -C "$bin" .

# The loader packages, for a machine whose image lacks libvulkan.so.1.
mkdir -p .gl
if ! ls .gl/libvulkan1_*.deb >/dev/null 2>&1; then
	lists=$(mktemp -d)
	mkdir -p "$lists/partial"
	opts=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists")
	apt-get "${opts[@]}" update >/dev/null
	(cd .gl && apt-get "${opts[@]}" download libvulkan1)
	rm -rf "$lists"
fi
du -sh .carry/bin.tgz .gl
