# vkcnn build, test and run targets. `make test` and `make run` install
# missing system packages first (see .ci/install-deps).

GLSLC      ?= glslc
GLSLFLAGS  := --target-env=vulkan1.1 -O -Werror
SPIRV_VAL  ?= spirv-val
SHADERS    := $(wildcard shaders/*.comp)
SPIRV      := $(SHADERS:.comp=.spv)
GO         ?= go
RUN_ARGS   ?=
BENCH_ARGS ?=

.PHONY: all deps shaders check-shaders vet test test-short bench go-bench gpu-bundle run vkinfo clean-cache

all: test

deps:
	@.ci/install-deps

# Rebuild the committed SPIR-V from the GLSL sources.
shaders: $(SPIRV)

shaders/%.spv: shaders/%.comp
	$(GLSLC) $(GLSLFLAGS) -o $@ $<
	$(SPIRV_VAL) --target-env vulkan1.1 $@

# Compile every shader to a temporary folder and fail if any committed .spv
# differs from what its source compiles to.
check-shaders: deps
	@tmp=$$(mktemp -d); status=0; \
	for src in $(SHADERS); do \
		name=$$(basename $$src .comp); \
		$(GLSLC) $(GLSLFLAGS) -o $$tmp/$$name.spv $$src || { status=1; continue; }; \
		$(SPIRV_VAL) --target-env vulkan1.1 $$tmp/$$name.spv || status=1; \
		if ! cmp -s $$tmp/$$name.spv shaders/$$name.spv; then \
			echo "shaders/$$name.spv is stale or missing: run make shaders and commit it"; status=1; \
		fi; \
	done; rm -rf $$tmp; \
	if [ $$status -eq 0 ]; then echo "check-shaders: $(words $(SHADERS)) shaders match their sources"; fi; \
	exit $$status

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed on:"; gofmt -l .; exit 1; }

# The test command: set-up, shader check, vet, then every test with the
# Vulkan validation layer on.
test: deps check-shaders vet
	$(GO) test -count=1 -timeout 60m ./...

test-short: vet
	$(GO) test -short ./...

# The benchmark command; pass flags with BENCH_ARGS, for example
# make bench BENCH_ARGS=-quick. go-bench runs the Go benchmark functions.
bench: deps
	$(GO) run ./cmd/bench $(BENCH_ARGS)

# Test binaries and commands for a GPU machine without Go (see
# bench/gpu_check.sh).
gpu-bundle:
	bench/gpu_bundle.sh

go-bench: deps
	$(GO) test -run '^$$' -bench . -benchtime 10x ./gpu/...

vkinfo: deps
	$(GO) run ./cmd/vkinfo

# The main job: train and test on the Vulkan backend. Pass flags with
# RUN_ARGS, for example make run RUN_ARGS='-backend cpu -epochs 1'.
run: deps
	$(GO) run ./cmd/train -backend vulkan $(RUN_ARGS)
