#!/usr/bin/env python3
"""Writes the PyTorch checkpoints and reference outputs that the Go tests of models/torchckpt and
models compare against (models/torchckpt/testdata/).

It builds, with torch only, the ResNet-18 layouts that cct loads:

  * SCAN's CIFAR backbone: 3x3 stride-1 stem, no max-pool, BasicBlocks whose 1x1 projection
    shortcut is the Sequential "shortcut" (conv "shortcut.0", batch norm "shortcut.1"), global
    average pool; SCAN's SimCLR pretext model puts it under "backbone." next to an MLP
    "contrastive_head" (Linear, ReLU, Linear) and saves model.state_dict();
  * SCAN's STL backbone: the same with max-pool(2, stride 2, pad 1) after the stem and AvgPool2d(7);
    SCAN's clustering stage saves {"model": state_dict with "cluster_head.0", "head": best head};
  * torchvision's resnet18: 7x7 stride-2 stem, max-pool(3, stride 2, pad 1), shortcut "downsample",
    head "fc". When torchvision is installed the script checks that this layout has the keys and
    shapes of torchvision.models.resnet18() and computes the same logits from its weights.

The fixtures use reduced widths (first stage 4 channels instead of 64) so that each file stays far
below 1 MB, random weights and random batch-norm statistics, and fixed random inputs. Run it from
the repository root with Debian's python3-torch:

  python3 scripts/torch_fixtures.py [--out models/torchckpt/testdata]
"""
import argparse
import collections
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, cin, cout, stride, short_name):
        super().__init__()
        self.short_name = short_name
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        proj = None
        if stride != 1 or cin != cout:
            proj = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
        elif short_name == "shortcut":
            proj = nn.Sequential()  # SCAN keeps an empty Sequential
        setattr(self, short_name, proj)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        proj = getattr(self, self.short_name)
        return F.relu(out + (x if proj is None else proj(x)))


class ResNet18(nn.Module):
    """stem: "cifar", "stl" or "torchvision"; width: channels of the first stage."""

    def __init__(self, stem, width, classes=0):
        super().__init__()
        self.stem = stem
        if stem == "torchvision":
            self.conv1 = nn.Conv2d(3, width, 7, stride=2, padding=3, bias=False)
        else:
            self.conv1 = nn.Conv2d(3, width, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        short = "downsample" if stem == "torchvision" else "shortcut"
        cin = width
        for i, mult in enumerate([1, 2, 4, 8]):
            cout = width * mult
            stride = 1 if i == 0 else 2
            setattr(self, "layer%d" % (i + 1),
                    nn.Sequential(Block(cin, cout, stride, short), Block(cout, cout, 1, short)))
            cin = cout
        self.dim = cin
        if classes:
            self.fc = nn.Linear(cin, classes)

    def features(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        if self.stem == "stl":
            x = F.max_pool2d(x, 2, stride=2, padding=1)
        elif self.stem == "torchvision":
            x = F.max_pool2d(x, 3, stride=2, padding=1)
        for i in range(1, 5):
            x = getattr(self, "layer%d" % i)(x)
        if self.stem == "stl":
            x = F.avg_pool2d(x, 7, stride=1)
        else:
            x = F.adaptive_avg_pool2d(x, 1)
        return torch.flatten(x, 1)

    def forward(self, x):
        return self.fc(self.features(x))


class Contrastive(nn.Module):
    """SCAN's pretext model: backbone plus an MLP contrastive head."""

    def __init__(self, backbone, out_dim):
        super().__init__()
        self.backbone = backbone
        d = backbone.dim
        self.contrastive_head = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, out_dim))


class Clustering(nn.Module):
    """SCAN's clustering model: backbone plus a list of linear cluster heads."""

    def __init__(self, backbone, clusters):
        super().__init__()
        self.backbone = backbone
        self.cluster_head = nn.ModuleList([nn.Linear(backbone.dim, clusters)])


