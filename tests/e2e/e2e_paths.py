"""Where the end-to-end tests find trsim and the repository's files (TRSIM_BIN overrides the binary)."""
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TRSIM = os.environ.get("TRSIM_BIN", str(ROOT / "build" / "trsim"))
DEFAULT = str(ROOT / "configs" / "default.yaml")
BUNDLED = ROOT / "traces" / "bundled"
# A module that runs trsim is skipped, saying why, when the binary has not been built.
requires_trsim = pytest.mark.skipif(not os.access(TRSIM, os.X_OK), reason=f"trsim binary not built ({TRSIM})")
