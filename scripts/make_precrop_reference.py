#!/usr/bin/env python3
"""PyRadiomics 3.1 reference for `preCrop` (the image cropped to the mask's bounding box plus
padDistance before filtering), which the shared v3.1 values do not exercise.

Run from the repository root with the peers' Python (../shared/bench/setup-peers.sh):
    ~/.cache/perirad-peers/bin/python scripts/make_precrop_reference.py
Writes crates/perirad-features/tests/data/precrop/breast1.csv (feature,value) and the parameter
file it used, params.yaml, beside it.
"""
import logging
import os

import radiomics
from radiomics import featureextractor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, "..", "shared", "data", "pyradiomics", "images")
OUT = os.path.join(ROOT, "crates", "perirad-features", "tests", "data", "precrop")
PARAMS = """setting:
  binWidth: 25
  label: 1
  preCrop: true
  padDistance: 2
  additionalInfo: false
imageType:
  Original: {}
  LoG:
    sigma: [3.0]
  Wavelet: {}
  Gradient: {}
featureClass:
  firstorder:
  glcm:
  glszm:
"""

radiomics.setVerbosity(logging.ERROR)
os.makedirs(OUT, exist_ok=True)
params = os.path.join(OUT, "params.yaml")
with open(params, "w") as f:
    f.write(PARAMS)
ex = featureextractor.RadiomicsFeatureExtractor(params)
res = ex.execute(os.path.join(SHARED, "breast1_image.nrrd"), os.path.join(SHARED, "breast1_label.nrrd"))
with open(os.path.join(OUT, "breast1.csv"), "w") as f:
    f.write("feature,value\n")
    for k, v in res.items():
        if not k.startswith("diagnostics_"):
            f.write("%s,%r\n" % (k, float(v)))
print(len(res), "values written")
