"""pytest setup: make `trsim_trace` and `tracegen` importable when running from /work/main
(`/usr/bin/python3 -m pytest -q traces`)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
