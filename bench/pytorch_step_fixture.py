#!/usr/bin/env python3
"""Write a fixture for vkcnn's TestMatchesPyTorch: a model's initial
weights, a few batches, and what PyTorch computes from them.

Dropout is off, because its masks come from different random sources in
the two engines. For each model, PyTorch runs STEPS steps of SGD (momentum
0.9, the model's weight decay, a constant learning rate) from weights
drawn here. The fixture records the weights, the batches, each step's mean
loss and the final weights, as little-endian float32 files.

Usage: /usr/bin/python3 bench/pytorch_step_fixture.py OUTDIR
then:  VKCNN_PYTORCH_FIXTURE=OUTDIR go test -run MatchesPyTorch ./nets/
"""

import os
import sys

import numpy as np
import torch
from torch import nn

STEPS, BATCH = 3, 8

MODELS = {
    "cifar-baseline": (lambda: nn.Sequential(
        nn.Conv2d(3, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10)),
        (3, 32, 32), 0.02, 5e-4),
    "mnist-bn": (lambda: nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 256), nn.BatchNorm1d(256), nn.ReLU(),
        nn.Dropout(0.0), nn.Linear(256, 10)),
        (1, 28, 28), 0.01, 0.0),
}


def write(path, array):
    np.asarray(array, dtype="<f4").tofile(path)


def main():
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
        sys.exit(__doc__)
    out = sys.argv[1]
    rng = np.random.default_rng(7)
    for name, (build, shape, lr, decay) in MODELS.items():
        folder = os.path.join(out, name)
        os.makedirs(folder, exist_ok=True)
        model = build()
        params = [p for p in model.parameters()]
        for p in params:
            p.data = torch.from_numpy(rng.uniform(-0.2, 0.2, size=p.shape).astype(np.float32))
        write(os.path.join(folder, "initial.bin"), np.concatenate([p.detach().numpy().ravel() for p in params]))

        images = rng.standard_normal((STEPS, BATCH) + shape).astype(np.float32)
        labels = rng.integers(0, 10, size=(STEPS, BATCH))
        write(os.path.join(folder, "images.bin"), images.ravel())
        write(os.path.join(folder, "labels.bin"), labels.ravel())

        optimizer = torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=decay)
        model.train()
        losses = []
        for s in range(STEPS):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(torch.from_numpy(images[s])), torch.from_numpy(labels[s]))
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        write(os.path.join(folder, "losses.bin"), losses)
        write(os.path.join(folder, "final.bin"), np.concatenate([p.detach().numpy().ravel() for p in params]))
        write(os.path.join(folder, "lr.bin"), [lr])
        print(name, "losses", losses)


if __name__ == "__main__":
    main()
