// Small read-only helpers over the HDF5 C API (ids are owned by Hdf5Handle):
// attribute readers that accept the encodings h5py and other writers use,
// and dataset shape/type queries. They report problems as Hdf5ReadError with a
// message about the object only ("must be a string, got integer"); the caller
// adds which file, layer and attribute it was.
#pragma once
#include <hdf5.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <optional>

#include "modules/functional/IntTensor.hpp"
#include "modules/functional/OperandTensor.hpp"

#include "sim/io/Hdf5Handle.hpp"

namespace trsim::h5read {

class Hdf5ReadError : public std::runtime_error {
public:
    explicit Hdf5ReadError(const std::string& message) : std::runtime_error(message) {}
};

// Turns off HDF5's printing of its error stack for the object's lifetime: the
// reader reports its own messages, and HDF5's stack dump would only be noise.
class QuietHdf5Errors {
public:
    QuietHdf5Errors();
    ~QuietHdf5Errors();
    QuietHdf5Errors(const QuietHdf5Errors&) = delete;
    QuietHdf5Errors& operator=(const QuietHdf5Errors&) = delete;

private:
    H5E_auto2_t savedFunc_ = nullptr;
    void* savedData_ = nullptr;
};

enum class ObjectKind { Missing, Group, Dataset, Other };

// What the link `name` in `loc` points to.
ObjectKind objectKind(hid_t loc, const std::string& name);

// Names of the links in a group, in name order.
std::vector<std::string> memberNames(hid_t group);

bool hasAttribute(hid_t obj, const std::string& name);

// Scalar (or one-element) attribute readers. Strings may be variable- or
// fixed-length (null- or space-padded); integers any width and sign; floats
// any width. readFloatAttribute also accepts an integer (exactly representable).
std::string readStringAttribute(hid_t obj, const std::string& name);
int64_t readIntAttribute(hid_t obj, const std::string& name);
double readFloatAttribute(hid_t obj, const std::string& name);

// Human words for an HDF5 type class: "integer", "float", "string", ...
std::string typeClassName(H5T_class_t c);

H5T_class_t datasetTypeClass(hid_t dataset);
// Dimensions of a dataset; empty for a scalar dataspace.
std::vector<int64_t> datasetShape(hid_t dataset);
// Every element, converted by HDF5 to int64 (the dataset must be integer typed).
TensorValues readDatasetAsInt64(hid_t dataset);
// Every element into an operand (OperandTensor.hpp) at the narrowest width that holds
// both |v| <= bound and every value of the dataset's integer type (an int8 dataset's
// values are stored at 8 bits, -128 included), never held at 64 bits when the layout is
// deflated chunks; nullopt when a value lies outside the bound (the caller reads it at
// 64 bits to say which one).
std::optional<OperandTensor> readDatasetAsOperand(hid_t dataset, std::vector<int64_t> shape, int64_t bound);

}  // namespace trsim::h5read

namespace trsim::h5read {

// 1-D datasets: doubles (any numeric type, converted) and strings (variable length).
std::vector<double> readDatasetAsDouble(hid_t dataset);
std::vector<std::string> readStringDataset(hid_t dataset);

}  // namespace trsim::h5read
