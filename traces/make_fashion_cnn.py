#!/usr/bin/python3
"""Train a tiny CNN (conv 1->8 3x3 s2 p1, ReLU, conv 8->16 3x3 s2 p1, ReLU, fc 784->10) on Fashion-MNIST
with numpy, quantize it to 8 bits and write the trsim trace traces/bundled/cnn_fashion_mnist.h5.

Run:  /usr/bin/python3 traces/make_fashion_cnn.py   (needs `apt-get install dataset-fashion-mnist`)
"""

import argparse
import os
import time

import numpy as np

import tracegen as tg

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(HERE, "bundled", "cnn_fashion_mnist.h5"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--lr-decay", type=float, default=0.6, help="lr multiplier after each epoch")
    ap.add_argument("--calib", type=int, default=5000, help="calibration images (random training images)")
    ap.add_argument("--percentile", type=float, default=None,
                    help="activation calibration percentile (default: max)")
    ap.add_argument("--record", type=int, default=8, help="test images whose layer inputs are recorded")
    ap.add_argument("--no-tr-table", action="store_true", help="skip the accuracy-under-TR table")
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    t_start = time.time()
    data = tg.load_fashion_mnist()
    x_train = (data["train_x"][:, None] / 255.0).astype(np.float32)
    x_test = (data["test_x"][:, None] / 255.0).astype(np.float32)
    y_train, y_test = data["train_y"].astype(np.int64), data["test_y"].astype(np.int64)
    print(f"loaded Fashion-MNIST: train {x_train.shape}, test {x_test.shape} ({tg.THREADS} matmul threads)")

    model = tg.Sequential([
        tg.Conv2d("conv1", 1, 8, 3, 2, 1, rng), tg.ReLU(),
        tg.Conv2d("conv2", 8, 16, 3, 2, 1, rng), tg.ReLU(),
        tg.Flatten(),
        tg.Dense("fc3", 16 * 7 * 7, 10, rng),
    ])
    print("model:", model.describe())
    train_s = tg.train(model, x_train, y_train, x_test, y_test, args.epochs, args.batch, args.lr, rng,
                       lr_decay=args.lr_decay)
    float_acc = tg.accuracy(model, x_test, y_test)
    print(f"trained in {train_s:.1f} s; float test accuracy {float_acc:.4f}")

    calib = x_train[rng.choice(len(x_train), args.calib, replace=False)]
    q = tg.quantize_model(model, calib, percentile=args.percentile)
    int8_acc = tg.int_accuracy(q, x_test, y_test)
    print(f"int8 test accuracy {int8_acc:.4f} (activation calibration: {q.calib_rule}); "
          f"w_scales {[f'{s:.3g}' for s in q.w_scales]} x_scales {[f'{s:.3g}' for s in q.x_scales]}")

    _, recorded = tg.int_forward(q, x_test[:args.record], record=args.record)
    description = (
        f"Real tiny CNN trained with numpy on Fashion-MNIST (Debian dataset-fashion-mnist, 60k train / 10k "
        f"test): {model.describe()}; conv layers have groups=1, the fc layer reads the flattened conv2 "
        f"output (index c*49 + h*7 + w). Input = pixel/255 (no normalization). Training: He init, Adam lr "
        f"{args.lr} x{args.lr_decay} per epoch, batch {args.batch}, {args.epochs} epochs, softmax cross "
        f"entropy, seed {args.seed}, float32. Calibration: "
        f"{args.calib} random training images. " + tg.quantization_text(q) +
        f" Accuracies on the full 10k test set. Inputs recorded for the first {args.record} test images "
        f"(t10k order), B={args.record}. The /tr_accuracy table holds the accuracy under TR settings. "
        f"Made by traces/make_fashion_cnn.py."
    )
    trace = tg.build_trace(q, recorded, "cnn_fashion_mnist", description, float_acc, int8_acc)
    if not args.no_tr_table:
        tg.add_tr_table(trace, x_test, y_test, int8_acc)
    tg.write_and_report(args.out, trace)
    print(f"total {time.time() - t_start:.1f} s")


if __name__ == "__main__":
    import sys

    from trsim_trace import tool  # one error line, the documented exit status
    sys.exit(tool.run("make_fashion_cnn.py", main))
