"""Shared helpers of the robustness suite: run trsim as a user does, make broken
copies of the bundled inputs, and fingerprint files to prove nothing was damaged."""
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TRSIM = os.environ.get("TRSIM_BIN", str(ROOT / "build" / "trsim"))
CONFIG = ROOT / "configs" / "default.yaml"
ENERGY = ROOT / "configs" / "energy" / "horowitz_45nm.yaml"
AREA = ROOT / "configs" / "area" / "horowitz_45nm.yaml"
MLP = ROOT / "traces" / "bundled" / "mlp_fashion_mnist.h5"
CNN = ROOT / "traces" / "bundled" / "cnn_fashion_mnist.h5"


def trsim(*args, timeout=600, **kw):
    return subprocess.run([TRSIM, *map(str, args)], capture_output=True, text=True, timeout=timeout, **kw)


def default_signals():
    """preexec_fn for workers a test signals: a shell's background job inherits SIGINT ignored."""
    import signal
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)


def digest(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class Inputs:
    """A private copy of the default config, its energy and area tables and both bundled traces."""

    def __init__(self, root: Path):
        self.dir = root
        (root / "energy").mkdir()
        shutil.copy(ENERGY, root / "energy" / ENERGY.name)
        (root / "area").mkdir()
        shutil.copy(AREA, root / "area" / AREA.name)
        self.mlp = root / "mlp.h5"
        self.cnn = root / "cnn.h5"
        shutil.copy(MLP, self.mlp)
        shutil.copy(CNN, self.cnn)
        text = CONFIG.read_text().replace("../traces/bundled/mlp_fashion_mnist.h5", "mlp.h5")
        text = text.replace("progress: true", "progress: false")
        self.config = root / "c.yaml"
        self.config.write_text(text)
        self.energy = root / "energy" / ENERGY.name
        self.area = root / "area" / AREA.name

    def files(self):
        return [self.config, self.energy, self.area, self.mlp, self.cnn]

    def fingerprint(self):
        return {str(p): digest(p) for p in self.files()}


@pytest.fixture
def inputs(tmp_path):
    return Inputs(tmp_path)


def leftovers(directory):
    """Temporary files (*.tmp-PID*) and locks left in a directory tree."""
    return sorted(str(p) for p in Path(directory).rglob("*") if ".tmp-" in p.name or p.name.endswith(".lock"))
