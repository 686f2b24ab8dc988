#!/usr/bin/env python3
"""PyRadiomics 3.1 references for the texture settings that the shared v3.1 values do not exercise:
symmetricalGLCM false, weightingNorm manhattan / euclidean / infinity, distances [1, 2, 3] and
gldm_a 2 (the shared `combined` configuration covers weightingNorm no_weighting only).

Run from the repository root with the peers' Python (../shared/bench/setup-peers.sh):
    ~/.cache/perirad-peers/bin/python scripts/make_texture_settings_references.py
Writes crates/perirad-features/tests/data/texture_settings/<variant>.yaml (the parameter file)
and <case>_<variant>.csv (feature,value) for brain1 and lung1: every feature of the glcm, glrlm,
glszm, gldm and ngtdm classes on the original image (bin width 25).
"""
import csv
import logging
import os

import radiomics
from radiomics import featureextractor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGES = os.path.join(ROOT, "..", "shared", "data", "pyradiomics", "images")
OUT = os.path.join(ROOT, "crates", "perirad-features", "tests", "data", "texture_settings")
CASES = ["brain1", "lung1"]
VARIANTS = {
    "asymmetric": "  symmetricalGLCM: false\n",
    "manhattan": "  weightingNorm: manhattan\n  distances: [1, 2]\n",
    "euclidean": "  weightingNorm: euclidean\n  distances: [1, 2]\n",
    "infinity": "  weightingNorm: infinity\n  distances: [1, 2]\n",
    "distances": "  distances: [1, 2, 3]\n",
    "gldm_a": "  gldm_a: 2\n",
}
TEMPLATE = """setting:
  binWidth: 25
  label: 1
  additionalInfo: false
{extra}imageType:
  Original: {{}}
featureClass:
  glcm:
  glrlm:
  glszm:
  gldm:
  ngtdm:
"""


def main():
    radiomics.setVerbosity(logging.ERROR)
    os.makedirs(OUT, exist_ok=True)
    for variant, extra in VARIANTS.items():
        params = os.path.join(OUT, f"{variant}.yaml")
        with open(params, "w") as f:
            f.write(TEMPLATE.format(extra=extra))
        extractor = featureextractor.RadiomicsFeatureExtractor(params)
        for case in CASES:
            result = extractor.execute(
                os.path.join(IMAGES, f"{case}_image.nrrd"),
                os.path.join(IMAGES, f"{case}_label.nrrd"),
            )
            rows = [(k, float(v)) for k, v in result.items() if k.startswith("original_")]
            with open(os.path.join(OUT, f"{case}_{variant}.csv"), "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(["feature", "value"])
                for k, v in rows:
                    w.writerow([k, repr(v)])
            print(variant, case, len(rows))


if __name__ == "__main__":
    main()
