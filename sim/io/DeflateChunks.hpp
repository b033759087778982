// Parallel reading of gzip-compressed HDF5 datasets: a trace's operands are
// chunked and deflated (traces/trsim_trace writes them with h5py's gzip), and
// HDF5's own H5Dread inflates chunk after chunk on one thread (0.5-1.7 s of an
// ImageNet run). Here the compressed chunks are read raw (H5Dread_chunk), in
// file order, and inflated with libdeflate on several threads straight into
// the int64 result; the values are those H5Dread gives.
#pragma once
#include <hdf5.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "modules/functional/IntTensor.hpp"
#include "modules/functional/OperandTensor.hpp"

namespace trsim::h5read {

// Every element of `dataset` converted to int64, when its layout is the one this
// reader knows: chunked, no filter but deflate, a little-endian integer type of
// 1, 2, 4 or 8 bytes, every chunk written. nullopt otherwise (the caller reads it
// with H5Dread). Throws Hdf5ReadError for a chunk that does not inflate to its size.
// `threads` 0: the machine's cores.
std::optional<TensorValues> readDeflateChunksAsInt64(hid_t dataset, unsigned threads = 0);

// The same read straight into `out` (sized for the dataset, at its own width), each value
// checked against |v| <= bound: true when every value is within it, false when one is not
// (out's values are then meaningless), nullopt when the layout is not one this reader knows.
std::optional<bool> readDeflateChunksInto(hid_t dataset, OperandTensor& out, int64_t bound, unsigned threads = 0);

}  // namespace trsim::h5read
