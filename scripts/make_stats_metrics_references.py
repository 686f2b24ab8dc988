#!/usr/bin/env python3
"""Reference vectors for perirad-stats evaluation metrics that the shared vectors do not cover.

Writes into crates/perirad-stats/tests/data/:
  roc_youden_sklearn.json  ROC curves (sklearn roc_curve, drop_intermediate=False) and the confusion
                           metrics at the Youden threshold (argmax of tpr - fpr, first maximum = highest
                           threshold; positive iff score >= threshold) for the scores of roc_delong.json.
  distributions_scipy.json normal cdf/sf/ppf and chi-squared sf (scipy), for the distribution helpers.
  td_auc_sksurv.json       time-dependent cumulative/dynamic AUC with IPCW (sksurv cumulative_dynamic_auc)
                           on whas500 (Cox risk, apparent and split; tied integer risk).

Run with the peers venv:  ~/.cache/perirad-peers/bin/python scripts/make_stats_metrics_references.py
Inputs come from the shared reference data (PERIRAD_SHARED_DATA or ../shared/data).
"""
import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.metrics import confusion_matrix, roc_curve

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("PERIRAD_SHARED_DATA", ROOT / ".." / "shared" / "data")).resolve()
STATS = SHARED / "stats"
OUT = ROOT / "crates" / "perirad-stats" / "tests" / "data"


def jsonable(o):
    if isinstance(o, dict):
        return {k: jsonable(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [jsonable(v) for v in o]
    if isinstance(o, np.ndarray):
        return [jsonable(v) for v in o.tolist()]
    if isinstance(o, (np.floating, float)):
        f = float(o)
        if np.isnan(f):
            return "NaN"
        if np.isinf(f):
            return "Infinity" if f > 0 else "-Infinity"
        return f
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.bool_,)):
        return bool(o)
    return o


def write(name, obj):
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / name, "w") as f:
        json.dump(jsonable(obj), f, indent=1)
    print("wrote", OUT / name)


def youden_reference():
    vec = json.load(open(STATS / "vectors" / "roc_delong.json"))
    cases = {}
    # A small synthetic case where two ROC points share the maximal J (0.9 and 0.7), to pin the tie rule.
    vec["cases"]["synthetic_tied_j"] = {"inputs": {"y": [1, 0, 1, 0], "score1": [0.9, 0.8, 0.7, 0.6],
                                                   "score2": [2.0, 1.0, 1.0, 0.0]},
                                        "score_names": ["s1", "s2"]}
    for cname, case in vec["cases"].items():
        inp = case["inputs"]
        if "file" in inp:
            df = pd.read_csv(STATS / inp["file"], float_precision="round_trip")  # exact decimal -> binary64
            y = df[inp["target_column"]].values.astype(int)
            scores = [df[c].values.astype(float) for c in inp["columns"]]
        else:
            y = np.asarray(inp["y"], int)
            scores = [np.asarray(inp["score1"], float), np.asarray(inp["score2"], float)]
        out = []
        for name, s in zip(case["score_names"], scores):
            fpr, tpr, thr = roc_curve(y, s, drop_intermediate=False)
            k = int(np.argmax(tpr - fpr))  # first maximum = highest threshold among ties
            t = thr[k]
            pred = (s >= t).astype(int)
            tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1]).ravel()
            out.append({
                "score_name": name,
                "roc_thresholds": thr, "roc_fpr": fpr, "roc_tpr": tpr,
                "youden_index": k, "youden_threshold": t, "youden_j": tpr[k] - fpr[k],
                "n_ties_at_max_j": int(np.sum((tpr - fpr) == (tpr - fpr)[k])),
                "tp": tp, "fp": fp, "tn": tn, "fn": fn,
                "sensitivity": tp / (tp + fn), "specificity": tn / (tn + fp),
                "accuracy": (tp + tn) / len(y),
                "ppv": tp / (tp + fp) if tp + fp > 0 else float("nan"),
                "npv": tn / (tn + fn) if tn + fn > 0 else float("nan"),
            })
        cases[cname] = {"inputs": inp, "scores": out}
    write("roc_youden_sklearn.json", {
        "method": "ROC curve and metrics at the Youden threshold",
        "reference": {"implementation": "sklearn.metrics.roc_curve(drop_intermediate=False), numpy.argmax(tpr - fpr), sklearn.metrics.confusion_matrix",
                      "version": {"scikit-learn": sklearn.__version__, "numpy": np.__version__}},
        "options": {"rule": "positive iff score >= threshold",
                    "tie_rule": "first index of max(tpr - fpr) in sklearn's decreasing-threshold order (highest threshold)",
                    "inputs": "the cases of shared vectors/roc_delong.json (file paths relative to shared data stats/)"},
        "cases": cases,
    })


