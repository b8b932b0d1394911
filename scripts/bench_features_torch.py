#!/usr/bin/env python3
"""PyTorch counterpart of cct's ResNet-50 feature extraction (BenchmarkFeatures in models/resnet50).

torchvision.models.resnet50 with random weights, eval mode, no gradients, on random 224x224x3
batches: prints the median time of a forward pass to the 2048-d pooled features, images/s and
GFLOP/s (2 FLOP per multiply-add of the convolutions). --keras-v1 moves the stride 2 of stages 3-5
from the 3x3 convolution (torchvision's v1.5) to the first 1x1 convolution, as in Keras' ResNet50
(the network cct runs: 3.86 instead of 4.09 GMAC per image). Optional: cct never needs Python.

  python3 scripts/bench_features_torch.py --batch 16 --steps 5 --threads 2 [--channels-last] [--optimize] [--keras-v1]
"""
import argparse
import json
import statistics
import time

import torch
import torchvision


def macs(model, h=224):
    total = 0
    hooks = []

    def hook(m, inp, out):
        nonlocal total
        if isinstance(m, torch.nn.Conv2d):
            k = m.kernel_size[0] * m.kernel_size[1] * m.in_channels // m.groups
            total += out.shape[2] * out.shape[3] * m.out_channels * k

    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            hooks.append(m.register_forward_hook(hook))
    with torch.no_grad():
        model(torch.zeros(1, 3, h, h))
    for hk in hooks:
        hk.remove()
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--keras-v1", action="store_true")
    ap.add_argument("--channels-last", action="store_true", help="NHWC memory format (as cct)")
    ap.add_argument("--optimize", action="store_true",
                    help="torch.jit.optimize_for_inference (batch norm folded, oneDNN layouts)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = torchvision.models.resnet50()
    if a.keras_v1:
        for layer in (model.layer2, model.layer3, model.layer4):
            layer[0].conv1.stride = (2, 2)
            layer[0].conv2.stride = (1, 1)
    model.fc = torch.nn.Identity()  # the 2048-d pooled features
    model.eval()
    m = macs(model)
    x = torch.rand(a.batch, 3, 224, 224) * 255 - 120
    if a.channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.to(memory_format=torch.channels_last)
    if a.optimize:
        with torch.no_grad():
            model = torch.jit.optimize_for_inference(torch.jit.script(model))
    times = []
    with torch.no_grad():
        model(x)  # warm-up
        for _ in range(a.steps):
            t0 = time.perf_counter()
            f = model(x)
            times.append(time.perf_counter() - t0)
    assert f.shape == (a.batch, 2048)
    t = statistics.median(times)
    res = {
        "backend": "pytorch %s, torchvision %s, %d threads%s" % (
            torch.__version__, torchvision.__version__, a.threads, ", keras-v1 strides" if a.keras_v1 else "") + (", channels-last" if a.channels_last else "") + (
            ", optimize_for_inference" if a.optimize else ""),
        "batch": a.batch,
        "median_batch_ms": t * 1e3,
        "images_per_s": a.batch / t,
        "gmac_per_image": m / 1e9,
        "achieved_gflop_per_s": 2 * m * a.batch / t / 1e9,
    }
    print(json.dumps(res, indent=1) if a.json else res)


if __name__ == "__main__":
    main()
