#!/usr/bin/env bash
# Reference for `perirad extract --manifest ... --pyradiomics-csv`: PyRadiomics 3.1's own batch
# command on a PyRadiomics batch manifest of its test cases (brain1, breast1 and a case whose
# image is missing) with the `filters` parameter file (Original, LoG, Wavelet, Square,
# SquareRoot, Logarithm, Exponential, Gradient, LBP2D, LBP3D). Paths are written as base names
# (--format-path basename) so that the file does not depend on where the data lives.
# Output: crates/perirad-study/tests/data/pyradiomics_batch_filters.csv
# Run from the repository root: bash scripts/make_pyradiomics_batch_reference.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=${PERIRAD_SHARED_DATA:-$root/../shared/data}/pyradiomics
py=${PERIRAD_PEERS:-$HOME/.cache/perirad-peers}/bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$data"/images/{brain1,breast1}_{image,label}.nrrd "$work"/
cat > "$work/cases.csv" <<CSV
ID,Image,Mask,Note
brain1,brain1_image.nrrd,brain1_label.nrrd,"first, with a comma"
gone,no_such_image.nrrd,breast1_label.nrrd,missing image
breast1,breast1_image.nrrd,breast1_label.nrrd,third
CSV
"$py/pyradiomics" "$work/cases.csv" -p "$data/v3.1/params/filters.yaml" \
  -o "$root/crates/perirad-study/tests/data/pyradiomics_batch_filters.csv" -f csv \
  --format-path basename --jobs 1 2> "$work/log.txt" || { cat "$work/log.txt"; exit 1; }
"$py/python" -c "import radiomics; print('pyradiomics', radiomics.__version__)"
