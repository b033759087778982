#!/usr/bin/python3
"""Train a word-level LSTM language model on the King James Bible (Debian `bible-kjv`) with PyTorch, quantize
it to 8 bits and write the trsim trace traces/bundled/lstm_kjv.h5 (layers: lstm gates, fc decoder).

Run:  /usr/bin/python3 traces/make_kjv_lstm.py
      (needs `apt-get install -y python3-torch libopenblas0-pthread bible-kjv`)
"""

import argparse
import math
import os
import time

# One BLAS thread: torch's own threads (--threads) parallelize; OpenBLAS threads on top oversubscribe the
# 2 cores and made training 2-4x slower here. Set before numpy / torch load OpenBLAS.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import kjv  # noqa: E402
import tr_accuracy as tra  # noqa: E402
import tracegen as tg  # noqa: E402
from trsim_trace import Layer, Trace, write_trace  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
W_QMAX = 127
X_QMAX = 127


def build_model(torch, vocab_size, hidden, dropout):
    nn = torch.nn

    class TiedLstmLm(nn.Module):
        """Embedding (tied to the decoder) -> dropout -> LSTM -> dropout -> linear decoder."""

        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(vocab_size, hidden)
            self.lstm = nn.LSTM(hidden, hidden)
            self.dec = nn.Linear(hidden, vocab_size)
            self.dec.weight = self.emb.weight
            self.drop = nn.Dropout(dropout)
            nn.init.uniform_(self.emb.weight, -0.1, 0.1)
            nn.init.zeros_(self.dec.bias)

        def forward(self, x, state=None):
            out, state = self.lstm(self.drop(self.emb(x)), state)
            return self.dec(self.drop(out)), state

    return TiedLstmLm()


def torch_nll(torch, model, data, bptt):
    """Summed NLL and count over a [L, streams] id array, hidden state carried through (eval mode)."""
    model.eval()
    total, count = 0.0, 0
    state = None
    x_all = torch.from_numpy(np.ascontiguousarray(data))
    with torch.no_grad():
        for i in range(0, data.shape[0] - 1, bptt):
            n = min(bptt, data.shape[0] - 1 - i)
            logits, state = model(x_all[i:i + n], state)
            total += float(torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                             x_all[i + 1:i + 1 + n].reshape(-1),
                                                             reduction="sum"))
            count += n * data.shape[1]
    return total, count


def calibrate(model, torch, ids, streams, percentile):
    """Float model over training tokens: the inputs of the lstm gate GEMM ([x_t; h_(t-1)]) and the decoder (h_t)."""
    data = tra.batchify(ids, streams)
    emb = model.emb.weight.detach().numpy().astype(np.float64)
    w = np.concatenate([model.lstm.weight_ih_l0.detach().numpy(), model.lstm.weight_hh_l0.detach().numpy()],
                       axis=1).astype(np.float64)
    b = (model.lstm.bias_ih_l0 + model.lstm.bias_hh_l0).detach().numpy().astype(np.float64)
    hidden = model.lstm.hidden_size
    h = np.zeros((streams, hidden))
    c = np.zeros((streams, hidden))
    rows, hs = [], []
    for t in range(data.shape[0]):
        row = np.concatenate([emb[data[t]], h], axis=1)
        rows.append(row)
        i_g, f_g, g_g, o_g = np.split(row @ w.T + b, 4, axis=1)
        c = tra._sigmoid(f_g) * c + tra._sigmoid(i_g) * np.tanh(g_g)
        h = tra._sigmoid(o_g) * np.tanh(c)
        hs.append(h)
    rows, hs = np.abs(np.concatenate(rows)), np.abs(np.concatenate(hs))
    pick = (lambda a: float(a.max())) if percentile is None else (lambda a: float(np.percentile(a, percentile)))
    return pick(rows), pick(hs), float(rows[:, :hidden].max()), float(rows[:, hidden:].max())


