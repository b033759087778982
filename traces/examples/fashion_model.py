"""An example MODEL.py for `trsim trace from-torch` (docs/user-guide/import.md): a small CNN with the parts real networks
have (batch norm, a residual block, a depthwise-separable block, max and global average pooling, a linear
head), trained here on Fashion-MNIST (Debian's dataset-fashion-mnist): 3 epochs over 20,000 images, about
340 CPU seconds (minutes on 2 cores).

    build/trsim trace from-torch traces/examples/fashion_model.py -o fashion_model.h5
    build/trsim run configs/default.yaml --set trace=$PWD/fashion_model.h5

Copy it and replace model(), test_data() and calibration_data() with your own: model() returns the
torch.nn.Module with its trained weights (load a state_dict there), test_data() the evaluation inputs (float,
as the model takes them) and their class indices, calibration_data() the inputs that fit the activation
scales (optional: the first 2000 test inputs without it).
"""
import gzip
import os

import numpy as np
import torch
from torch import nn

DATA = "/usr/share/datasets/fashion-mnist"
TRAIN_IMAGES, EPOCHS = 20000, 3


def _idx(name):
    """An IDX file of the Fashion-MNIST package as a numpy array."""
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        raw = f.read()
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(raw[3])]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


def _images(kind):
    x = _idx(f"{kind}-images-idx3-ubyte.gz").astype(np.float32)[:, None] / 255.0
    return torch.from_numpy(x), torch.from_numpy(_idx(f"{kind}-labels-idx1-ubyte.gz").astype(np.int64))


class Residual(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)
        self.conv2, self.bn2 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(x + self.bn2(self.conv2(y)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(16),
                                  nn.ReLU())                                        # 28 -> 14
        self.res = Residual(16)
        self.pool = nn.MaxPool2d(2)                                                 # 14 -> 7
        self.dw = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1, groups=16, bias=False), nn.BatchNorm2d(16),
                                nn.ReLU6())                                         # depthwise
        self.pw = nn.Sequential(nn.Conv2d(16, 32, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU6())  # pointwise
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.1), nn.Linear(32, 10))

    def forward(self, x):
        return self.head(self.pw(self.dw(self.pool(self.res(self.stem(x))))))


def model():
    torch.manual_seed(1)
    x, y = _images("train")
    x, y = x[:TRAIN_IMAGES], y[:TRAIN_IMAGES]
    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    for _ in range(EPOCHS):
        net.train()
        for idx in torch.randperm(len(x)).split(64):
            loss = nn.functional.cross_entropy(net(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net.eval()


def test_data():
    return _images("t10k")


def calibration_data():
    return _images("train")[0][TRAIN_IMAGES:TRAIN_IMAGES + 2000]
