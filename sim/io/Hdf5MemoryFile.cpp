#include "sim/io/Hdf5MemoryFile.hpp"

#include <stdexcept>
#include <vector>

#include "sim/io/OutputFiles.hpp"

namespace trsim {

Hdf5File createMemoryFile(const std::string& name, hid_t fcpl) {
    Hdf5PropertyList fapl(H5Pcreate(H5P_FILE_ACCESS));
    if (!fapl.valid() || H5Pset_fapl_core(fapl.get(), 1 << 20, /*backing_store=*/0) < 0)
        throw std::runtime_error("cannot set up an in-memory HDF5 file for " + name);
    Hdf5File file(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, fcpl, fapl.get()));
    if (!file.valid()) throw std::runtime_error("H5Fcreate failed for an in-memory file for " + name);
    return file;
}

void saveMemoryFile(Hdf5File& file, const std::string& path) {
    if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0) throw std::runtime_error("H5Fflush failed for " + path);
    const ssize_t size = H5Fget_file_image(file.get(), nullptr, 0);
    if (size < 0) throw std::runtime_error("H5Fget_file_image failed for " + path);
    std::vector<char> image(static_cast<std::size_t>(size));
    if (H5Fget_file_image(file.get(), image.data(), image.size()) != size)
        throw std::runtime_error("H5Fget_file_image failed for " + path);
    if (file.close() < 0) throw std::runtime_error("H5Fclose failed for the in-memory image of " + path);
    writeFileAtomically(path, image.data(), image.size());
}

}  // namespace trsim