def quantize_weights(w):
    scale = float(np.abs(w).max()) / W_QMAX
    return np.clip(np.rint(w / scale), -W_QMAX, W_QMAX).astype(np.int8), scale


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(HERE, "bundled", "lstm_kjv.h5"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--vocab", type=int, default=4000, help="vocabulary size including <unk>")
    ap.add_argument("--hidden", type=int, default=256, help="embedding = hidden size (tied)")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=32, help="training streams")
    ap.add_argument("--bptt", type=int, default=35)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--lr-decay", type=float, default=0.5, help="lr multiplier after each epoch")
    ap.add_argument("--dropout", type=float, default=0.25)
    ap.add_argument("--clip", type=float, default=0.5, help="gradient norm clip")
    ap.add_argument("--calib", type=int, default=20000, help="training tokens for activation calibration")
    ap.add_argument("--percentile", type=float, default=None,
                    help="activation calibration percentile of |input| (default: max)")
    ap.add_argument("--eval-streams", type=int, default=16, help="parallel streams of the test evaluation")
    ap.add_argument("--record", type=int, default=64, help="time steps of test stream 0 recorded")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-tr-table", action="store_true", help="skip the accuracy-under-TR table")
    args = ap.parse_args()

    t_start = time.time()
    torch = tg.import_torch(args.threads)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    rng = np.random.default_rng(args.seed)

    vocab, ids, stats = kjv.corpus(args.vocab)
    for k, (n, unk) in stats.items():
        print(f"{k}: {n} tokens, {unk:.2%} <unk>")
    model = build_model(torch, len(vocab), args.hidden, args.dropout)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    train = torch.from_numpy(np.ascontiguousarray(tra.batchify(ids["train"], args.batch)))
    valid = tra.batchify(ids["valid"], args.eval_streams)
    test = tra.batchify(ids["test"], args.eval_streams)
    n_batches = (train.shape[0] - 1 + args.bptt - 1) // args.bptt
    print(f"model: tied embedding/decoder {len(vocab)} x {args.hidden}, LSTM {args.hidden}->{args.hidden}; "
          f"{sum(p.numel() for p in model.parameters())} parameters; {n_batches} batches per epoch "
          f"({args.threads} threads)", flush=True)
    t_train = time.time()
    for epoch in range(args.epochs):
        model.train()
        state = None
        total, count = 0.0, 0
        for bi, i in enumerate(range(0, train.shape[0] - 1, args.bptt)):
            n = min(args.bptt, train.shape[0] - 1 - i)
            if state is not None:
                state = tuple(s.detach() for s in state)
            logits, state = model(train[i:i + n], state)
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, len(vocab)),
                                                     train[i + 1:i + 1 + n].reshape(-1))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            opt.step()
            total += float(loss) * n
            count += n
            if bi % 100 == 0:
                print(f"  epoch {epoch + 1}/{args.epochs} [{bi:4d}/{n_batches}] train ppl "
                      f"{math.exp(total / count):8.2f} ({time.time() - t_train:.0f} s)", flush=True)
        vn, vc = torch_nll(torch, model, valid, args.bptt)
        print(f"epoch {epoch + 1}/{args.epochs}: lr {args.lr * args.lr_decay ** epoch:.2e} train ppl "
              f"{math.exp(total / count):.2f} valid ppl {math.exp(vn / vc):.2f} "
              f"({time.time() - t_train:.0f} s)", flush=True)
        for gr in opt.param_groups:
            gr["lr"] *= args.lr_decay
    train_s = time.time() - t_train
    tn, tc = torch_nll(torch, model, test, args.bptt)
    float_ppl = math.exp(tn / tc)
    print(f"trained in {train_s:.1f} s; float test perplexity {float_ppl:.2f}", flush=True)

    # ---- post-training 8-bit quantization
    model.eval()
    start = int(rng.integers(0, len(ids["train"]) - args.calib))
    x_max, h_max, emb_max, hprev_max = calibrate(model, torch, ids["train"][start:start + args.calib], 8,
                                                 args.percentile)
    w_l = np.concatenate([model.lstm.weight_ih_l0.detach().numpy(), model.lstm.weight_hh_l0.detach().numpy()],
                         axis=1)
    b_l = (model.lstm.bias_ih_l0 + model.lstm.bias_hh_l0).detach().numpy().astype(np.float32)
    w_d = model.dec.weight.detach().numpy()
    b_d = model.dec.bias.detach().numpy().astype(np.float32)
    q_l, s_l = quantize_weights(w_l)
    q_d, s_d = quantize_weights(w_d)
    rule = "max" if args.percentile is None else f"{args.percentile}th percentile"
    print(f"calibration ({rule} of |input| over {args.calib} training tokens): lstm input {x_max:.4f} "
          f"(embedding part max {emb_max:.4f}, h part max {hprev_max:.4f}), decoder input {h_max:.4f}")
    h = args.hidden
    layers = [
        Layer(name="lstm1", type="lstm", weights=q_l, inputs=np.zeros((1, 2 * h), np.int64), w_scale=s_l,
              x_scale=x_max / X_QMAX, w_bits=8, x_bits=8, hidden_size=h, bias=b_l),
        Layer(name="decoder", type="fc", weights=q_d, inputs=np.zeros((1, h), np.int64), w_scale=s_d,
              x_scale=h_max / X_QMAX, w_bits=8, x_bits=8, bias=b_d),
    ]
    model_group = {
        "architecture": "lstm_lm_tied",
        "corpus": "King James Bible, Debian package bible-kjv (`bible -l100000 gen1:1-rev22:21`)",
        "vocab": list(vocab),
        "test_tokens": ids["test"].astype(np.int16),
        "eval_streams": args.eval_streams,
    }
    trace = Trace(network="lstm_kjv", source="trained", description="", layers=layers, metric="perplexity",
                  float_metric=float_ppl, model=model_group)
    t_eval = time.time()
    nll, n, (rec_l, rec_d) = tra.lstm_lm_nll(trace, ids["test"], args.eval_streams, record=args.record)
    int8_ppl = math.exp(nll / n)
    print(f"int8 test perplexity {int8_ppl:.2f} ({time.time() - t_eval:.1f} s)", flush=True)
    layers[0].inputs, layers[1].inputs = rec_l, rec_d
    trace.int8_metric = int8_ppl

    description = (
        f"Real word-level LSTM language model trained with PyTorch {torch.__version__} on the King James Bible "
        f"(Debian bible-kjv, text read with `bible -l100000 gen1:1-rev22:21`, see traces/kjv.py): lower-cased "
        f"words and punctuation tokens, <eos> after every verse; chapters split interleaved (chapter ordinal "
        f"% 20: 18 valid, 19 test, else train): train {stats['train'][0]}, valid {stats['valid'][0]}, test "
        f"{stats['test'][0]} tokens; vocabulary the {len(vocab) - 1} most frequent training tokens + <unk> "
        f"(test <unk> rate {stats['test'][1]:.2%}). Model: embedding {len(vocab)}x{h} tied to the decoder, "
        f"dropout {args.dropout}, one LSTM layer {h}->{h} (PyTorch gates i, f, g, o), decoder fc {h}->"
        f"{len(vocab)}. Training: Adam lr {args.lr} x{args.lr_decay} per epoch, {args.epochs} epochs, "
        f"{args.batch} streams, BPTT {args.bptt}, grad-norm clip {args.clip}, seed {args.seed}, "
        f"{args.threads} threads. "
        "Post-training 8-bit quantization: weights symmetric per layer, w_scale = max|W|/127, "
        "q_w = round(W/w_scale) in [-127,127]; the lstm layer's weights are [W_ih | W_hh] (4H x 2H) with bias "
        "b_ih + b_hh. Activations symmetric (signed, sign-magnitude): q_x = clip(round(a/x_scale), -127, 127), "
        f"x_scale = ({rule} of |a| over {args.calib} calibration training tokens)/127; one scale for the whole "
        "lstm input row [x_t; h_(t-1)]. int8 inference (traces/tr_accuracy.py lstm_lm_nll): embedding = the "
        "decoder's dequantized int8 weights (tied), exact integer gate GEMM times w_scale*x_scale plus float "
        "bias, float sigmoid/tanh and cell state, h_t re-quantized for the decoder's integer GEMM, float "
        "softmax. Perplexity = exp(mean next-token NLL) over the test split as "
        f"{args.eval_streams} contiguous streams (hidden state carried). Recorded inputs: the first "
        f"{args.record} time steps of test stream 0 (the start of the test split, zero initial state): lstm1 "
        "rows [x_t; h_(t-1)], decoder rows h_t. Biases in the 'bias' datasets, vocabulary and test token ids "
        "in /model. Made by traces/make_kjv_lstm.py.")
    trace.description = description
    if not args.no_tr_table:
        trace.tr_accuracy = tra.tr_table(trace, progress=tra.Progress("TR accuracy (lstm_kjv)"))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    write_trace(args.out, trace)
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes); total {time.time() - t_start:.1f} s")


if __name__ == "__main__":
    import sys

    from trsim_trace import tool  # one error line, the documented exit status
    sys.exit(tool.run("make_kjv_lstm.py", main))
