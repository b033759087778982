// HDF5 files trsim writes are built in memory (the core driver without a
// backing store) and reach the disk only through writeFileAtomically. HDF5
// itself then never writes to disk, so a full disk or a file-size limit is an
// ordinary error at one write(2) rather than a failed close that HDF5 retries,
// and crashes on, at exit.
#pragma once
#include <hdf5.h>

#include <string>

#include "sim/io/Hdf5Handle.hpp"

namespace trsim {

// A new empty in-memory file; `fcpl` may be H5P_DEFAULT. Throws std::runtime_error.
Hdf5File createMemoryFile(const std::string& name, hid_t fcpl);

// Flushes, closes `file` and writes its image to `path` atomically (OutputError on failure).
void saveMemoryFile(Hdf5File& file, const std::string& path);

}  // namespace trsim
