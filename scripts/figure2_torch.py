#!/usr/bin/env python3
"""An independent PyTorch check of Figure 2 on MNIST: Shannon CE against the collision CE when a
fraction eta of the training labels is replaced by a soft label.

Not the cct code path: its own data loading, network, losses and noise. The protocol follows
scripts/figure2.sh's quick budget where it can: a seeded 10,000-image subset of the train split, 2
epochs, batches of 100, Adam lr 1e-3 with weight decay 0.01, 100 warm-up steps and cosine decay,
plain accuracy on the 10,000 test images. It differs in the network (VGG4's layout at half width:
32, 64, 128, 256 channels) and has no augmented view. Losses, for a soft label y and logits z:

  Shannon CE   H(y, s)  = -sum_k y_k log s_k
  collision CE H2(y, s) = -log sum_k y_k s_k = -LSE(log s + log y)

Replaced labels: --replace dirichlet (y ~ Dirichlet(1_K)) or uniform (y = 1/K). Reads the IDX files
that `cct data get mnist` puts in --data. Optional: the cct project never needs Python.

  python3 scripts/figure2_torch.py --replace uniform --noise 0.8 0.9 --seeds 2
"""
import argparse
import gzip
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

K = 10


def idx(path, offset):
    with gzip.open(path) as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load(data, prefix):
    x = idx(os.path.join(data, prefix + "-images-idx3-ubyte.gz"), 16).reshape(-1, 1, 28, 28)
    y = idx(os.path.join(data, prefix + "-labels-idx1-ubyte.gz"), 8).astype(np.int64)
    x = (x.astype(np.float32) / 255 - 0.1307) / 0.3081
    return x, y


def net(width):
    layers, c = [], 1
    for i, ch in enumerate([width, 2 * width, 4 * width, 8 * width]):
        layers += [nn.Conv2d(c, ch, 5, padding=2, bias=False), nn.BatchNorm2d(ch), nn.ReLU()]
        if i < 3:
            layers.append(nn.MaxPool2d(2))
        c = ch
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(c * 9, K))


def noisy(rng, labels, eta, replace):
    y = np.zeros((len(labels), K), np.float32)
    y[np.arange(len(labels)), labels] = 1
    m = rng.random(len(labels)) < eta
    y[m] = rng.dirichlet(np.ones(K), m.sum()) if replace == "dirichlet" else 1.0 / K
    return torch.from_numpy(y)


def run(args, train, test, loss, eta, seed):
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    sub = rng.choice(len(train[1]), args.subset, replace=False)
    x, y = torch.from_numpy(train[0][sub]), noisy(rng, train[1][sub], eta, args.replace)
    m = net(args.width)
    opt = torch.optim.Adam(m.parameters(), lr=args.lr, weight_decay=0.01)
    per_epoch = args.subset // args.batch
    total, t = args.epochs * per_epoch, 0
    for _ in range(args.epochs):
        perm = torch.from_numpy(rng.permutation(args.subset))
        for b in range(per_epoch):
            i = perm[b * args.batch:(b + 1) * args.batch]
            logs = F.log_softmax(m(x[i]), 1)
            if loss == "ce":
                L = -(y[i] * logs).sum(1).mean()
            else:
                L = -torch.logsumexp(logs + torch.log(y[i].clamp_min(1e-30)), 1).mean()
            lr = args.lr * min(1, (t + 1) / 100) * 0.5 * (1 + np.cos(np.pi * t / total))
            for g in opt.param_groups:
                g["lr"] = lr
            opt.zero_grad()
            L.backward()
            opt.step()
            t += 1
    m.eval()
    xt = torch.from_numpy(test[0])
    with torch.no_grad():
        pred = torch.cat([m(xt[j:j + 1000]).argmax(1) for j in range(0, len(xt), 1000)])
    return 100 * (pred.numpy() == test[1]).mean()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=os.path.expanduser("~/.cache/cct/mnist"))
    p.add_argument("--replace", choices=["dirichlet", "uniform"], default="dirichlet")
    p.add_argument("--noise", type=float, nargs="+", default=[0.8, 0.9])
    p.add_argument("--seeds", type=int, default=2)
    p.add_argument("--subset", type=int, default=10000)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    train, test = load(args.data, "train"), load(args.data, "t10k")
    print(f"| replace | eta | loss | plain accuracy, mean (population std) over {args.seeds} seeds, % | per seed | s |")
    print("|---|---|---|---|---|---|")
    for eta in args.noise:
        for loss in ["ce", "cce"]:
            start = time.time()
            acc = [run(args, train, test, loss, eta, s) for s in range(args.seeds)]
            each = ", ".join(f"{a:.2f}" for a in acc)
            print(f"| {args.replace} | {eta} | {loss} | {np.mean(acc):.2f} ({np.std(acc):.2f}) | {each} | "
                  f"{time.time() - start:.0f} |", flush=True)


if __name__ == "__main__":
    main()
