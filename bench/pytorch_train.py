#!/usr/bin/env python3
"""Train an MNIST model of vkcnn's contract in PyTorch, for side-by-side
accuracy and throughput checks against vkcnn at equal settings.

It follows the same contract as vkcnn's nets package. The architectures
are flat nn.Sequential models with PyTorch's default initialization. SGD
uses momentum 0.9, and cosine annealing takes the learning rate per step
to 0 over the whole run. Batches hold 64 images, drawn in a fresh order
each epoch, and MNIST pixels are normalized with mean 0.1307 and std 0.3081.

Usage: bench/pytorch_train.py --model mnist-simple --epochs 1 --seed 1 --data DIR
DIR (default $VKCNN_DATA) contains mnist/ with the four IDX files, gzip or plain.
Uses Debian's python3-torch (1.13) on the CPU; run it with /usr/bin/python3.
"""

import argparse
import gzip
import math
import os
import struct
import sys
import time

import numpy as np
import torch
from torch import nn

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


def read_idx(path):
    """Read an IDX file (gzip or plain) into a numpy array."""
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


def load_mnist(folder, train):
    prefix = "train" if train else "t10k"
    images = read_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz"))
    x = torch.from_numpy(images.astype(np.float32) / 255.0)
    x = ((x - MNIST_MEAN) / MNIST_STD).unsqueeze(1)
    return x, torch.from_numpy(labels.astype(np.int64))


def mnist_model(name):
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
    sys.exit(f"unknown model {name}: want mnist-simple, mnist-blocks or mnist-bn")


def evaluate(model, x, y, batch):
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            logits = model(x[i:i + batch])
            loss += nn.functional.cross_entropy(logits, y[i:i + batch], reduction="sum").item()
            correct += (logits.argmax(1) == y[i:i + batch]).sum().item()
    return loss / len(x), correct / len(x)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="mnist-simple")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--data", default=os.environ.get("VKCNN_DATA", ""))
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="intra-op threads (default: every CPU)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if not args.data:
        sys.exit("no data directory: pass --data or set VKCNN_DATA")

    torch.manual_seed(args.seed)
    folder = os.path.join(args.data, "mnist")
    x_train, y_train = load_mnist(folder, True)
    x_test, y_test = load_mnist(folder, False)

    model = mnist_model(args.model)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=0)
    steps_per_epoch = math.ceil(len(x_train) / args.batch)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps_per_epoch * args.epochs, eta_min=0)

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, model {args.model}, seed {args.seed}")
    print(f"{'epoch':>5}  {'train loss':>10}  {'test loss':>10}  {'test acc':>9}  {'train img/s':>11}")
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(x_train))
        start, loss_sum = time.time(), 0.0
        for i in range(0, len(x_train), args.batch):
            idx = order[i:i + args.batch]
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(x_train[idx]), y_train[idx])
            loss.backward()
            optimizer.step()
            scheduler.step()
            loss_sum += loss.item() * len(idx)
        seconds = time.time() - start
        test_loss, test_acc = evaluate(model, x_test, y_test, args.batch)
        print(f"{epoch + 1:>5}  {loss_sum / len(x_train):>10.4f}  {test_loss:>10.4f}  {100 * test_acc:>8.2f}%  {len(x_train) / seconds:>11.1f}",
              flush=True)


if __name__ == "__main__":
    main()
