"""The TR paper's six networks as the authors evaluated them, and their published accuracies.

Data, not code, from the authors' repository (BradMcDanel/term-quantization, commit ``AUTHORS_COMMIT``;
every results file last changed in ``RESULTS_COMMIT``): each network's results file lists one accuracy (ImageNet
top-1 in percent, MNIST accuracy in percent, Wikitext-2 perplexity) per setting, in the order their evaluation
scripts ran the settings (``evaluate_cnn.py`` / ``.sh``, ``evaluate_mlp.sh``, ``evaluate_lstm.sh``; the
ResNet-18 and VGG-16 files are from an earlier version of ``evaluate_cnn.py`` with five weight widths and
k = 8..16, which their ``avg_terms`` and ``tmacs`` fields confirm). The values below are the files' floats
exactly (``repr``).

Their settings (``tr_layer.py``): a weight tensor is quantized with ``w_sf = max|w| / 2^(wb-1)`` (values
-2^(wb-1)..2^(wb-1)), data with a fitted scale to ``db`` magnitude bits; TR keeps ``k`` HESE terms per group of
``g`` weights and ``s`` HESE terms per data value (group 1); QT is the same code with every term kept. Their
term pairs per MAC (``profile_model.py``): QT ``wb x db``, TR ``k x s / g``.

How each maps onto trsim's config (``trsim_overrides``), stated once here and in docs/paper.md:

* weights ``quantize_bits = wb - 1`` (trsim counts magnitude bits: their wb = 9, "8-bit QT", is 8 magnitude bits
  with 2^8 + 1 levels each side of zero, trsim's 8 bits 2^8 - 1); the paper traces store weights with 8
  magnitude bits (-255..255), so wb = 9 leaves them as they are;
* data ``quantize_bits = db`` (8-bit traces: db >= 8 leaves them as they are);
* QT: ``pe.kind tr`` in conventional mode (binary terms, no budgets); TR: HESE, weights ``group_size g,
  budget k``, data ``group_size 1, budget s``.

What trsim cannot express uniformly, and what it does instead:

* their data TR/QT is not applied in Linear layers (``TRLinearLayer.forward`` multiplies the unquantized
  input), so the MLP and the LSTM decoder ran with float data; trsim applies the stated data setting to
  every layer (the timing of the setting as named; the accuracy is theirs as published);
* their MLP QT at wb = 2 is 1 magnitude bit, below trsim's ``quantize_bits`` range (2..16): its row is kept
  with an empty key (never matched, never in the sweep);
* MobileNet-v2 and EfficientNet-b0 use 9 data bits; the traces' data are 8-bit (uint8 after ReLU, int8
  signed), so db = 9 leaves them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional

AUTHORS_REPO = "BradMcDanel/term-quantization"
AUTHORS_COMMIT = "c2c4a1ea942408a9bf2e887d00eb1ff30260f4ea"
RESULTS_COMMIT = "5a24389a07842052c42899e68c759a6be9e9cf4f"


@dataclass(frozen=True)
class PaperSetting:
    """One setting of the authors' tables and its published value."""

    family: str            # "qt" | "tr"
    wb: int                # their weight_bits
    db: int                # their data_bits
    value: float           # published accuracy (percent) or perplexity
    source: str            # results file in their repository, and the list it is in
    g: int = 1             # TR weight group size
    k: Optional[int] = None  # TR weight terms per group
    s: Optional[int] = None  # TR data terms per value

    @property
    def label(self) -> str:
        if self.family == "qt":
            return f"QT wb={self.wb} db={self.db}"
        return f"TR g={self.g} k={self.k} s={self.s} (wb={self.wb} db={self.db})"

    @property
    def short(self) -> str:
        return f"QT{self.wb}" if self.family == "qt" else f"TR {self.k}x{self.s}/g{self.g}"

    @property
    def term_pairs_per_mac(self) -> float:
        """The authors' accounting (profile_model.py): QT wb x db, TR k x s / g."""
        return float(self.wb * self.db) if self.family == "qt" else self.k * self.s / self.g

    @property
    def expressible(self) -> bool:
        return 2 <= self.wb - 1 <= 16 and 2 <= self.db <= 16

    def trsim_overrides(self) -> Dict[str, object]:
        """trsim config keys expressing this setting (module docstring)."""
        o: Dict[str, object] = {"pe.kind": "tr", "operands.weights.quantize_bits": self.wb - 1,
                                "operands.data.quantize_bits": self.db}
        if self.family == "qt":
            o.update({"operands.weights.encoding": "binary", "operands.data.encoding": "binary",
                      "operands.weights.budget": None, "operands.data.budget": None,
                      "operands.weights.group_size": 8, "operands.data.group_size": 1})
        else:
            o.update({"operands.weights.encoding": "hese", "operands.data.encoding": "hese",
                      "operands.weights.group_size": self.g, "operands.weights.budget": self.k,
                      "operands.data.group_size": 1, "operands.data.budget": self.s})
        return o

    def key(self, w_bits: List[int], x_bits: List[int]) -> str:
        """trsim's canonical setting key (trsim_trace.setting; sim/run/AccuracyKey.cpp) of this setting on a
        trace whose layers declare these magnitude bits; "" when trsim cannot express it."""
        if not self.expressible:
            return ""

        def q(bits, declared):  # QT at or above every layer's declared bits changes nothing: keyed as none
            return "none" if all(bits >= d for d in declared) else str(bits)
        wq, dq = q(self.wb - 1, w_bits), q(self.db, x_bits)
        if self.family == "qt":
            return f"w=exact:q{wq};d=exact:q{dq}"
        return f"w=hese:g{self.g}:k{self.k}:q{wq};d=hese:g1:k{self.s}:q{dq}"


