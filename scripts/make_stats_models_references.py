#!/usr/bin/env python3
"""Reference vectors for perirad-stats models that the shared stats vectors do not cover.

Elastic-net logistic (0 < alpha < 1) with glmnet's Fortran `lognet` through python-glmnet 2.6.1
(the same Fortran as R glmnet), on the data of the shared `lasso_logistic.json` vector (the 41
correlation-filtered WORC-Liver MR_original features, raw scale, standardize=TRUE), and
cv.glmnet's fold bookkeeping (cvcompute / cvstats / getOptcv, lambda.interp) re-implemented here
in numpy from the R sources of glmnet 4.1, applied to fold fits made by the same Fortran:

  * "cv": cv.glmnet default (no lambda given): every fold computes its own lambda sequence and
    is evaluated at the full-data lambdas by linear interpolation (glmnet:::lambda.interp);
  * "cv_user_lambda_alignment": every fold is fitted at the full-data lambdas.

Run with the peers venv (python-glmnet installed there):
    ~/.cache/perirad-peers/bin/pip install python-glmnet==2.6.1
    ~/.cache/perirad-peers/bin/python scripts/make_stats_models_references.py
Writes crates/perirad-stats/tests/data/elastic_net_logistic.json.
"""
import json
import os
import sys

import numpy as np
import pandas as pd
import glmnet
from glmnet import LogitNet

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("PERIRAD_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data"))
STATS = os.path.join(SHARED, "stats")
OUT = os.path.join(ROOT, "crates", "perirad-stats", "tests", "data", "elastic_net_logistic.json")

# (alpha, lambda.min.ratio, number of leading columns used): ratio 1e-4 is glmnet's default for
# n > p; with 4 columns the paths stop early (deviance-ratio gain < fdev), folds at own lengths
# The last entry fits without standardisation (standardize=FALSE: the penalty acts on raw-scale
# coefficients).
CASES = [(0.5, 0.01, 41, True), (0.2, 0.01, 41, True), (0.5, 1e-4, 41, True), (1.0, 1e-4, 4, True),
         (0.5, 1e-4, 4, True), (1.0, 0.01, 41, False)]
NLAMBDA = 100
THRESH = 1e-10
MAXIT = 1_000_000
PROB_MIN = 1e-5


def fit(x, y, alpha, ratio, lambdas=None, standardize=True):
    m = LogitNet(alpha=alpha, n_lambda=NLAMBDA, min_lambda_ratio=ratio, lambda_path=lambdas,
                 standardize=standardize, fit_intercept=True, tol=THRESH, max_iter=MAXIT, n_splits=0)
    m.fit(x, y)
    lam = np.asarray(m.lambda_path_, dtype=float)
    a0 = np.asarray(m.intercept_path_[0], dtype=float)
    beta = np.asarray(m.coef_path_[0], dtype=float)  # (features, lambdas)
    return lam, a0, beta


def lambda_interp(lam, s):
    """glmnet:::lambda.interp (R 4.1 source), vectorised over s."""
    s = np.atleast_1d(np.asarray(s, dtype=float))
    if len(lam) == 1:
        n = len(s)
        return np.zeros(n, int), np.zeros(n, int), np.ones(n)
    k = len(lam)
    sfrac = (lam[0] - s) / (lam[0] - lam[k - 1])
    lnorm = (lam[0] - lam) / (lam[0] - lam[k - 1])
    sfrac = np.clip(sfrac, lnorm.min(), lnorm.max())
    coord = np.interp(sfrac, lnorm, np.arange(1, k + 1, dtype=float))
    left = np.floor(coord).astype(int) - 1
    right = np.ceil(coord).astype(int) - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = (sfrac - lnorm[right]) / (lnorm[left] - lnorm[right])
    frac[left == right] = 1.0
    frac[np.abs(lnorm[left] - lnorm[right]) < np.finfo(float).eps] = 1.0
    return left, right, frac


def auc(y, p):
    pos, neg = p[y == 1], p[y == 0]
    diff = pos[:, None] - neg[None, :]
    return ((diff > 0).sum() + 0.5 * (diff == 0).sum()) / (len(pos) * len(neg))


def cv(x, y, foldid, alpha, ratio, lam_full, user_lambda, standardize=True):
    n = len(y)
    k = int(foldid.max())
    nl = len(lam_full)
    link = np.full((n, nl), np.nan)
    fold_lengths = []
    for f in range(1, k + 1):
        tr, te = foldid != f, foldid == f
        lam, a0, beta = fit(x[tr], y[tr], alpha, ratio, lam_full if user_lambda else None, standardize)
        fold_lengths.append(len(lam))
        if user_lambda:
            assert len(lam) == nl
            link[te] = a0[None, :] + x[te] @ beta
        else:
            left, right, frac = lambda_interp(lam, lam_full)
            a = frac * a0[left] + (1 - frac) * a0[right]
            b = frac * beta[:, left] + (1 - frac) * beta[:, right]
            link[te] = a[None, :] + x[te] @ b
    p = 1 / (1 + np.exp(-link))
    out = {"fold_path_lengths": fold_lengths}
    w = np.array([(foldid == f).sum() for f in range(1, k + 1)], float)
    for measure in ["deviance", "auc", "class"]:
        raw = np.zeros((k, nl))
        for f in range(1, k + 1):
            te = foldid == f
            yt, pt = y[te], p[te]
            if measure == "deviance":
                pc = np.clip(pt, PROB_MIN, 1 - PROB_MIN)
                raw[f - 1] = (-2 * (yt[:, None] * np.log(pc) + (1 - yt[:, None]) * np.log(1 - pc))).mean(0)
            elif measure == "class":
                raw[f - 1] = (yt[:, None] * (pt <= 0.5) + (1 - yt[:, None]) * (pt > 0.5)).mean(0)
            else:
                raw[f - 1] = [auc(yt, pt[:, j]) for j in range(nl)]
        cvm = (w[:, None] * raw).sum(0) / w.sum()
        cvsd = np.sqrt((w[:, None] * (raw - cvm) ** 2).sum(0) / w.sum() / (k - 1))
        m = -cvm if measure == "auc" else cvm
        idmin = int(np.flatnonzero(m <= m.min())[0])
        id1se = int(np.flatnonzero(m <= m[idmin] + cvsd[idmin])[0])
        out[measure] = {
            "cvm": cvm.tolist(), "cvsd": cvsd.tolist(), "cvraw_per_fold": raw.tolist(),
            "index_min": idmin, "index_1se": id1se,
            "lambda_min": float(lam_full[idmin]), "lambda_1se": float(lam_full[id1se]),
        }
    return out


