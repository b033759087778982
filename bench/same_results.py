#!/usr/bin/env python3
"""Are two trsim results files the same run? Compares every dataset of A with B, scalars and arrays
(outputs, maps, histograms, energy actions), exactly, NaN equal to NaN, except the host-time stats
(wall seconds and simulated PE-cycles per second). Exits 0 when equal, 1 listing the differences.

Speed work must not change a result: run the same config before and after and compare the files.

    same_results.py A.h5 B.h5
"""
import argparse
import sys

import h5py
import numpy as np

# Stats that measure the host, not the simulated design.
HOST_TIME = {"wall_seconds", "simulated_pe_cycles_per_second"}


def datasets(f):
    """{path: dataset} of every dataset in the file."""
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj) if isinstance(obj, h5py.Dataset) else None)
    return out


def equal(a, b):
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "fc" and b.dtype.kind in "fc":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


def differences(path_a, path_b):
    diffs = []
    with h5py.File(path_a, "r") as fa, h5py.File(path_b, "r") as fb:
        da, db = datasets(fa), datasets(fb)
        for name in sorted(set(da) | set(db)):
            if name.rsplit("/", 1)[-1] in HOST_TIME:
                continue
            if name not in da or name not in db:
                diffs.append(f"{name}: only in {'B' if name not in da else 'A'}")
                continue
            a, b = np.asarray(da[name][()]), np.asarray(db[name][()])
            if not equal(a, b):
                shown = f"{a!r} vs {b!r}" if a.size == 1 and b.size == 1 else f"shapes {a.shape} vs {b.shape}"
                diffs.append(f"{name}: {shown}")
        compared = len(set(da) & set(db))
    return diffs, compared


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("a")
    p.add_argument("b")
    args = p.parse_args()
    diffs, compared = differences(args.a, args.b)
    for d in diffs:
        print(d)
    print(f"{'same' if not diffs else 'DIFFERENT'}: {compared} datasets compared, {len(diffs)} differ "
          f"(host-time stats ignored)")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