def td_auc_reference():
    from sksurv.linear_model import CoxPHSurvivalAnalysis
    from sksurv.metrics import cumulative_dynamic_auc
    from sksurv.util import Surv
    import sksurv

    def cox_risk(X_train, y_train, X_test):
        m = CoxPHSurvivalAnalysis(ties="breslow").fit(X_train, y_train)
        return m.predict(X_test)

    cases = {}
    # whas500 (days): Cox linear predictor on 5 covariates as the risk score.
    w = pd.read_csv(STATS / "data" / "whas500.csv", float_precision="round_trip")
    cols = ["age", "hr", "bmi", "sysbp", "chf"]
    X = w[cols].values.astype(float)
    T = w["time"].values.astype(float)
    E = w["event"].values.astype(bool)
    y = Surv.from_arrays(E, T)
    times = np.array([365.0, 730.0, 1095.0, 1460.0, 1825.0])
    risk = cox_risk(X, y, X)
    auc, mean_auc = cumulative_dynamic_auc(y, y, risk, times)
    cases["whas500_apparent"] = {"train_rows": "all", "test_rows": "all", "risk_doc": "sksurv CoxPHSurvivalAnalysis(ties='breslow') on " + ", ".join(cols) + ", fitted on all rows; predict() on the test rows",
                                 "train_time": T, "train_event": E, "test_time": T, "test_event": E, "risk": risk,
                                 "times": times, "auc": auc, "mean_auc": mean_auc}
    tr = np.arange(len(T)) % 2 == 0
    te = ~tr
    risk_te = cox_risk(X[tr], y[tr], X[te])
    times2 = np.array([200.0, 500.0, 1000.0, 1500.0])
    auc, mean_auc = cumulative_dynamic_auc(y[tr], y[te], risk_te, times2)
    cases["whas500_split"] = {"train_rows": "even rows (0,2,...)", "test_rows": "odd rows", "risk_doc": "Cox as above fitted on the even rows, predicted on the odd rows",
                              "train_time": T[tr], "train_event": E[tr], "test_time": T[te], "test_event": E[te], "risk": risk_te,
                              "times": times2, "auc": auc, "mean_auc": mean_auc}
    # whas500 with an integer risk score (age in years: many exactly tied risks), several times and a
    # single time (mean AUC = AUC). rossi is not usable here: events and all remaining censorings share
    # week 52, so the censoring KM is 0 there and sksurv refuses the IPCW.
    T = w["time"].values.astype(float)
    E = w["event"].values.astype(bool)
    y = Surv.from_arrays(E, T)
    age = w["age"].values.astype(float)
    auc, mean_auc = cumulative_dynamic_auc(y, y, age, times)
    cases["whas500_age_tied"] = {"train_rows": "all", "test_rows": "all", "risk_doc": "risk = age (integer years, heavily tied)",
                                 "train_time": T, "train_event": E, "test_time": T, "test_event": E, "risk": age,
                                 "times": times, "auc": auc, "mean_auc": mean_auc}
    auc, mean_auc = cumulative_dynamic_auc(y, y, age, np.array([1000.0]))
    cases["whas500_age_single_time"] = {"train_rows": "all", "test_rows": "all", "risk_doc": "risk = age",
                                        "train_time": T, "train_event": E, "test_time": T, "test_event": E, "risk": age,
                                        "times": [1000.0], "auc": auc, "mean_auc": mean_auc}
    write("td_auc_sksurv.json", {
        "method": "time-dependent cumulative/dynamic AUC with IPCW (Uno 2007 / Hung & Chiang 2010), mean AUC weighted by the test KM",
        "reference": {"implementation": "sksurv.metrics.cumulative_dynamic_auc (tied_tol 1e-8; risks here are exactly tied or well separated)",
                      "version": {"scikit-survival": sksurv.__version__, "numpy": np.__version__}},
        "cases": cases,
    })


def distributions_reference():
    import scipy
    from scipy import stats
    x = np.r_[np.linspace(-8.0, 8.0, 161), [0.8598, 1.2160298965198297, 1.959963984540054, -37.5, 37.5]]
    q = np.r_[[1e-300, 1e-20, 1e-10, 1e-5, 0.001, 0.01, 0.017380610379730623, 0.025, 0.05, 0.1, 0.25, 0.5],
              [0.75, 0.9, 0.95, 0.975, 0.9655667191140173, 0.99, 0.999, 1 - 1e-5, 1 - 1e-10]]
    chi_x = np.r_[[0.0, 1e-8, 0.008227343202350296, 0.5, 1.0, 3.8375695765490505, 9.325309167576451, 25.403700345785367, 60.0, 200.0]]
    chi_df = [1, 2, 3, 8, 20]
    write("distributions_scipy.json", {
        "method": "standard normal cdf / sf / ppf and chi-squared sf",
        "reference": {"implementation": "scipy.stats.norm, scipy.stats.chi2", "version": {"scipy": scipy.__version__}},
        "norm": {"x": x, "cdf": stats.norm.cdf(x), "sf": stats.norm.sf(x)},
        "norm_ppf": {"q": q, "ppf": stats.norm.ppf(q)},
        "chi2_sf": {"x": chi_x, "df": chi_df, "sf": [stats.chi2.sf(chi_x, d) for d in chi_df]},
    })


SECTIONS = {"youden": youden_reference, "td_auc": td_auc_reference, "distributions": distributions_reference}

if __name__ == "__main__":
    which = sys.argv[1:] or list(SECTIONS)
    for w in which:
        SECTIONS[w]()
