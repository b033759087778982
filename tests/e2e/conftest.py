"""The end-to-end tests leave the repository's bundled traces and their score caches as they found them
(trsim run scores missing accuracies into <trace>.scores.tsv by default: tests that vary settings on the
bundled traces set accuracy.score=cached, or work on a copy)."""
import hashlib
from pathlib import Path

import pytest

BUNDLED = Path(__file__).resolve().parents[2] / "traces" / "bundled"


def _snapshot():
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(BUNDLED.iterdir()) if p.is_file()}


@pytest.fixture(autouse=True, scope="session")
def bundled_traces_untouched():
    before = _snapshot()
    yield
    after = _snapshot()
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    assert not changed, f"tests changed traces/bundled/: {changed}"
