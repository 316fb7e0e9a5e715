#!/usr/bin/env python3
"""Measure PyTorch on vkcnn's six models and write vkcnn's results schema.

For each model and batch size the script times training steps (forward,
cross-entropy, backward, SGD with the model's momentum and weight decay)
and evaluation passes after a warm-up, as go run ./cmd/bench does. Both use
the same input batch: element k of the flattened batch is sin(0.37*k), and
label i is i mod 10. Both take the same warm-up, repeat and steps settings,
and report images per second as the median and spread over the timed runs. The output file follows
docs/BENCH_SCHEMA.md, so go run ./cmd/bench -compare reads it beside
vkcnn's results.

Usage: /usr/bin/python3 bench/pytorch_bench.py [--device cpu|cuda] [--out pytorch.json]
Uses Debian's python3-torch on the CPU; on a machine with CUDA, --device cuda.
"""

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time

import torch
from torch import nn

import vkcnn_models

SCHEMA_VERSION = 1

# Go's names for the operating systems that sys.platform reports.
GO_OS = {"win32": "windows", "cygwin": "windows"}

# Go's names for the machine types that platform.machine() reports, so both writers agree.
GO_ARCH = {"x86_64": "amd64", "AMD64": "amd64", "aarch64": "arm64", "arm64": "arm64", "i686": "386"}


def bench_input(n, shape, classes=10):
    """Return the benchmark batch that cmd/bench uses, computed by its formula."""
    size = math.prod(shape)
    k = torch.arange(n * size, dtype=torch.float64)
    images = torch.sin(0.37 * k).to(torch.float32).reshape(n, *shape)
    labels = torch.arange(n) % classes
    return images, labels


def stats(samples):
    """Summarize samples as the schema's Stats object."""
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "samples": samples}


def synchronize(device):
    if device == "cuda":
        torch.cuda.synchronize()


def time_model(name, batch, device, warmup, repeat, steps):
    dataset, lr, weight_decay, _ = vkcnn_models.SETTINGS[name]
    shape = (1, 28, 28) if dataset == "mnist" else (3, 32, 32)
    model = vkcnn_models.build(name).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=weight_decay)
    x, y = bench_input(batch, shape)
    x, y = x.to(device), y.to(device)

    def train_step():
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()  # a read-back, as vkcnn reads the loss of every step

    def eval_step():
        with torch.no_grad():
            return nn.functional.cross_entropy(model(x), y).item()

    results = {}
    for mode, step in (("train", train_step), ("eval", eval_step)):
        model.train(mode == "train")
        for _ in range(warmup):
            step()
        samples = []
        for _ in range(repeat):
            synchronize(device)
            start = time.perf_counter()
            for _ in range(steps):
                step()
            synchronize(device)
            samples.append(steps * batch / (time.perf_counter() - start))
        results[mode] = stats(samples)
    memory = torch.cuda.max_memory_allocated() if device == "cuda" else 0
    return {"model": name, "batch": batch, "train_images_per_sec": results["train"],
            "eval_images_per_sec": results["eval"], "memory_bytes": memory}


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def memory_bytes():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def device_info(device, threads):
    if device == "cuda":
        props = torch.cuda.get_device_properties(0)
        return {"name": props.name, "vendor": "NVIDIA", "vendor_id": 0x10DE, "device_id": 0, "type": "discrete",
                "driver_name": "CUDA", "driver_info": "", "driver_version": "", "api_version": torch.version.cuda or "",
                "subgroup_size": 32, "memory_bytes": props.total_memory, "threads": 0}
    return {"name": cpu_model(), "vendor": "", "vendor_id": 0, "device_id": 0, "type": "cpu", "driver_name": "",
            "driver_info": "", "driver_version": "", "api_version": "", "subgroup_size": 0, "memory_bytes": 0,
            "threads": threads}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--models", default="all", help="comma-separated models, or all")
    parser.add_argument("--batch", default="64", help="comma-separated batch sizes")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--out", default="pytorch-results.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("--device cuda: this PyTorch has no CUDA device (torch.cuda.is_available() is False)")
    models = list(vkcnn_models.SETTINGS) if args.models == "all" else args.models.split(",")
    batches = [int(b) for b in args.batch.split(",")]

    run = {"framework": "pytorch", "framework_version": torch.__version__, "backend": args.device,
           "device": device_info(args.device, torch.get_num_threads()), "models": []}
    for name in models:
        for batch in batches:
            print(f"{name} at batch {batch} on {args.device}", file=sys.stderr, flush=True)
            run["models"].append(time_model(name, batch, args.device, args.warmup, args.repeat, args.steps))

    result = {
        "schema": SCHEMA_VERSION,
        "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "host": {"os": GO_OS.get(sys.platform, sys.platform), "arch": GO_ARCH.get(platform.machine(), platform.machine()), "cpu_model": cpu_model(), "cpu_cores": os.cpu_count() or 0,
                 "memory_bytes": memory_bytes(), "go_version": "", "python_version": platform.python_version()},
        "runs": [run],
    }
    folder = os.path.dirname(os.path.abspath(args.out))
    with tempfile.NamedTemporaryFile("w", dir=folder, delete=False, suffix=".tmp") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.chmod(f.name, 0o644)
    os.replace(f.name, args.out)

    print(f"{'model':<16} {'batch':>5} {'train img/s':>12} {'eval img/s':>12}")
    for m in run["models"]:
        print(f"{m['model']:<16} {m['batch']:>5} {m['train_images_per_sec']['median']:>12.1f} {m['eval_images_per_sec']['median']:>12.1f}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
