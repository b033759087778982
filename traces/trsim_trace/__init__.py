"""trsim_trace: writer, reader and validator of trsim's HDF5 layer traces (format_version 1), and the
functional Term Revealing rules in numpy (``trsim_trace.tr``).

See traces/README.md for the format. Command line (from traces/, or from the repository root with PYTHONPATH=traces)::

    /usr/bin/python3 -m trsim_trace validate FILE [FILE ...]
    /usr/bin/python3 -m trsim_trace info FILE [FILE ...]
"""

from .format import (ALLOWED_DTYPES, FORMAT_VERSION, LAYER_TYPES, SOURCES, Layer, PublishedAccuracy,
                     PublishedRow, Trace, TraceError, TrAccuracy, TrPoint, check_file, check_trace, conv_output_hw, gemm_shape, read_trace,
                     smallest_dtype, validate_file, write_trace)

__all__ = [
    "ALLOWED_DTYPES", "FORMAT_VERSION", "LAYER_TYPES", "SOURCES", "Layer", "PublishedAccuracy", "PublishedRow",
    "Trace", "TraceError",
    "TrAccuracy", "TrPoint", "check_file", "check_trace", "conv_output_hw", "gemm_shape", "read_trace",
    "smallest_dtype", "validate_file", "write_trace",
]