@dataclass(frozen=True)
class PaperNetwork:
    name: str              # trsim's network name prefix and trace file stem
    row: str               # the paper's FPGA-table row
    metric: str            # "accuracy_percent" | "perplexity"
    files: tuple           # their results files
    reference: tuple       # (wb, db) of their "8-bit QT" reference setting
    tolerance: float       # points (accuracy) or percent (perplexity)
    settings: tuple        # PaperSetting, in their files' order
    layers_from: str       # where the layer table comes from

    @property
    def higher_is_better(self) -> bool:
        return self.metric != "perplexity"


def _cnn(results: str, data_bits: int, qt_bits, k_values, s_lists) -> tuple:
    f = f"results/{results}"
    out = [PaperSetting("qt", wb, data_bits, v, f"{f} quant") for wb, v in zip(qt_bits, s_lists["quant"])]
    for s in (2, 3, 4):
        for k, v in zip(k_values, s_lists.get(f"tr-data{s}", ())):
            out.append(PaperSetting("tr", 9, data_bits, v, f"{f} tr-data{s}", g=8, k=k, s=s))
    return tuple(out)


RESNET18 = {
    "quant": [55.18000030517578, 67.58599853515625, 69.08599853515625, 69.6240005493164, 69.68799591064453],
    "tr-data2": [67.552001953125, 68.73600006103516, 69.05400085449219, 69.18399810791016, 69.09400177001953],
    "tr-data3": [67.9219970703125, 68.99800109863281, 69.5, 69.60199737548828, 69.58599853515625],
}
VGG16_BN = {
    "quant": [63.45800018310547, 72.11000061035156, 73.11799621582031, 73.24800109863281, 73.30400085449219],
    "tr-data2": [72.25599670410156, 73.02999877929688, 73.1199951171875, 73.13999938964844, 73.10199737548828],
    "tr-data3": [72.4959945678711, 73.06800079345703, 73.20999908447266, 73.2760009765625, 73.27799987792969],
}
MOBILENET_V2 = {
    "quant": [67.28199768066406, 71.0739974975586, 71.59600067138672, 71.76599884033203],
    "tr-data2": [59.459999084472656, 64.75599670410156, 65.9280014038086, 66.02400207519531],
    "tr-data3": [66.86599731445312, 70.82799530029297, 71.31399536132812, 71.4020004272461],
    "tr-data4": [67.01399993896484, 71.09600067138672, 71.6520004272461, 71.68999481201172],
}
EFFICIENTNET_B0 = {
    "quant": [73.88600158691406, 75.94999694824219, 75.99199676513672, 76.1259994506836],
    "tr-data2": [70.29399871826172, 72.15399932861328, 72.72599792480469, 72.80599975585938],
    "tr-data3": [74.0219955444336, 75.84199523925781, 75.99199676513672, 76.0],
    "tr-data4": [74.27999877929688, 76.05799865722656, 76.09400177001953, 76.08200073242188],
}
MNIST_QUANT = [93.32000000000001, 98.34, 98.39, 98.47, 98.46000000000001]   # evaluate_mlp.sh: wb 2..6, db 6
MNIST_TR = [97.49, 98.11999999999999, 98.34, 98.35, 98.39]                 # wb 4, g 16, k 6..14, s 6, db 6
LSTM_QUANT = [88.40850280613542, 87.08319317943057, 86.93099909441699, 86.8324211692231, 86.86133379412428]
LSTM_TR = [87.4170240253739, 87.1018719117162, 86.97661930481874, 86.9200458312244, 86.86818773536383]

