"""The two graph networks trained on Fashion-MNIST with PyTorch (residual CNN, inverted-residual CNN with SE)
and their conversion to a float graph with batch norm folded into the convolutions.

* ``resnet``: ResNet-style, stem conv 1-16 3x3 s2 (28 -> 14), stage 1 two basic blocks of 16 channels (identity
  shortcuts), stage 2 two basic blocks of 32 channels at 7x7, the first with stride 2 and a 1x1 projection
  shortcut; global average pool, fc 32-10. 10 convolutions + 1 fc.
* ``mbv2se``: MobileNet-v2 / EfficientNet-style, stem conv 1-16 3x3 s2 (ReLU6), three inverted residual blocks
  (expand 1x1 -> depthwise 3x3 -> squeeze-and-excitation -> linear project 1x1; identity add where shapes
  match): t=1 16-16, t=4 16-24 s2, t=4 24-24; head 1x1 24-96, global average pool, fc 96-10. The SE block is
  global average pool -> 1x1 reduce (ReLU) -> 1x1 expand (sigmoid) -> channel scaling.

``fold(model)`` returns (layers, graph): every convolution / fc with its batch norm folded in as float
(weights, bias, stride, padding, groups), and the graph nodes of ``trsim_trace.graph`` that connect them.
"""

from __future__ import annotations

from typing import Dict, List, Tuple

import numpy as np

NETWORKS = ("resnet", "mbv2se")


def build(torch, name: str):
    nn = torch.nn

    def conv_bn(cin, cout, k, stride, groups=1):
        return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
                             nn.BatchNorm2d(cout))

    class Basic(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.c1, self.c2 = conv_bn(cin, cout, 3, stride), conv_bn(cout, cout, 3, 1)
            self.proj = conv_bn(cin, cout, 1, stride) if (stride != 1 or cin != cout) else None

        def forward(self, x):
            y = self.c2(torch.relu(self.c1(x)))
            return torch.relu(y + (self.proj(x) if self.proj is not None else x))

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = conv_bn(1, 16, 3, 2)
            self.blocks = nn.Sequential(Basic(16, 16, 1), Basic(16, 16, 1), Basic(16, 32, 2), Basic(32, 32, 1))
            self.fc = nn.Linear(32, 10)

        def forward(self, x):
            x = self.blocks(torch.relu(self.stem(x)))
            return self.fc(x.mean(dim=(2, 3)))

    class SE(nn.Module):
        def __init__(self, c, r):
            super().__init__()
            self.reduce, self.expand = nn.Conv2d(c, r, 1), nn.Conv2d(r, c, 1)

        def forward(self, x):
            s = torch.relu(self.reduce(x.mean(dim=(2, 3), keepdim=True)))
            return x * torch.sigmoid(self.expand(s))

    class InvRes(nn.Module):
        def __init__(self, cin, cout, t, stride):
            super().__init__()
            hid = cin * t
            self.expand = conv_bn(cin, hid, 1, 1) if t != 1 else None
            self.dw = conv_bn(hid, hid, 3, stride, groups=hid)
            self.se = SE(hid, max(4, cin // 4))
            self.project = conv_bn(hid, cout, 1, 1)
            self.residual = stride == 1 and cin == cout

        def forward(self, x):
            y = x if self.expand is None else nn.functional.relu6(self.expand(x))
            y = self.project(self.se(nn.functional.relu6(self.dw(y))))
            return x + y if self.residual else y

    class MbV2Se(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = conv_bn(1, 16, 3, 2)
            self.blocks = nn.Sequential(InvRes(16, 16, 1, 1), InvRes(16, 24, 4, 2), InvRes(24, 24, 4, 1))
            self.head = conv_bn(24, 96, 1, 1)
            self.fc = nn.Linear(96, 10)

        def forward(self, x):
            x = self.blocks(nn.functional.relu6(self.stem(x)))
            x = nn.functional.relu6(self.head(x))
            return self.fc(x.mean(dim=(2, 3)))

    return {"resnet": ResNet, "mbv2se": MbV2Se}[name]()


# --------------------------------------------------------------------------- folding into a float graph

def _fold(seq) -> Tuple[np.ndarray, np.ndarray, int, int, int]:
    """A Sequential(conv without bias, batch norm) as float (weights, bias, stride, padding, groups)."""
    conv, bn = seq[0], seq[1]
    w = conv.weight.detach().double().numpy()
    gamma, beta = bn.weight.detach().double().numpy(), bn.bias.detach().double().numpy()
    mean, var = bn.running_mean.double().numpy(), bn.running_var.double().numpy()
    s = gamma / np.sqrt(var + bn.eps)
    return w * s[:, None, None, None], beta - mean * s, conv.stride[0], conv.padding[0], conv.groups


def _plain(conv) -> Tuple[np.ndarray, np.ndarray, int, int, int]:
    return (conv.weight.detach().double().numpy(), conv.bias.detach().double().numpy(), conv.stride[0],
            conv.padding[0], conv.groups)


class _Builder:
    def __init__(self):
        self.layers: Dict[str, dict] = {}
        self.graph: List[dict] = []

    def layer(self, name, params, src, act, kind="conv"):
        w, b, stride, pad, groups = params
        self.layers[name] = dict(type=kind, w=w, b=b, stride=stride, padding=pad, groups=groups)
        self.graph.append(dict(op="layer", layer=name, input=src, act=act, out=name))
        return name

    def node(self, op, out, **kw):
        self.graph.append(dict(op=op, out=out, **kw))
        return out


def fold(model, name: str):
    b = _Builder()
    if name == "resnet":
        t = b.layer("stem", _fold(model.stem), "input", "relu")
        for i, blk in enumerate(model.blocks):
            p = f"b{i + 1}"
            y = b.layer(f"{p}_conv1", _fold(blk.c1), t, "relu")
            y = b.layer(f"{p}_conv2", _fold(blk.c2), y, "none")
            sc = b.layer(f"{p}_proj", _fold(blk.proj), t, "none") if blk.proj is not None else t
            t = b.node("add", f"{p}_add", inputs=[y, sc], act="relu")
        t = b.node("avgpool", "pool", input=t)
    else:
        t = b.layer("stem", _fold(model.stem), "input", "relu6")
        for i, blk in enumerate(model.blocks):
            p = f"b{i + 1}"
            y = t if blk.expand is None else b.layer(f"{p}_expand", _fold(blk.expand), t, "relu6")
            y = b.layer(f"{p}_dw", _fold(blk.dw), y, "relu6")
            s = b.node("avgpool", f"{p}_se_pool", input=y)
            s = b.layer(f"{p}_se_reduce", _plain(blk.se.reduce), s, "relu")
            s = b.layer(f"{p}_se_expand", _plain(blk.se.expand), s, "sigmoid")
            y = b.node("mul", f"{p}_se_scale", inputs=[y, s])
            y = b.layer(f"{p}_project", _fold(blk.project), y, "none")
            t = b.node("add", f"{p}_add", inputs=[t, y], act="none") if blk.residual else y
        t = b.layer("head", _fold(model.head), t, "relu6")
        t = b.node("avgpool", "pool", input=t)
    fc = model.fc
    b.layer("fc", (fc.weight.detach().double().numpy(), fc.bias.detach().double().numpy(), 1, 0, 1), t, "none",
            kind="fc")
    b.graph.append(dict(op="output", input="fc"))
    return b.layers, b.graph
