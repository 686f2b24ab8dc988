#!/usr/bin/env python3
"""Reference vectors for perirad-stats preprocessing/harmonisation that the shared vectors
(/work/shared/data/stats/vectors) do not cover, made with the field's reference tools.

ComBat (neuroCombat 0.2.12, Fortin et al.):
  * non-parametric empirical Bayes (parametric=False), with and without mean_only, on the two
    inputs of the shared combat.json (A: three WORC cohorts, no covariates; B: WORC-Liver with
    synthetic batches and the categorical covariate Target);
  * a continuous covariate: case A with categorical Target and a continuous integer-valued
    covariate Z = (37*row mod 23) + 40 (integers, so neuroCombat's float32 cast of continuous
    covariates is exact), parametric EB and non-EB;
  * fit on training rows and apply to held-out rows of known batches: neuroCombat on the rows
    with index % 3 != 0 of case A, then neuroCombatFromTraining on the rows with index % 3 == 0
    (no covariates, so the train-time covariate term is zero and the semantics are unambiguous).

Run with the peers venv:  ~/.cache/perirad-peers/bin/python scripts/make_stats_prep_references.py
Writes crates/perirad-stats/tests/data/combat_extra.json and combat_extra_*.csv.
"""
import contextlib
import io
import json
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
from neuroCombat import neuroCombat, neuroCombatFromTraining

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path("/work/shared/data/stats/vectors")
OUT = ROOT / "crates/perirad-stats/tests/data"
FEATS = json.load(open(SHARED / "combat.json"))["cases"]["A_three_WORC_cohorts"]["features"]
CASES = {
    "A": ("combat_A_three_WORC_cohorts_input.csv", []),
    "B": ("combat_B_worc_liver_synthetic_batches_with_covariate_input.csv", ["Target"]),
}


def quiet(f, *a, **k):
    with contextlib.redirect_stdout(io.StringIO()):
        return f(*a, **k)


def write_csv(mat, batch, name):
    df = pd.DataFrame(mat, columns=FEATS)
    df.insert(0, "batch", batch)
    df.to_csv(OUT / name, index=False, float_format="%.17g")
    return name


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    out = {"reference": {"implementation": "neuroCombat.neuroCombat / neuroCombatFromTraining",
                         "version": metadata.version("neuroCombat"), "numpy": np.__version__},
           "generated_by": "scripts/make_stats_prep_references.py",
           "features": FEATS, "nonparametric": {}, "from_training": {}}
    for tag, (fname, covcols) in CASES.items():
        # round_trip: the inputs were written with %.17g; read them back bit for bit.
        D = pd.read_csv(SHARED / fname, float_precision="round_trip")
        dat = D[FEATS].values.T
        cov = pd.DataFrame({"batch": D.batch.values})
        for c in covcols:
            cov[c] = D[c].values
        for mean_only in (False, True):
            r = quiet(neuroCombat, dat=dat, covars=cov, batch_col="batch",
                      categorical_cols=covcols or None, eb=True, parametric=False, mean_only=mean_only)
            key = f"{tag}_nonparametric{'_mean_only' if mean_only else ''}"
            f = write_csv(r["data"].T, D.batch.values, f"combat_extra_{key}_adjusted.csv")
            est = r["estimates"]
            out["nonparametric"][key] = {
                "input_file": fname, "categorical_covariates": covcols,
                "options": {"eb": True, "parametric": False, "mean_only": mean_only},
                "adjusted_file": f,
                "gamma_star": np.asarray(est["gamma.star"]).tolist(),
                "delta_star": np.asarray(est["delta.star"]).tolist(),
            }
    # Continuous covariate (case A + Target + Z).
    D = pd.read_csv(SHARED / CASES["A"][0], float_precision="round_trip")
    z = (37 * np.arange(len(D))) % 23 + 40
    cov = pd.DataFrame({"batch": D.batch.values, "Target": D.Target.values, "Z": z})
    out["continuous_covariate"] = {"input_file": CASES["A"][0], "Z": z.tolist(),
                                   "categorical_covariates": ["Target"], "continuous_covariates": ["Z"],
                                   "results": {}}
    for eb in (True, False):
        r = quiet(neuroCombat, dat=D[FEATS].values.T, covars=cov, batch_col="batch",
                  categorical_cols=["Target"], continuous_cols=["Z"], eb=eb, parametric=True, mean_only=False)
        key = "eb" if eb else "noeb"
        f = write_csv(r["data"].T, D.batch.values, f"combat_extra_A_covariates_{key}_adjusted.csv")
        out["continuous_covariate"]["results"][key] = {
            "options": {"eb": eb, "parametric": True, "mean_only": False}, "adjusted_file": f,
            "gamma_star": np.asarray(r["estimates"]["gamma.star"]).tolist(),
            "delta_star": np.asarray(r["estimates"]["delta.star"]).tolist(),
            "var_pooled": np.ravel(r["estimates"]["var.pooled"]).tolist(),
        }
    # Fit on training rows, apply to held-out rows (case A, parametric EB).
    D = pd.read_csv(SHARED / CASES["A"][0], float_precision="round_trip")
    idx = np.arange(len(D))
    tr, te = idx[idx % 3 != 0], idx[idx % 3 == 0]
    dat = D[FEATS].values.T
    r = quiet(neuroCombat, dat=dat[:, tr], covars=pd.DataFrame({"batch": D.batch.values[tr]}),
              batch_col="batch", eb=True, parametric=True, mean_only=False)
    app = quiet(neuroCombatFromTraining, dat=dat[:, te], batch=D.batch.values[te], estimates=r["estimates"])
    f_tr = write_csv(r["data"].T, D.batch.values[tr], "combat_extra_A_train_adjusted.csv")
    f_te = write_csv(np.asarray(app["data"]).T, D.batch.values[te], "combat_extra_A_heldout_adjusted.csv")
    out["from_training"] = {
        "input_file": CASES["A"][0], "train_rows": tr.tolist(), "test_rows": te.tolist(),
        "options": {"eb": True, "parametric": True, "mean_only": False},
        "train_adjusted_file": f_tr, "heldout_adjusted_file": f_te,
        "gamma_star": np.asarray(r["estimates"]["gamma.star"]).tolist(),
        "delta_star": np.asarray(r["estimates"]["delta.star"]).tolist(),
        "var_pooled": np.ravel(r["estimates"]["var.pooled"]).tolist(),
        "grand_mean": np.asarray(r["estimates"]["stand.mean"])[:, 0].tolist(),
    }
    out["tolerance"] = {"adjusted": 1e-8, "note": "same formulas and stopping rule as neuroCombat"}
    with open(OUT / "combat_extra.json", "w") as fh:
        json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
