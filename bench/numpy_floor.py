#!/usr/bin/env python3
"""The arithmetic floor of a trace: every layer's exact integer outputs by im2col and BLAS (numpy, float64
GEMM, exact for these sizes: |sum| < 2^53), on THREADS BLAS threads (default 2). No simulator of the trace's
layers can avoid this arithmetic, so trsim's wall time is quoted as a multiple of it (bench/networks.sh).

Prints one line: read seconds (h5py, gzip), arithmetic seconds (the floor), a checksum of all outputs (equal
to build/trsim_floor's, which computes them with trsim's own ExactGemm).

    numpy_floor.py TRACE.h5 [--threads 2]
"""
import argparse
import os
import sys
import time


def conv_outputs(np, x, w, stride, pad, groups):
    """[B,N,OH,OW] of input x [B,C,H,W] and weights w [N,C/groups,KH,KW] (float64)."""
    b, c, h, wd = x.shape
    n, cg, kh, kw = w.shape
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    sb, sc, sh, sw = x.strides
    # [B, C, OH, OW, KH, KW] view of every window
    win = np.lib.stride_tricks.as_strided(x, (b, c, oh, ow, kh, kw), (sb, sc, sh * stride, sw * stride, sh, sw))
    ng = n // groups
    out = np.empty((b, n, oh, ow))
    if groups > 1 and cg == 1 and ng == 1:  # depthwise: one channel per filter, no GEMM to speak of
        out[:] = np.einsum("bchwij,cij->bchw", win, w[:, 0], optimize=True)
        return out
    for g in range(groups):
        cols = win[:, g * cg:(g + 1) * cg].transpose(0, 2, 3, 1, 4, 5).reshape(b * oh * ow, cg * kh * kw)
        wg = w[g * ng:(g + 1) * ng].reshape(ng, cg * kh * kw)
        out[:, g * ng:(g + 1) * ng] = (cols @ wg.T).reshape(b, oh, ow, ng).transpose(0, 3, 1, 2)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("trace")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)  # before numpy loads its BLAS
    import h5py
    import numpy as np

    t0 = time.perf_counter()
    layers = []
    with h5py.File(args.trace, "r") as f:
        for name, g in f["layers"].items():
            a = g.attrs
            layers.append((int(a["index"]), a["type"], g["inputs"][()], g["weights"][()],
                           int(a.get("stride", 1)), int(a.get("padding", 0)), int(a.get("groups", 1))))
    layers.sort(key=lambda l: l[0])
    read = time.perf_counter() - t0

    checksum = 0
    arithmetic = 0.0
    for _, kind, x, w, stride, pad, groups in layers:
        kind = kind.decode() if isinstance(kind, bytes) else str(kind)
        t = time.perf_counter()
        xf, wf = x.astype(np.float64), w.astype(np.float64)
        y = conv_outputs(np, xf, wf, stride, pad, groups) if kind == "conv" else xf @ wf.T
        arithmetic += time.perf_counter() - t
        checksum += int(y.sum(dtype=np.float64).round())  # exact: every partial sum is an integer < 2^53
    print(f"{args.trace}: {len(layers)} layers, read {read:.3f} s, arithmetic {arithmetic:.3f} s "
          f"(checksum {checksum}, {args.threads} BLAS threads)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