NETWORKS: Dict[str, PaperNetwork] = {n.name: n for n in (
    PaperNetwork("resnet18", "ResNet-18", "accuracy_percent", ("results/resnet18-results.json",), (9, 8), 0.5,
                 _cnn("resnet18-results.json", 8, (5, 6, 7, 8, 9), (8, 10, 12, 14, 16), RESNET18),
                 "torchvision resnet18 (traces/imagenet.py)"),
    PaperNetwork("vgg16_bn", "VGG-16", "accuracy_percent", ("results/vgg16_bn-results.json",), (9, 8), 0.5,
                 _cnn("vgg16_bn-results.json", 8, (5, 6, 7, 8, 9), (8, 10, 12, 14, 16), VGG16_BN),
                 "torchvision vgg16_bn (traces/imagenet.py vgg16: the same conv and fc shapes; BN folded)"),
    PaperNetwork("mobilenet_v2", "MobileNet-v2", "accuracy_percent", ("results/mobilenet_v2-results.json",),
                 (9, 9), 0.5, _cnn("mobilenet_v2-results.json", 9, (6, 7, 8, 9), (12, 16, 20, 24), MOBILENET_V2),
                 "torchvision mobilenet_v2 (traces/imagenet.py)"),
    PaperNetwork("efficientnet_b0", "EfficientNet-b0", "accuracy_percent",
                 ("results/efficientnet_b0-results.json",), (9, 9), 0.5,
                 _cnn("efficientnet_b0-results.json", 9, (6, 7, 8, 9), (12, 16, 20, 24), EFFICIENTNET_B0),
                 "torchvision efficientnet_b0 (traces/imagenet.py)"),
    PaperNetwork("mlp_mnist", "MLP", "accuracy_percent", ("results/mnist-quant.json", "results/mnist-tr.json"),
                 (6, 6), 0.5,
                 tuple([PaperSetting("qt", wb, 6, v, "results/mnist-quant.json accs")
                        for wb, v in zip((2, 3, 4, 5, 6), MNIST_QUANT)] +
                       [PaperSetting("tr", 4, 6, v, "results/mnist-tr.json accs", g=16, k=k, s=6)
                        for k, v in zip((6, 8, 10, 12, 14), MNIST_TR)]),
                 "784-512-512-10 (train_mlp.py)"),
    PaperNetwork("lstm_wikitext2", "LSTM", "perplexity", ("results/lstm-quant.json", "results/lstm-tr.json"),
                 (9, 8), 1.0,
                 tuple([PaperSetting("qt", wb, 8, v, "results/lstm-quant.json ppls")
                        for wb, v in zip((5, 6, 7, 8, 9), LSTM_QUANT)] +
                       [PaperSetting("tr", 8, 8, v, "results/lstm-tr.json ppls", g=8, k=k, s=8)
                        for k, v in zip((8, 12, 16, 20, 24), LSTM_TR)]),
                 "2-layer LSTM, 650 hidden, vocabulary 33,278 (lstm_models/model.py, evaluate_lstm.sh)"),
)}

# M (GEMM rows) of each network as the authors' profile_model.py call counts it: the CNNs one 224x224 image
# (conv rows = output pixels), the MLP one 28x28 image, the LSTM one BPTT window of 35 steps of the
# evaluation batch of 10 sequences (350 rows per layer; their tmacs field is exactly 350 x 650 x 33,278 MACs
# of the decoder times the term pairs per MAC).
MLP_LAYERS = ((784, 512), (512, 512), (512, 10))
MLP_BATCH = 1
LSTM_HIDDEN, LSTM_VOCAB, LSTM_BPTT, LSTM_BATCH = 650, 33278, 35, 10


def source_text(net: PaperNetwork) -> str:
    return (f"{AUTHORS_REPO} {', '.join(net.files)} (repository commit {AUTHORS_COMMIT}; files last changed in "
            f"{RESULTS_COMMIT})")


def network_of(name: str) -> Optional[PaperNetwork]:
    """The paper network a trace's network name ('<name>_paper', or with a test suffix) stands for."""
    for key in sorted(NETWORKS, key=len, reverse=True):
        if name.startswith(key):
            return NETWORKS[key]
    return None


MAC_REFERENCE = {"pe.kind": "mac", "operands.weights.quantize_bits": 7, "operands.data.quantize_bits": 8,
                 "operands.weights.encoding": "binary", "operands.data.encoding": "binary",
                 "operands.weights.group_size": 8, "operands.weights.budget": None,
                 "operands.data.group_size": 1, "operands.data.budget": None}
SWEEP_KEYS = ("pe.kind", "operands.weights.encoding", "operands.data.encoding", "operands.weights.group_size",
              "operands.weights.budget", "operands.data.group_size", "operands.data.budget",
              "operands.weights.quantize_bits", "operands.data.quantize_bits")


def sweep_points() -> List[Dict[str, object]]:
    """configs/sweeps/paper.yaml's points in order: per network every expressible setting of the authors'
    tables, then the INT8 MAC array (weights quantize_bits 7: int8; data 8 bits) for reference."""
    out = []
    for name, net in NETWORKS.items():
        trace = f"../traces/generated/{name}_paper.h5"
        for s in net.settings:
            if s.expressible:
                out.append({"trace": trace, **s.trsim_overrides()})
        out.append({"trace": trace, **MAC_REFERENCE})
    return out
