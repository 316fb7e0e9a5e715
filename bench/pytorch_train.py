#!/usr/bin/env python3
"""Train one of vkcnn's six models in PyTorch, for side-by-side accuracy and
throughput checks against vkcnn at equal settings.

It follows the same contract as vkcnn's nets package (see vkcnn_models.py).
The models are flat nn.Sequential ones with PyTorch's default
initialization. SGD uses momentum 0.9 and the model's learning rate and
weight decay, with cosine annealing per step to 0 over the whole run.
Batches of 64 are drawn in a fresh order each epoch. CIFAR-10 images get
the pad-4 random crop and horizontal flip, padded with zeros after
normalization.

Usage: /usr/bin/python3 bench/pytorch_train.py --model mnist-simple --epochs 1 --seed 1 --data DIR
DIR (default $VKCNN_DATA) contains mnist/, fashion-mnist/ and cifar-10-batches-bin/.
Uses Debian's python3-torch (1.13) on the CPU.
"""

import argparse
import math
import os
import sys
import time

import torch
from torch import nn

import vkcnn_models


def crop_flip(x):
    """Pad each image by 4 zeros, take a random 32x32 crop and flip half of them horizontally."""
    n = x.shape[0]
    padded = nn.functional.pad(x, (4, 4, 4, 4))
    out = torch.empty_like(x)
    dy = torch.randint(0, 9, (n,))
    dx = torch.randint(0, 9, (n,))
    flip = torch.rand(n) < 0.5
    for i in range(n):
        img = padded[i, :, dy[i]:dy[i] + 32, dx[i]:dx[i] + 32]
        out[i] = img.flip(2) if flip[i] else img
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="mnist-simple", choices=list(vkcnn_models.SETTINGS))
    parser.add_argument("--epochs", type=int, default=0, help="0 means the model's default")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=int, default=0, help="train on the first N images; 0 means all")
    parser.add_argument("--no-augment", action="store_true", help="turn CIFAR-10 augmentation off")
    parser.add_argument("--data", default=os.environ.get("VKCNN_DATA", ""))
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="intra-op threads (default: every CPU)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if not args.data:
        sys.exit("no data directory: pass --data or set VKCNN_DATA")

    torch.manual_seed(args.seed)
    dataset, lr, weight_decay, default_epochs = vkcnn_models.SETTINGS[args.model]
    epochs = args.epochs or default_epochs
    x_train, y_train = vkcnn_models.load(args.data, dataset, train=True)
    x_test, y_test = vkcnn_models.load(args.data, dataset, train=False)
    if args.limit:
        x_train, y_train = x_train[:args.limit], y_train[:args.limit]
    augment = dataset == "cifar10" and not args.no_augment

    model = vkcnn_models.build(args.model)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=weight_decay)
    steps_per_epoch = math.ceil(len(x_train) / args.batch)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps_per_epoch * epochs, eta_min=0)

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, model {args.model}, seed {args.seed}, "
          f"{epochs} epochs, {len(x_train)} training images, augmentation {'crop-flip' if augment else 'none'}")
    print(f"{'epoch':>5}  {'train loss':>10}  {'test loss':>10}  {'test acc':>9}  {'train img/s':>11}")
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(x_train))
        start, loss_sum = time.time(), 0.0
        for i in range(0, len(x_train), args.batch):
            idx = order[i:i + args.batch]
            x = crop_flip(x_train[idx]) if augment else x_train[idx]
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y_train[idx])
            loss.backward()
            optimizer.step()
            scheduler.step()
            loss_sum += loss.item() * len(idx)
        seconds = time.time() - start
        test_loss, test_acc = vkcnn_models.evaluate(model, x_test, y_test, args.batch)
        print(f"{epoch + 1:>5}  {loss_sum / len(x_train):>10.4f}  {test_loss:>10.4f}  {100 * test_acc:>8.2f}%  {len(x_train) / seconds:>11.1f}",
              flush=True)


if __name__ == "__main__":
    main()
