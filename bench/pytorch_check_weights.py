#!/usr/bin/env python3
"""Load a weights file written by vkcnn into the matching PyTorch model and
test it on the real test set.

The file's tensors load with strict=True into a flat nn.Sequential built as
the contract gives the model, after dropping the optimizer's "optim."
tensors. The script prints PyTorch's test loss and accuracy beside the
accuracy that vkcnn recorded in the file after its last epoch, and exits
with status 1 when the two differ by more than --tolerance percentage
points (0.1 by default).

Usage: /usr/bin/python3 bench/pytorch_check_weights.py weights/mnist-simple.safetensors --data DIR
DIR (default $VKCNN_DATA) contains mnist/, fashion-mnist/ and cifar-10-batches-bin/.
"""

import argparse
import os
import sys

import torch

import vkcnn_models


def default_data_dir():
    """Return $VKCNN_DATA, else vkcnn/datasets in the user cache directory, as the Go commands do."""
    if os.environ.get("VKCNN_DATA"):
        return os.environ["VKCNN_DATA"]
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "vkcnn", "datasets")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("weights", help="a .safetensors file written by go run ./cmd/train")
    parser.add_argument("--data", default=default_data_dir(),
                        help="data directory as for cmd/train (default: $VKCNN_DATA, else ~/.cache/vkcnn/datasets)")
    parser.add_argument("--tolerance", type=float, default=0.1,
                        help="largest accepted accuracy difference, in percentage points (default 0.1)")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="PyTorch CPU threads (default: every CPU)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    try:
        tensors, meta = vkcnn_models.read_safetensors(args.weights)
    except (OSError, ValueError, KeyError) as e:
        sys.exit(f"{args.weights}: cannot read the weights file: {e}")
    if meta.get("format") != "vkcnn":
        sys.exit(f"{args.weights}: not a vkcnn weights file (metadata format {meta.get('format')!r})")
    name, dataset = meta["model"], meta["dataset"]
    state = {k: v for k, v in tensors.items() if not k.startswith("optim.")}

    model = vkcnn_models.build(name)
    model.load_state_dict(state, strict=True)
    try:
        x, y = vkcnn_models.load(args.data, dataset, train=False)
    except OSError as e:
        sys.exit(f"cannot read the {dataset} test set in {args.data}: {e} (pass --data DIR)")
    loss, acc = vkcnn_models.evaluate(model, x, y)

    recorded = float(meta["test_accuracy"])
    diff = 100 * abs(acc - recorded)
    print(f"torch {torch.__version__}; {args.weights}: {name} on {dataset}, epoch {meta['epoch']} of {meta['epochs']}, "
          f"trained by vkcnn {meta.get('vkcnn_version', '?')} on {meta['backend']} ({meta['device']})")
    print(f"PyTorch: test loss {loss:.4f}, accuracy {100 * acc:.2f}% on {len(y)} images")
    print(f"vkcnn:   test loss {float(meta['test_loss']):.4f}, accuracy {100 * recorded:.2f}%")
    print(f"difference {diff:.2f} points (tolerance {args.tolerance})")
    if diff > args.tolerance:
        print("FAIL: the accuracies differ by more than the tolerance")
        sys.exit(1)
    print("PASS")


if __name__ == "__main__":
    main()
