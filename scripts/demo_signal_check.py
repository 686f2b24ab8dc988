#!/usr/bin/env python3
"""Checks the planted signal of the perirad demo cohort with perirad's own tools.

Usage: demo_signal_check.py PERIRAD_BIN COHORT_DIR [--jobs N]

Extracts the cohort (tumor, rings of 2, 5, 10, 20 mm, half-radius ring, kept inside the liver),
then fits `perirad model` (default pipeline zscore,corr:0.9,lasso:1se, train/test split of the
manifest's `set` column) on column subsets: clinical, tumor only, each ring alone, tumor + each
ring, and compares the test-set scores of tumor + ring 5 mm against tumor only with the paired
DeLong test (`perirad compare`). Prints one line per model with the test AUC. This is a
diagnostic of the phantom, not a reference: nothing here is a test oracle.
"""
import csv, json, os, subprocess, sys, time

REGIONS = ["tumor", "ring:2mm", "ring:5mm", "ring:10mm", "ring:20mm", "ring:0.5r"]
CLINICAL = ["age", "afp_log", "tumor_diameter_mm"]


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode not in (0,):
        sys.stderr.write(r.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return r.stdout


def main():
    exe, d = sys.argv[1], sys.argv[2]
    jobs = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--jobs" else "2"
    out = os.path.join(d, "check")
    os.makedirs(out, exist_ok=True)
    feat = os.path.join(out, "features.csv")
    t0 = time.time()
    cmd = [exe, "extract", "--manifest", os.path.join(d, "manifest.csv"),
           "--params", os.path.join(d, "params.yaml"), "--jobs", jobs, "-q", "--out", feat]
    for r in REGIONS:
        cmd += ["--region", r]
    run(cmd)
    print(f"extraction: {time.time() - t0:.1f} s")
    wide = feat.replace(".csv", ".wide.csv")
    with open(wide) as f:
        rows = list(csv.reader(f))
    header = rows[0]

    def subset(name, keep):
        cols = [i for i, h in enumerate(header)
                if h in ("case_id", "mvi", "set") or keep(h)]
        path = os.path.join(out, f"{name}.csv")
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            for row in rows:
                w.writerow([row[i] for i in cols])
        return path

    def region_of(h):
        return h.split("__")[0] if "__" in h else None

    models = {"clinical": lambda h: h in CLINICAL}
    models["tumor"] = lambda h: region_of(h) == "tumor"
    for r in REGIONS[1:]:
        models[r] = lambda h, r=r: region_of(h) == r
        models["tumor+" + r] = lambda h, r=r: region_of(h) in ("tumor", r)
    results = {}
    for name, keep in models.items():
        tag = name.replace(":", "_").replace("+", "_plus_")
        table = subset(tag, keep)
        mpath = os.path.join(out, tag + ".model.json")
        js = json.loads(run([exe, "model", "--table", table, "--id", "case_id", "--target", "mvi",
                              "--split", "set", "--exclude", "set", "--json", "--out", mpath]))
        te, tr = js["test"], js["train"]
        results[name] = (tr["auc"], te["auc"], len(js["final_model"].get("features", js["final_model"].get("selected_features", []))), mpath, table)
        print(f"{name:18s} train AUC {tr['auc']:.3f}  test AUC {te['auc']:.3f}")
    # Paired DeLong on the test rows: tumor + ring 5 mm vs tumor only (both models need all
    # columns, so score the full wide table's test rows).
    test = os.path.join(out, "test_rows.csv")
    with open(test, "w", newline="") as f:
        w = csv.writer(f)
        s = header.index("set")
        for i, row in enumerate(rows):
            if i == 0 or row[s] == "test":
                w.writerow(row)
    for a, b in [("tumor+ring:5mm", "tumor"), ("tumor+ring:5mm", "clinical"), ("tumor+ring:10mm", "tumor")]:
        js = json.loads(run([exe, "compare", "--table", test, "--id", "case_id", "--target", "mvi",
                              "--model", results[a][3], "--model", results[b][3], "--json"]))
        dl = js["delong"][0]
        print(f"DeLong {a} vs {b} (test set): AUC {dl['auc_a']:.3f} vs {dl['auc_b']:.3f}, "
              f"p = {dl['p_value']:.2g}")


if __name__ == "__main__":
    main()
