#!/usr/bin/env python3
"""Which partition of fixed features does the collision-CE objective prefer?

For each partition (the true classes, k-means partitions, the clusters of cct run folders), fit a
linear softmax head to it by multinomial logistic regression (scikit-learn, the same C for all) on
the features as cct's head sees them (sign(x)*sqrt|x|, l2, PCA whitening on --whiten axes, l2),
then evaluate loss (11) of that head, min over y of (1/N) sum_i -log(sigma_i . y_i) + lambda KL(u||ybar),
with y from `cct pseudolabel --method newton`. A partition with a lower value is one the collision
CE prefers; ACC is against the labels (Hungarian matching).

    python3 scripts/objective_check.py --features f.npy --labels f.labels.npy \
        --runs runs/a/run-1 runs/b/run-1 [--cct bin/cct] [--whiten 128] [--C 1] [--kmeans 2]

Runs must have trained on the rows of --features in their order (data.name features:FILE, or the
dataset and split FILE was written from by `cct features`), so that the index column of their
assignments.csv is the row. Needs numpy, scipy and scikit-learn
(Debian: python3-sklearn).
"""
import argparse, csv, os, subprocess, tempfile
import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression


def acc(a, b, k):
    c = np.zeros((k, k))
    np.add.at(c, (a, b), 1)
    r, s = linear_sum_assignment(-c)
    return c[r, s].sum() / len(a)


def features(path, whiten):
    x = np.load(path).astype(np.float64)
    x = np.sign(x) * np.sqrt(np.abs(x))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    if whiten > 0:
        x = x - x.mean(0)
        _, s, vt = np.linalg.svd(x, full_matrices=False)
        x = x @ vt[:whiten].T / (s[:whiten] / np.sqrt(len(x)))
        x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def loss11(cct, p, lam, tmp):
    si, yo = os.path.join(tmp, "sigma.npy"), os.path.join(tmp, "y.npy")
    np.save(si, p)
    subprocess.run([cct, "pseudolabel", "--in", si, "--out", yo, "--method", "newton", "--lambda", str(lam)],
                   check=True, capture_output=True)
    y = np.load(yo)
    k = p.shape[1]
    return -np.mean(np.log((p * y).sum(1))) + lam * np.sum(np.log((1 / k) / y.mean(0))) / k


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--features", required=True)
    ap.add_argument("--labels", required=True)
    ap.add_argument("--runs", nargs="*", default=[])
    ap.add_argument("--cct", default="bin/cct")
    ap.add_argument("--whiten", type=int, default=128)
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument("--lam", type=float, default=100)
    ap.add_argument("--kmeans", type=int, default=2, help="k-means partitions (10 restarts each, seeds 0..n-1)")
    a = ap.parse_args()
    x, y = features(a.features, a.whiten), np.load(a.labels).astype(int)
    k = y.max() + 1
    parts = [("true classes", y)]
    parts += [(f"k-means, 10 restarts, seed {s}", KMeans(k, n_init=10, random_state=s).fit(x).labels_) for s in range(a.kmeans)]
    for run in a.runs:
        lab = np.full(len(y), -1)
        for r in csv.DictReader(open(os.path.join(run, "assignments.csv"))):
            lab[int(r["index"])] = int(r["cluster"])
        parts.append((run, lab))
    print(f"| partition | ACC | loss (11) of a linear head fitted to it (C = {a.C}, λ = {a.lam:g}) |")
    print("|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, lab in parts:
            p = LogisticRegression(C=a.C, max_iter=3000).fit(x, lab).predict_proba(x)
            print(f"| {name} | {100 * acc(y, lab, k):.2f} | {loss11(a.cct, p, a.lam, tmp):.4f} |", flush=True)


if __name__ == "__main__":
    main()
