#!/usr/bin/env python3
"""PyTorch counterpart of `cct bench-train`: the same models, loss and optimizer on random data.

Per step: forward pass, collision cross-entropy H2(y, softmax(z)) = LSE(z) - LSE(z + log y) against
fixed random soft targets, backward pass and an Adam update. Prints the median step time, images/s,
achieved GFLOP/s (analytic: 2*MACs of convolutions and linear layers per forward pass, x3 per
training step) and the peak RSS. Optional: the cct project never needs Python.

  python3 scripts/bench_torch.py --model vgg4 --input 28x28x1 --batch 250 --steps 10 --threads 2
"""
import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def parse_input(s):
    parts = [int(p) for p in s.split("x")]
    if len(parts) == 1:
        return 1, 1, parts[0]
    h, w, c = parts
    return h, w, c


def conv_out(n, k, s, p):
    return (n + 2 * p - k) // s + 1


class VGG4(nn.Module):
    """Four Conv(5x5, pad 2, no bias)-BN-ReLU blocks, 2x2 max-pool after the first three, Linear head."""

    VARIANTS = {(28, 28, 1): ([64, 128, 256, 512], 1), (32, 32, 3): ([32, 64, 128, 256], 1),
                (96, 96, 3): ([128, 256, 512, 1024], 2)}

    def __init__(self, h, w, c, k):
        super().__init__()
        chans, stride = self.VARIANTS[(h, w, c)]
        layers, cin = [], c
        for i, ch in enumerate(chans):
            layers += [nn.Conv2d(cin, ch, 5, stride, 2, bias=False), nn.BatchNorm2d(ch), nn.ReLU(inplace=True)]
            h, w = conv_out(h, 5, stride, 2), conv_out(w, 5, stride, 2)
            if i < 3:
                layers.append(nn.MaxPool2d(2, 2))
                h, w = h // 2, w // 2
            cin = ch
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(cin * h * w, k)

    def forward(self, x):
        return self.head(torch.flatten(self.features(x), 1))


class BasicBlock(nn.Module):
    def __init__(self, cin, width, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, width, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != width:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, width, 1, stride, bias=False), nn.BatchNorm2d(width))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet18(nn.Module):
    """SCAN's ResNet-18: 3x3 stride-1 stem; STL adds max-pool(2, 2, pad 1); global average pool."""

    def __init__(self, h, w, c, k):
        super().__init__()
        self.stl = h == 96
        self.conv1 = nn.Conv2d(c, 64, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.maxpool = nn.MaxPool2d(2, 2, padding=1) if self.stl else nn.Identity()
        blocks, cin = [], 64
        for stage, width in enumerate([64, 128, 256, 512]):
            for blk in range(2):
                blocks.append(BasicBlock(cin, width, 2 if stage > 0 and blk == 0 else 1))
                cin = width
        self.layers = nn.Sequential(*blocks)
        self.head = nn.Linear(512, k)

    def forward(self, x):
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        x = self.layers(x)
        return self.head(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class Linear(nn.Module):
    def __init__(self, d, k):
        super().__init__()
        self.head = nn.Linear(d, k)
        nn.init.kaiming_normal_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, x):
        return self.head(x)


def forward_macs(model, x):
    """Counts MACs of Conv2d and Linear layers with forward hooks (one example)."""
    total = [0]

    def conv_hook(m, inp, out):
        total[0] += out.shape[2] * out.shape[3] * m.kernel_size[0] * m.kernel_size[1] * m.in_channels * m.out_channels

    def lin_hook(m, inp, out):
        total[0] += m.in_features * m.out_features

    hooks = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(lin_hook))
    model.eval()
    with torch.no_grad():
        model(x[:1])
    model.train()
    for h in hooks:
        h.remove()
    return total[0]


def collision_ce(z, y):
    """Mean over the batch of LSE(z) - LSE(z + log y), skipping y = 0 entries."""
    logy = torch.where(y > 0, torch.log(torch.where(y > 0, y, torch.ones_like(y))), torch.full_like(y, float("-inf")))
    return (torch.logsumexp(z, 1) - torch.logsumexp(z + logy, 1)).mean()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="vgg4", choices=["vgg4", "resnet18", "linear"])
    ap.add_argument("--input", default="28x28x1")
    ap.add_argument("--clusters", type=int, default=10)
    ap.add_argument("--batch", type=int, default=250)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    h, w, c = parse_input(a.input)
    if a.model == "linear":
        model, x = Linear(h * w * c, a.clusters), torch.randn(a.batch, h * w * c)
    elif a.model == "vgg4":
        model, x = VGG4(h, w, c, a.clusters), torch.randn(a.batch, c, h, w)
    else:
        model, x = ResNet18(h, w, c, a.clusters), torch.randn(a.batch, c, h, w)
    y = torch.softmax(2 * torch.randn(a.batch, a.clusters), 1)
    macs = forward_macs(model, x)
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)

    times, losses = [], []
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = collision_ce(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        dt = (time.perf_counter() - t0) * 1000
        if i >= a.warmup:
            times.append(dt)
    med = statistics.median(times)
    step_gflop = 3 * 2 * macs * a.batch / 1e9
    res = {
        "model": a.model, "input": a.input, "clusters": a.clusters, "batch": a.batch, "steps": a.steps,
        "backend": "pytorch %s (%d threads)" % (torch.__version__, torch.get_num_threads()),
        "params": params, "step_ms": times, "median_step_ms": med, "images_per_s": a.batch / (med / 1000),
        "step_gflop": step_gflop, "achieved_gflop_per_s": step_gflop / (med / 1000),
        "first_loss": losses[0], "last_loss": losses[-1],
        "max_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }
    if a.json:
        print(json.dumps(res, indent=2))
    else:
        print("model       %s %s, K=%d, %d trainable parameters" % (a.model, a.input, a.clusters, params))
        print("backend     %s" % res["backend"])
        print("step        %.1f ms median" % med)
        print("throughput  %.1f images/s" % res["images_per_s"])
        print("compute     %.2f GFLOP/step, %.1f GFLOP/s achieved" % (step_gflop, res["achieved_gflop_per_s"]))
        print("memory      max RSS %.0f MiB" % (res["max_rss_bytes"] / 2**20))
        print("loss        %.4f -> %.4f" % (losses[0], losses[-1]))


if __name__ == "__main__":
    main()
