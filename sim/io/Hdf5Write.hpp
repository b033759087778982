// Small write helpers over the HDF5 C API for files trsim produces (sweep
// results): groups that keep creation order, scalar attributes, and 1-D
// datasets. Strings are variable-length UTF-8, as in the run results file.
// Every failure throws std::runtime_error naming the object and the call.
#pragma once
#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sim/io/Hdf5Handle.hpp"

namespace trsim::h5write {

Hdf5Group createOrderedGroup(hid_t parent, const std::string& name);
void stringAttribute(hid_t obj, const std::string& name, const std::string& value);
void intAttribute(hid_t obj, const std::string& name, int64_t value);
void stringDataset(hid_t parent, const std::string& name, const std::vector<std::string>& values);
void doubleDataset(hid_t parent, const std::string& name, const std::vector<double>& values);
void int64Dataset(hid_t parent, const std::string& name, const std::vector<int64_t>& values);

}  // namespace trsim::h5write