def randomise(model, gen):
    """Random weights (Kaiming-like) and random batch-norm affine maps and running statistics."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Conv2d):
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) * (2.0 / fan_in) ** 0.5)
            elif isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.weight.copy_(0.5 + torch.rand(c, generator=gen))
                m.bias.copy_(0.2 * torch.randn(c, generator=gen))
                m.running_mean.copy_(0.2 * torch.randn(c, generator=gen))
                m.running_var.copy_(0.5 + 1.5 * torch.rand(c, generator=gen))
                m.num_batches_tracked.fill_(100)
            elif isinstance(m, nn.Linear):
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) / m.in_features ** 0.5)
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))


def nhwc(x):
    return np.ascontiguousarray(x.permute(0, 2, 3, 1).numpy().astype(np.float32))


def write_keys(path, sd):
    with open(path, "w") as f:
        for k, v in sd.items():
            f.write("%s %s\n" % (k, "x".join(str(d) for d in v.shape) or "scalar"))


def check_torchvision(out):
    """Our torchvision layout against torchvision.models.resnet18 at full width."""
    try:
        import torchvision
    except ImportError:
        print("torchvision not installed: layout check skipped")
        return
    gen = torch.Generator().manual_seed(7)
    tv = torchvision.models.resnet18()
    randomise(tv, gen)
    ours = ResNet18("torchvision", 64, classes=1000)
    a, b = tv.state_dict(), ours.state_dict()
    assert [(k, tuple(v.shape)) for k, v in a.items()] == [(k, tuple(v.shape)) for k, v in b.items()], \
        "torchvision layout differs"
    ours.load_state_dict(a, strict=True)
    tv.eval(), ours.eval()
    x = torch.randn(2, 3, 45, 38, generator=gen)
    with torch.no_grad():
        diff = (tv(x) - ours(x)).abs().max().item()
    assert diff < 1e-5, diff
    write_keys(os.path.join(out, "keys_torchvision_resnet18.txt"), a)
    print("torchvision resnet18 layout: same keys and shapes, logits differ by %.2g" % diff)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="models/torchckpt/testdata")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(2)
    check_torchvision(args.out)
    write_keys(os.path.join(args.out, "keys_scan_cifar_resnet18.txt"),
               Contrastive(ResNet18("cifar", 64), 128).state_dict())

    def save_ref(name, x, outs):
        np.save(os.path.join(args.out, name + "_input.npy"), nhwc(x).reshape(x.shape[0], -1))  # N × (H·W·C), NHWC order
        for suffix, y in outs.items():
            np.save(os.path.join(args.out, "%s_%s.npy" % (name, suffix)), y.detach().numpy().astype(np.float32))

    # 1. SCAN SimCLR pretext, CIFAR stem: legacy (non-zip) format, float32, as SCAN's PyTorch 1.4
    #    wrote simclr_cifar-10.pth.tar with torch.save(model.state_dict(), path).
    gen = torch.Generator().manual_seed(1)
    m = Contrastive(ResNet18("cifar", 4), 16)
    randomise(m, gen)
    m.eval()
    x = torch.randn(3, 3, 32, 32, generator=gen)
    torch.save(m.state_dict(), os.path.join(args.out, "scan_simclr_cifar_w4.pth.tar"),
               _use_new_zipfile_serialization=False)
    with torch.no_grad():
        save_ref("scan_simclr_cifar_w4", x, {"features": m.backbone.features(x)})
    # The same model on 8-bit images, fed as pixel/255 ("none") and with SCAN's CIFAR-10
    # normalisation ((pixel/255 − mean)/std), for the feature extractor of a dataset.
    img = torch.randint(0, 256, (5, 32, 32, 3), generator=gen, dtype=torch.uint8)
    np.save(os.path.join(args.out, "images_u8.npy"), img.numpy().reshape(5, -1))
    xi = img.permute(0, 3, 1, 2).double() / 255
    mean = torch.tensor([0.4914, 0.4822, 0.4465], dtype=torch.float64).view(1, 3, 1, 1)
    std = torch.tensor([0.2023, 0.1994, 0.2010], dtype=torch.float64).view(1, 3, 1, 1)
    with torch.no_grad():
        for name, xin in [("none", xi), ("cifar10", (xi - mean) / std)]:
            y = m.backbone.features(xin.float())
            np.save(os.path.join(args.out, "scan_simclr_cifar_w4_images_%s.npy" % name), y.numpy().astype(np.float32))

    # 2. SCAN clustering stage, STL stem: zip format, float16 weights, wrapped as
    #    {"model": state_dict, "head": numpy integer}. The reference runs the float16 weights in
    #    float32.
    gen = torch.Generator().manual_seed(2)
    m = Clustering(ResNet18("stl", 4), 10)
    randomise(m, gen)
    m.half().float()
    m.eval()
    x = torch.rand(2, 3, 96, 96, generator=gen)
    sd = {k: v.half() if v.is_floating_point() else v for k, v in m.state_dict().items()}
    torch.save({"model": sd, "head": np.int64(0)}, os.path.join(args.out, "scan_stl_w4.pth"))
    with torch.no_grad():
        save_ref("scan_stl_w4", x, {"features": m.backbone.features(x)})

    # 3. torchvision layout: zip format, float64 state dict, odd rectangular input (45x38), the
    #    reference computed in float64; "logits" go through fc.
    gen = torch.Generator().manual_seed(3)
    m = ResNet18("torchvision", 4, classes=10)
    randomise(m, gen)
    m.double().eval()
    x = torch.randn(2, 3, 45, 38, generator=gen).double()
    torch.save(m.state_dict(), os.path.join(args.out, "torchvision_w4.pth"))
    with torch.no_grad():
        save_ref("torchvision_w4", x.float(), {"features": m.features(x), "logits": m(x)})

    # 4. The reader's dtypes, views and containers: small tensors whose exact values go to a JSON
    #    file, saved in both layouts. "view" shares the storage of "base" with an offset and
    #    transposed strides.
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 8
    obj = collections.OrderedDict([
        ("base", base),
        ("view", base[1:, ::2].t()),
        ("half", torch.tensor([[0.5, -1.25], [3.0, 65504.0]], dtype=torch.float16)),
        ("double", torch.tensor([1 / 3, -2.5e-300, 7.0], dtype=torch.float64)),
        ("bf16", torch.tensor([1.5, -0.0078125], dtype=torch.bfloat16)),
        ("long", torch.tensor([-3, 2 ** 40], dtype=torch.int64)),
        ("flags", torch.tensor([True, False, True])),
        ("scalar", torch.tensor(2.75)),
        ("param", nn.Parameter(torch.tensor([1.0, 2.0]))),
        ("nested", {"list": [torch.tensor([4.0]), 5, "text"], "epoch": 12}),
    ])
    expect = {}
    for k, v in [("base", obj["base"]), ("view", obj["view"]), ("half", obj["half"]), ("double", obj["double"]),
                 ("bf16", obj["bf16"]), ("long", obj["long"]), ("flags", obj["flags"]),
                 ("scalar", obj["scalar"]), ("param", obj["param"]), ("nested.list.0", obj["nested"]["list"][0])]:
        expect[k] = {"dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape),
                     "values": [float(e) for e in v.detach().double().flatten().tolist()]}
    with open(os.path.join(args.out, "tensors.json"), "w") as f:
        json.dump(expect, f, indent=1)
    torch.save(obj, os.path.join(args.out, "tensors_zip.pt"))
    torch.save(obj, os.path.join(args.out, "tensors_legacy.pt"), _use_new_zipfile_serialization=False)

    # 5. Bad inputs: a whole pickled module (globals outside the allow-list) and a state dict of
    #    another architecture.
    gen = torch.Generator().manual_seed(4)
    torch.save(nn.Linear(2, 2), os.path.join(args.out, "module_linear.pt"))
    other = nn.Sequential(nn.Conv2d(3, 4, 3, bias=False), nn.BatchNorm2d(4), nn.Flatten(), nn.Linear(4, 2))
    torch.save(other.state_dict(), os.path.join(args.out, "other_arch.pt"))
    for f in sorted(os.listdir(args.out)):
        print("%8d %s" % (os.path.getsize(os.path.join(args.out, f)), f))


if __name__ == "__main__":
    main()
