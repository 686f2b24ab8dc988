"""Reads perirad's Parquet tables with pyarrow and checks them against the CSV tables of the same
run: same columns, same strings, values equal as doubles (NaN where the CSV has NaN), nulls where
the wide CSV is empty.

Usage: python scripts/check_parquet_with_pyarrow.py FILE.csv FILE.parquet
(FILE.wide.csv and FILE.wide.parquet beside them are checked too.)
"""
import math
import sys

import pandas as pd
import pyarrow.parquet as pq


def same(csv_path, parquet_path):
    c = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    t = pq.read_table(parquet_path)
    assert list(c.columns) == t.column_names, (list(c.columns)[:5], t.column_names[:5])
    assert len(c) == t.num_rows, (len(c), t.num_rows)
    checked = 0
    for name in t.column_names:
        col = t.column(name).to_pylist()
        for want, got in zip(c[name], col):
            if got is None:
                assert want == "", (name, want)
            elif isinstance(got, float):
                w = float(want)
                assert (math.isnan(w) and math.isnan(got)) or w == got, (name, want, got)
            else:
                assert want == got, (name, want, got)
            checked += 1
    return checked


csv_long, pq_long = sys.argv[1], sys.argv[2]
n = same(csv_long, pq_long)
n += same(csv_long[: -len(".csv")] + ".wide.csv", pq_long[: -len(".parquet")] + ".wide.parquet")
print(f"pyarrow: {n} cells equal to the CSV tables")
