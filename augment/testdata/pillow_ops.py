# Regenerates pillow_ops.json, the reference outputs of Pillow for SCAN's RandAugment operations
# on one 16x16 RGB image. Only needed to refresh the fixture; the Go tests read the JSON.
import json
import numpy as np
import PIL
import PIL.Image, PIL.ImageEnhance, PIL.ImageOps

rng = np.random.default_rng(2024)
y, x = np.mgrid[0:16, 0:16]
base = np.stack([70 + 50*np.sin(x/3.0), 120 + 60*np.cos((x+y)/5.0), 90 + 30*np.sin(y/2.0)], -1)
arr = np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)
img = PIL.Image.fromarray(arr)
W, H = img.size

def affine(c):
    return img.transform(img.size, PIL.Image.AFFINE, c)

cases = [
    ("AutoContrast", 0.5, lambda v: PIL.ImageOps.autocontrast(img)),
    ("Equalize", 0.5, lambda v: PIL.ImageOps.equalize(img)),
    ("Rotate", 23.7, lambda v: img.rotate(v)),
    ("Rotate", -11.2, lambda v: img.rotate(v)),
    ("Solarize", 131.5, lambda v: PIL.ImageOps.solarize(img, v)),
    ("Color", 0.37, lambda v: PIL.ImageEnhance.Color(img).enhance(v)),
    ("Contrast", 0.61, lambda v: PIL.ImageEnhance.Contrast(img).enhance(v)),
    ("Brightness", 0.83, lambda v: PIL.ImageEnhance.Brightness(img).enhance(v)),
    ("Sharpness", 0.29, lambda v: PIL.ImageEnhance.Sharpness(img).enhance(v)),
    ("ShearX", 0.083, lambda v: affine((1, v, 0, 0, 1, 0))),
    ("ShearY", -0.071, lambda v: affine((1, 0, 0, v, 1, 0))),
    ("TranslateX", -0.09, lambda v: affine((1, 0, v * W, 0, 1, 0))),
    ("TranslateY", 0.064, lambda v: affine((1, 0, 0, 0, 1, v * H))),
    ("Posterize", 5.7, lambda v: PIL.ImageOps.posterize(img, int(v))),
    ("Identity", 0.5, lambda v: img),
]
out = {"pillow": PIL.__version__, "h": H, "w": W, "c": 3, "input": arr.tobytes().hex(), "ops": []}
for name, v, f in cases:
    out["ops"].append({"name": name, "v": v, "want": np.asarray(f(v)).astype(np.uint8).tobytes().hex()})
with open("pillow_ops.json", "w") as fh:
    json.dump(out, fh, indent=1)
