"""Exact layer tables of the ImageNet networks the TR paper reports (torchvision definitions, 224x224 input,
batch 1): ResNet-18, ResNet-50 (v1.5: stride on the 3x3 conv), VGG-16, MobileNet-v2, EfficientNet-b0.

Every layer that runs on the systolic array is listed in execution order: convolutions (depthwise as
``groups == C``, pointwise as 1x1), the fully connected classifier, and EfficientNet's squeeze-and-excitation
1x1 convolutions (on the pooled [C, 1, 1] vector). What does not run on the array is folded into the layer
table: max / average pooling sets the next layer's input size, residual adds, SE scaling and activations are
elementwise (``note`` says where they happen); batch norm is folded into the conv weights and bias.

Each layer also says what its input is (``input_kind``), which the synthetic generator uses:
``image`` (uint8 pixels), ``relu`` (post-ReLU / ReLU6, non-negative, many zeros), ``signed`` (a linear
bottleneck output plus residual: signed), ``swish`` (post-SiLU: non-negative but for small negatives),
``pooled_relu`` / ``pooled_swish`` (a global average of such a tensor: few zeros).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List

INPUT_KINDS = ("image", "relu", "signed", "swish", "pooled_relu", "pooled_swish")


@dataclass
class LayerSpec:
    name: str
    type: str                 # conv | fc
    c_in: int                 # input channels (fc: K)
    c_out: int                # output channels (fc: N)
    k: int = 1                # square kernel
    stride: int = 1
    pad: int = 0
    groups: int = 1
    h_in: int = 1             # square input size (conv); fc: 1
    input_kind: str = "relu"
    note: str = ""
    pool_hw: int = 0          # pooled_* inputs: how many spatial positions the global average pool averages

    @property
    def h_out(self) -> int:
        if self.type == "fc":
            return 1
        return (self.h_in + 2 * self.pad - self.k) // self.stride + 1

    @property
    def macs(self) -> int:
        if self.type == "fc":
            return self.c_in * self.c_out
        return self.h_out ** 2 * (self.c_in // self.groups) * self.k * self.k * self.c_out

    @property
    def weight_count(self) -> int:
        if self.type == "fc":
            return self.c_in * self.c_out
        return self.c_out * (self.c_in // self.groups) * self.k * self.k

    @property
    def weight_shape(self):
        if self.type == "fc":
            return (self.c_out, self.c_in)
        return (self.c_out, self.c_in // self.groups, self.k, self.k)

    def input_shape(self, batch: int = 1):
        if self.type == "fc":
            return (batch, self.c_in)
        return (batch, self.c_in, self.h_in, self.h_in)

    @property
    def is_depthwise(self) -> bool:
        return self.type == "conv" and self.groups > 1 and self.groups == self.c_in


def _out(h: int, k: int, s: int, p: int) -> int:
    return (h + 2 * p - k) // s + 1


class _Builder:
    def __init__(self, resolution: int, width: float):
        self.h = resolution
        self.width = width
        self.layers: List[LayerSpec] = []

    @property
    def classes(self) -> int:
        """1000 ImageNet classes; scaled down with the width in test variants (width != 1)."""
        return 1000 if self.width == 1.0 else max(10, int(round(1000 * self.width)))

    def ch(self, c: int) -> int:
        """Channel count scaled by the width multiplier (1.0 = the real network)."""
        return c if self.width == 1.0 else max(1, int(round(c * self.width)))

    def conv(self, name, c_in, c_out, k, s, p, groups=1, kind="relu", note="", h=None, advance=True):
        h_in = self.h if h is None else h
        spec = LayerSpec(name, "conv", c_in, c_out, k, s, p, groups, h_in, kind, note)
        self.layers.append(spec)
        if advance:
            self.h = spec.h_out
        return spec

    def pool(self, k, s, p):
        self.h = _out(self.h, k, s, p)

    def fc(self, name, c_in, c_out, kind, note=""):
        self.layers.append(LayerSpec(name, "fc", c_in, c_out, input_kind=kind, note=note,
                                     pool_hw=self.h * self.h if kind.startswith("pooled") else 0))


# --------------------------------------------------------------------------- ResNet

def resnet18(resolution: int = 224, width: float = 1.0) -> List[LayerSpec]:
    return _resnet(resolution, width, "basic", (2, 2, 2, 2))


def resnet50(resolution: int = 224, width: float = 1.0) -> List[LayerSpec]:
    return _resnet(resolution, width, "bottleneck", (3, 4, 6, 3))


def _resnet(resolution, width, block, counts):
    b = _Builder(resolution, width)
    c = b.ch(64)
    b.conv("conv1", 3, c, 7, 2, 3, kind="image", note="BN+ReLU; then maxpool 3x3/2 (sets the next input size)")
    b.pool(3, 2, 1)
    c_in = c
    for li, (planes, n) in enumerate(zip((64, 128, 256, 512), counts)):
        planes = b.ch(planes)
        for bi in range(n):
            stride = 2 if (li > 0 and bi == 0) else 1
            pre = f"layer{li + 1}.{bi}"
            h_block = b.h
            if block == "basic":
                c_out = planes
                b.conv(f"{pre}.conv1", c_in, planes, 3, stride, 1, note="BN+ReLU")
                b.conv(f"{pre}.conv2", planes, planes, 3, 1, 1,
                       note="BN; + residual (block input or downsample output), ReLU: elementwise, not on the array")
            else:
                c_out = planes * 4
                b.conv(f"{pre}.conv1", c_in, planes, 1, 1, 0, note="BN+ReLU")
                b.conv(f"{pre}.conv2", planes, planes, 3, stride, 1, note="BN+ReLU (v1.5: stride here)")
                b.conv(f"{pre}.conv3", planes, c_out, 1, 1, 0,
                       note="BN; + residual (block input or downsample output), ReLU: elementwise, not on the array")
            if stride != 1 or c_in != c_out:
                b.conv(f"{pre}.downsample", c_in, c_out, 1, stride, 0, h=h_block, advance=False,
                       note="1x1 projection of the block input for the residual add (BN, no ReLU)")
            c_in = c_out
    b.fc("fc", c_in, b.classes, "pooled_relu", note=f"input: global average pool of the {b.h}x{b.h} final feature map")
    return b.layers


# --------------------------------------------------------------------------- VGG-16

def vgg16(resolution: int = 224, width: float = 1.0) -> List[LayerSpec]:
    b = _Builder(resolution, width)
    cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
    c_in, stage, idx = 3, 1, 1
    for v in cfg:
        if v == "M":
            b.pool(2, 2, 0)
            b.layers[-1].note += "; then maxpool 2x2/2 (sets the next input size)"
            stage, idx = stage + 1, 1
            continue
        c = b.ch(v)
        b.conv(f"conv{stage}_{idx}", c_in, c, 3, 1, 1, kind="image" if c_in == 3 else "relu", note="ReLU")
        c_in, idx = c, idx + 1
    hidden = b.ch(4096)
    # torchvision: adaptive average pool to 7x7 (identity at 224) then flatten (C, H, W)
    b.fc("fc6", c_in * 7 * 7, hidden, "relu", note="input: pool5 output flattened (C,H,W) after adaptive avgpool "
                                                   "to 7x7; ReLU, dropout")
    b.fc("fc7", hidden, hidden, "relu", note="ReLU, dropout")
    b.fc("fc8", hidden, b.classes, "relu", note="logits")
    return b.layers


# --------------------------------------------------------------------------- MobileNet-v2

def _make_divisible(v: float, divisor: int = 8) -> int:
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def mobilenet_v2(resolution: int = 224, width: float = 1.0) -> List[LayerSpec]:
    b = _Builder(resolution, width)
    div = (lambda c: _make_divisible(c * width)) if width != 1.0 else (lambda c: c)
    c_in = div(32)
    b.conv("features.0", 3, c_in, 3, 2, 1, kind="image", note="BN+ReLU6")
    settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                (6, 320, 1, 1)]
    block = 1
    in_kind = "relu"  # the stem's output is post-ReLU6; later block inputs are linear bottlenecks (signed)
    for t, c, n, s in settings:
        c_out = div(c)
        for i in range(n):
            stride = s if i == 0 else 1
            hidden = c_in * t
            pre = f"features.{block}"
            residual = stride == 1 and c_in == c_out
            if t != 1:
                b.conv(f"{pre}.expand", c_in, hidden, 1, 1, 0, kind=in_kind, note="pointwise expansion, BN+ReLU6")
            b.conv(f"{pre}.dw", hidden, hidden, 3, stride, 1, groups=hidden,
                   kind="relu" if t != 1 else in_kind, note="depthwise 3x3, BN+ReLU6")
            b.conv(f"{pre}.project", hidden, c_out, 1, 1, 0, kind="relu",
                   note="pointwise linear projection, BN, no activation"
                        + ("; + residual (block input): elementwise, not on the array" if residual else ""))
            c_in, block, in_kind = c_out, block + 1, "signed"
    last = 1280 if width == 1.0 else div(1280)  # (torchvision keeps 1280 for width < 1; tests shrink it)
    b.conv(f"features.{block}", c_in, last, 1, 1, 0, kind="signed", note="pointwise, BN+ReLU6")
    b.fc("classifier", last, b.classes, "pooled_relu", note=f"input: global average pool of {b.h}x{b.h}; dropout 0.2")
    return b.layers


# --------------------------------------------------------------------------- EfficientNet-b0

def efficientnet_b0(resolution: int = 224, width: float = 1.0) -> List[LayerSpec]:
    b = _Builder(resolution, width)
    div = (lambda c: _make_divisible(c * width)) if width != 1.0 else (lambda c: c)
    c_in = div(32)
    b.conv("features.0", 3, c_in, 3, 2, 1, kind="image", note="BN+SiLU")
    # (expand ratio, kernel, stride, in, out, layers): torchvision efficientnet_b0
    stages = [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
              (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1)]
    in_kind = "swish"
    for si, (e, k, s, cin0, cout, n) in enumerate(stages):
        c_out = div(cout)
        for i in range(n):
            stride = s if i == 0 else 1
            c_block = c_in
            hidden = c_block * e
            squeeze = max(1, c_block // 4)
            pre = f"features.{si + 1}.{i}"
            residual = stride == 1 and c_block == c_out
            if e != 1:
                b.conv(f"{pre}.expand", c_block, hidden, 1, 1, 0, kind=in_kind, note="pointwise expansion, BN+SiLU")
            b.conv(f"{pre}.dw", hidden, hidden, k, stride, (k - 1) // 2, groups=hidden,
                   kind="swish" if e != 1 else in_kind, note="depthwise, BN+SiLU")
            hw = b.h
            se = b.conv(f"{pre}.se_reduce", hidden, squeeze, 1, 1, 0, kind="pooled_swish", h=1, advance=False,
                        note=f"squeeze-excitation: 1x1 conv on the global average of the {hw}x{hw} depthwise "
                             "output, SiLU")
            se.pool_hw = hw * hw
            b.conv(f"{pre}.se_expand", squeeze, hidden, 1, 1, 0, kind="swish", h=1, advance=False,
                   note="squeeze-excitation: 1x1 conv, sigmoid; the depthwise output is scaled per channel "
                        "(elementwise, not on the array)")
            b.conv(f"{pre}.project", hidden, c_out, 1, 1, 0, kind="swish",
                   note="pointwise linear projection, BN, no activation"
                        + ("; + residual (block input): elementwise, not on the array" if residual else ""))
            c_in, in_kind = c_out, "signed"
    last = 1280 if width == 1.0 else div(1280)
    b.conv("features.8", c_in, last, 1, 1, 0, kind="signed", note="pointwise head, BN+SiLU")
    b.fc("classifier", last, b.classes, "pooled_swish", note=f"input: global average pool of {b.h}x{b.h}; dropout 0.2")
    return b.layers


NETWORKS: Dict[str, Callable[..., List[LayerSpec]]] = {
    "resnet18": resnet18,
    "resnet50": resnet50,
    "vgg16": vgg16,
    "mobilenet_v2": mobilenet_v2,
    "efficientnet_b0": efficientnet_b0,
}

# torchvision's published multiply-accumulate counts at 224x224 ("GFLOPS" in its model table) and parameters
PUBLISHED = {
    "resnet18": dict(gmacs=1.81, mparams=11.69),
    "resnet50": dict(gmacs=4.09, mparams=25.56),
    "vgg16": dict(gmacs=15.47, mparams=138.36),
    "mobilenet_v2": dict(gmacs=0.30, mparams=3.50),
    "efficientnet_b0": dict(gmacs=0.39, mparams=5.29),
}


def layers(network: str, resolution: int = 224, width: float = 1.0) -> List[LayerSpec]:
    if network not in NETWORKS:
        raise ValueError(f"unknown network {network!r}, expected one of {sorted(NETWORKS)}")
    return NETWORKS[network](resolution, width)


def total_macs(specs: List[LayerSpec]) -> int:
    return sum(s.macs for s in specs)


def total_weights(specs: List[LayerSpec]) -> int:
    return sum(s.weight_count for s in specs)