def main():
    shared = json.load(open(os.path.join(STATS, "vectors", "lasso_logistic.json")))
    inp = shared["inputs"]
    df = pd.read_csv(os.path.join(STATS, inp["file"]))
    cols = inp["columns"]
    x = df[cols].to_numpy(dtype=float)
    y = df[inp["target_column"]].to_numpy().astype(int)
    foldid = np.asarray(inp["foldid_1based"], int)
    # The numpy cv.glmnet bookkeeping must reproduce the shared (R-cross-checked) lasso vector.
    lam1 = np.asarray(shared["outputs"]["lambda"])
    validation = {}
    for key, user in [("cv", False), ("cv_user_lambda_alignment", True)]:
        mine = cv(x, y, foldid, 1.0, 0.01, fit(x, y, 1.0, 0.01)[0], user)
        for measure in ["deviance", "auc", "class"]:
            ref = shared["outputs"][key][measure]
            d = max(np.abs(np.subtract(mine[measure]["cvm"], ref["cvm"])).max(),
                    np.abs(np.subtract(mine[measure]["cvsd"], ref["cvsd"])).max())
            same = (mine[measure]["index_min"], mine[measure]["index_1se"]) == (ref["index_min"], ref["index_1se"])
            assert d < 1e-10 and same, (key, measure, d)
            validation[f"{key}/{measure}"] = float(d)
    assert np.abs(fit(x, y, 1.0, 0.01)[0] - lam1).max() < 1e-12
    cases = {}
    x_all = x
    for alpha, ratio, ncol, std in CASES:
        x = x_all[:, :ncol]
        lam, a0, beta = fit(x, y, alpha, ratio, None, std)
        eta = a0[None, :] + x @ beta
        pr = np.clip(1 / (1 + np.exp(-eta)), 1e-9, 1 - 1e-9)
        dev = -2 * (y[:, None] * np.log(pr) + (1 - y[:, None]) * np.log(1 - pr)).sum(0)
        q0 = y.mean()
        nulldev = -2 * len(y) * (q0 * np.log(q0) + (1 - q0) * np.log(1 - q0))
        xs = x.std(axis=0) if std else np.ones(x.shape[1])  # ddof 0, glmnet's standardisation
        gmax = np.abs(((x - x.mean(0)) / xs).T @ (y - q0) / len(y)).max()
        cases[f"alpha_{alpha}_ratio_{ratio:g}_cols_{ncol}" + ("" if std else "_unstandardized")] = {
            "columns_used": ncol,
            "standardize": std,
            "alpha": alpha,
            "lambda_min_ratio": ratio,
            "lambda": lam.tolist(),
            "lambda_max_closed_form": float(gmax / max(alpha, 1e-3)),
            "intercept": a0.tolist(),
            "beta_raw_scale": beta.T.tolist(),
            "df": (beta != 0).sum(0).tolist(),
            "dev_ratio_from_coefficients": (1 - dev / nulldev).tolist(),
            "null_deviance": float(nulldev),
            "cv": cv(x, y, foldid, alpha, ratio, lam, False, std),
            "cv_user_lambda_alignment": cv(x, y, foldid, alpha, ratio, lam, True, std),
        }
    doc = {
        "name": "elastic_net_logistic",
        "method": "glmnet binomial elastic-net path + cv.glmnet (given foldid), both alignments",
        "reference": {"implementation": "python-glmnet LogitNet (glmnet Fortran lognet); cv.glmnet "
                      "bookkeeping re-implemented in numpy from glmnet 4.1 R sources",
                      "python-glmnet": glmnet.__version__, "numpy": np.__version__,
                      "python": sys.version.split()[0]},
        "inputs": {"vector": "stats/vectors/lasso_logistic.json (same file, columns, rows, foldid)",
                   "columns": cols, "foldid_1based": foldid.tolist()},
        "validation_max_abs_diff_vs_shared_lasso_vector": validation,
        "options": {"nlambda": NLAMBDA, "thresh": THRESH, "maxit": MAXIT,
                    "deviance_prob_clamp": [PROB_MIN, 1 - PROB_MIN]},
        "cases": cases,
        "tolerance": {"lambda": 1e-10, "coef_std_scale": 1e-6, "cvm": 1e-5, "cvsd": 1e-5,
                      "indices": "exact"},
        "generated_by": "scripts/make_stats_models_references.py",
    }
    with open(OUT, "w") as fh:
        json.dump(doc, fh, indent=1)
    print("wrote", OUT)
    for k, c in cases.items():
        print(k, len(c["lambda"]), c["cv"]["deviance"]["index_min"], c["cv"]["deviance"]["index_1se"],
              c["cv"]["fold_path_lengths"])


if __name__ == "__main__":
    main()
