"""vkcnn's six models, data readers and weights-file reader for PyTorch.

The bench scripts import this module. It follows the same contract as
vkcnn's nets package: flat nn.Sequential models (so state_dict names match
vkcnn's weights files), the datasets' normalization, and the safetensors
layout that vkcnn writes. It needs numpy and torch only (Debian's
python3-numpy and python3-torch).
"""

import gzip
import json
import os
import struct
import sys

import numpy as np
import torch
from torch import nn

MNIST_STATS = ([0.1307], [0.3081])
FASHION_MNIST_STATS = ([0.2860], [0.3530])
CIFAR10_STATS = ([0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616])

# The training settings of each model: dataset, learning rate, weight decay, default epochs.
SETTINGS = {
    "mnist-simple": ("mnist", 0.01, 0.0, 2),
    "mnist-blocks": ("mnist", 0.01, 0.0, 2),
    "mnist-bn": ("mnist", 0.01, 0.0, 2),
    "cifar-baseline": ("cifar10", 0.02, 5e-4, 15),
    "cifar-deep": ("cifar10", 0.02, 5e-4, 15),
    "cifar-bonus": ("cifar10", 0.02, 5e-4, 15),
}


def build(name):
    """Return the model called name as a flat nn.Sequential with PyTorch's default initialization."""
    if name == "mnist-simple":
        return nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(),
            nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
            nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))
    if name == "mnist-blocks":
        return nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))
    if name == "mnist-bn":
        return nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(3136, 256), nn.BatchNorm1d(256), nn.ReLU(),
            nn.Dropout(0.4), nn.Linear(256, 10))
    if name == "cifar-baseline":
        return nn.Sequential(
            nn.Conv2d(3, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    if name == "cifar-deep":
        return nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3), nn.ReLU(),
            nn.MaxPool2d(2), nn.Dropout(0.25),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3), nn.ReLU(),
            nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
            nn.Linear(2304, 512), nn.ReLU(), nn.Dropout(0.5), nn.Linear(512, 10))
    if name == "cifar-bonus":
        layers, inputs = [], 3
        for c in (64, 128, 256):
            layers += [nn.Conv2d(inputs, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(),
                       nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(), nn.MaxPool2d(2)]
            inputs = c
        layers += [nn.Flatten(), nn.Linear(4096, 256), nn.ReLU(), nn.Dropout(0.5), nn.Linear(256, 10)]
        return nn.Sequential(*layers)
    sys.exit(f"unknown model {name}: want one of {', '.join(SETTINGS)}")


def read_idx(path):
    """Read an IDX file of unsigned bytes (gzip or plain) into a numpy array."""
    if not os.path.exists(path) and path.endswith(".gz"):
        path = path[:-3]
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        sys.exit(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data[4 + 4 * ndim:], dtype=np.uint8).reshape(dims)


def normalize(pixels, stats):
    """Scale NCHW uint8 pixels to [0,1] and normalize each channel, in float32 as vkcnn does."""
    x = torch.from_numpy(pixels.astype(np.float32) / np.float32(255))
    mean = torch.tensor(stats[0], dtype=torch.float32).view(1, -1, 1, 1)
    std = torch.tensor(stats[1], dtype=torch.float32).view(1, -1, 1, 1)
    return (x - mean) / std


def load(data_dir, dataset, train):
    """Return the normalized images (NCHW float32) and labels (int64) of a dataset split."""
    if dataset in ("mnist", "fashion-mnist"):
        folder = os.path.join(data_dir, dataset)
        if dataset == "fashion-mnist" and not os.path.isdir(folder):
            folder = "/usr/share/datasets/fashion-mnist"
        prefix = "train" if train else "t10k"
        images = read_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz"))[:, None, :, :]
        labels = read_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz"))
        stats = MNIST_STATS if dataset == "mnist" else FASHION_MNIST_STATS
    elif dataset == "cifar10":
        folder = os.path.join(data_dir, "cifar-10-batches-bin")
        names = [f"data_batch_{i}.bin" for i in range(1, 6)] if train else ["test_batch.bin"]
        raw = np.concatenate([np.fromfile(os.path.join(folder, n), dtype=np.uint8) for n in names])
        records = raw.reshape(-1, 3073)
        labels, images = records[:, 0], records[:, 1:].reshape(-1, 3, 32, 32)
        stats = CIFAR10_STATS
    else:
        sys.exit(f"unknown dataset {dataset}")
    return normalize(images, stats), torch.from_numpy(labels.astype(np.int64))


SAFETENSORS_DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32, "U8": np.uint8}


def read_safetensors(path):
    """Read a safetensors file into (tensors, metadata) without the safetensors package."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    metadata = header.pop("__metadata__", {})
    body = data[8 + length:]
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        array = np.frombuffer(body[begin:end], dtype=np.dtype(SAFETENSORS_DTYPES[entry["dtype"]]).newbyteorder("<"))
        tensors[name] = torch.from_numpy(array.reshape(entry["shape"]).copy())
    return tensors, metadata


def evaluate(model, x, y, batch=64):
    """Return the mean cross-entropy and the accuracy of model on (x, y), in evaluation mode."""
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            logits = model(x[i:i + batch])
            loss += nn.functional.cross_entropy(logits, y[i:i + batch], reduction="sum").item()
            correct += (logits.argmax(1) == y[i:i + batch]).sum().item()
    return loss / len(x), correct / len(x)
