#include "sim/io/Hdf5Read.hpp"

#include <algorithm>
#include <optional>
#include <type_traits>

#include "sim/io/DeflateChunks.hpp"

namespace trsim::h5read {

QuietHdf5Errors::QuietHdf5Errors() {
    H5Eget_auto2(H5E_DEFAULT, &savedFunc_, &savedData_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

QuietHdf5Errors::~QuietHdf5Errors() { H5Eset_auto2(H5E_DEFAULT, savedFunc_, savedData_); }

ObjectKind objectKind(hid_t loc, const std::string& name) {
    if (H5Lexists(loc, name.c_str(), H5P_DEFAULT) <= 0) return ObjectKind::Missing;
    Hdf5Object obj(H5Oopen(loc, name.c_str(), H5P_DEFAULT));
    if (!obj.valid()) return ObjectKind::Other;  // e.g. a dangling soft link
    switch (H5Iget_type(obj)) {
        case H5I_GROUP: return ObjectKind::Group;
        case H5I_DATASET: return ObjectKind::Dataset;
        default: return ObjectKind::Other;
    }
}

std::vector<std::string> memberNames(hid_t group) {
    H5G_info_t info;
    if (H5Gget_info(group, &info) < 0) throw Hdf5ReadError("cannot list group members");
    std::vector<std::string> names;
    for (hsize_t i = 0; i < info.nlinks; ++i) {
        const ssize_t len = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
        if (len < 0) throw Hdf5ReadError("cannot read the name of group member " + std::to_string(i));
        std::string name(static_cast<std::size_t>(len) + 1, '\0');
        H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size(), H5P_DEFAULT);
        name.resize(static_cast<std::size_t>(len));
        names.push_back(name);
    }
    return names;
}

bool hasAttribute(hid_t obj, const std::string& name) { return H5Aexists(obj, name.c_str()) > 0; }

std::string typeClassName(H5T_class_t c) {
    switch (c) {
        case H5T_INTEGER: return "integer";
        case H5T_FLOAT: return "float";
        case H5T_STRING: return "string";
        case H5T_BITFIELD: return "bitfield";
        case H5T_OPAQUE: return "opaque";
        case H5T_COMPOUND: return "compound";
        case H5T_REFERENCE: return "reference";
        case H5T_ENUM: return "enum (e.g. a boolean)";
        case H5T_VLEN: return "variable-length sequence";
        case H5T_ARRAY: return "array";
        default: return "unknown type class";
    }
}

namespace {

struct OpenAttribute {
    Hdf5Attribute attr;
    Hdf5Datatype type;
    H5T_class_t typeClass;
};

// Opens a scalar or one-element attribute; anything larger is not a single value.
OpenAttribute openScalarAttribute(hid_t obj, const std::string& name) {
    Hdf5Attribute attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT));
    if (!attr.valid()) throw Hdf5ReadError("cannot be opened");
    Hdf5Dataspace space(H5Aget_space(attr));
    const hssize_t points = space.valid() ? H5Sget_simple_extent_npoints(space) : -1;
    if (points != 1) throw Hdf5ReadError("must be a single value, got " + std::to_string(points) + " elements");
    Hdf5Datatype type(H5Aget_type(attr));
    if (!type.valid()) throw Hdf5ReadError("has an unreadable type");
    const H5T_class_t cls = H5Tget_class(type);
    return {std::move(attr), std::move(type), cls};
}

std::string readVariableString(const OpenAttribute& a) {
    Hdf5Datatype memType(H5Tcopy(H5T_C_S1));
    H5Tset_size(memType, H5T_VARIABLE);
    // Same character set as the file: HDF5 does not convert between ASCII and UTF-8.
    H5Tset_cset(memType, H5Tget_cset(a.type));
    char* text = nullptr;
    if (H5Aread(a.attr, memType, &text) < 0) throw Hdf5ReadError("cannot be read as a string");
    std::string out = text ? text : "";
    if (text) H5free_memory(text);
    return out;
}

std::string readFixedString(const OpenAttribute& a) {
    const std::size_t size = H5Tget_size(a.type);
    std::vector<char> buffer(size + 1, '\0');
    // The file type itself serves as memory type: same bytes, no conversion.
    if (size > 0 && H5Aread(a.attr, a.type, buffer.data()) < 0) throw Hdf5ReadError("cannot be read as a string");
    std::string out(buffer.data(), size);
    const auto nul = out.find('\0');
    if (nul != std::string::npos) out.resize(nul);
    if (H5Tget_strpad(a.type) == H5T_STR_SPACEPAD) {
        const auto last = out.find_last_not_of(' ');
        out.resize(last == std::string::npos ? 0 : last + 1);
    }
    return out;
}

int64_t readInt64(const OpenAttribute& a) {
    int64_t v = 0;
    if (H5Aread(a.attr, H5T_NATIVE_INT64, &v) < 0) throw Hdf5ReadError("cannot be read as a 64-bit integer");
    return v;
}

}  // namespace

std::string readStringAttribute(hid_t obj, const std::string& name) {
    const OpenAttribute a = openScalarAttribute(obj, name);
    if (a.typeClass != H5T_STRING) throw Hdf5ReadError("must be a string, got " + typeClassName(a.typeClass));
    const htri_t variable = H5Tis_variable_str(a.type);
    if (variable < 0) throw Hdf5ReadError("has an unreadable string type");
    return variable ? readVariableString(a) : readFixedString(a);
}

int64_t readIntAttribute(hid_t obj, const std::string& name) {
    const OpenAttribute a = openScalarAttribute(obj, name);
    if (a.typeClass != H5T_INTEGER) throw Hdf5ReadError("must be an integer, got " + typeClassName(a.typeClass));
    return readInt64(a);
}

double readFloatAttribute(hid_t obj, const std::string& name) {
    const OpenAttribute a = openScalarAttribute(obj, name);
    if (a.typeClass == H5T_INTEGER) return static_cast<double>(readInt64(a));
    if (a.typeClass != H5T_FLOAT) throw Hdf5ReadError("must be a float, got " + typeClassName(a.typeClass));
    double v = 0;
    if (H5Aread(a.attr, H5T_NATIVE_DOUBLE, &v) < 0) throw Hdf5ReadError("cannot be read as a double");
    return v;
}

H5T_class_t datasetTypeClass(hid_t dataset) {
    Hdf5Datatype type(H5Dget_type(dataset));
    return type.valid() ? H5Tget_class(type) : H5T_NO_CLASS;
}

std::vector<int64_t> datasetShape(hid_t dataset) {
    Hdf5Dataspace space(H5Dget_space(dataset));
    const int rank = space.valid() ? H5Sget_simple_extent_ndims(space) : -1;
    if (rank < 0) throw Hdf5ReadError("has an unreadable dataspace");
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    if (rank > 0) H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    return std::vector<int64_t>(dims.begin(), dims.end());
}

TensorValues readDatasetAsInt64(hid_t dataset) {
    if (std::optional<TensorValues> inflated = readDeflateChunksAsInt64(dataset)) return std::move(*inflated);
    Hdf5Dataspace space(H5Dget_space(dataset));
    const hssize_t points = space.valid() ? H5Sget_simple_extent_npoints(space) : -1;
    if (points < 0) throw Hdf5ReadError("has an unreadable dataspace");
    TensorValues values = unsetValues(static_cast<std::size_t>(points));  // H5Dread writes every one
    if (points > 0 && H5Dread(dataset, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
        throw Hdf5ReadError("cannot be read as 64-bit integers (corrupt data or a missing compression filter?)");
    return values;
}

std::optional<OperandTensor> readDatasetAsOperand(hid_t dataset, std::vector<int64_t> shape, int64_t bound) {
    Hdf5Datatype type(H5Dget_type(dataset));
    if (!type.valid()) throw Hdf5ReadError("has an unreadable type");
    const std::size_t typeBytes = H5Tget_size(type);
    // Every value of a signed type of n bytes fits n bytes; an unsigned one needs a sign bit more.
    const std::size_t need = H5Tget_sign(type) == H5T_SGN_2 ? typeBytes : 2 * typeBytes;
    const int typeWidth = need <= 1 ? 1 : need <= 2 ? 2 : 4;
    OperandTensor out = OperandTensor::unset(shape, std::min(OperandTensor::bytesFor(bound), typeWidth));
    if (const std::optional<bool> inRange = readDeflateChunksInto(dataset, out, bound)) {
        if (!*inRange) return std::nullopt;
        return out;
    }
    // Other layouts (contiguous, shuffled, ...) through HDF5's conversion at 64 bits, into the same width.
    const TensorValues wide = readDatasetAsInt64(dataset);
    for (const int64_t v : wide)
        if (v < -bound || v > bound) return std::nullopt;
    out.visit([&](auto* values) {
        using T = std::remove_pointer_t<decltype(values)>;
        std::transform(wide.begin(), wide.end(), values, [](int64_t v) { return static_cast<T>(v); });
    });
    return out;
}

}  // namespace trsim::h5read

namespace trsim::h5read {

std::vector<double> readDatasetAsDouble(hid_t dataset) {
    const std::vector<int64_t> shape = datasetShape(dataset);
    std::size_t n = 1;
    for (int64_t d : shape) n *= static_cast<std::size_t>(d);
    std::vector<double> out(n);
    if (n > 0 && H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
        throw Hdf5ReadError("cannot be read as doubles");
    return out;
}

std::vector<std::string> readStringDataset(hid_t dataset) {
    const std::vector<int64_t> shape = datasetShape(dataset);
    std::size_t n = 1;
    for (int64_t d : shape) n *= static_cast<std::size_t>(d);
    Hdf5Datatype type(H5Tcopy(H5T_C_S1));
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    std::vector<char*> raw(n, nullptr);
    if (n > 0 && H5Dread(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0)
        throw Hdf5ReadError("cannot be read as variable-length strings");
    std::vector<std::string> out;
    for (char* s : raw) out.emplace_back(s ? s : "");
    if (n > 0) {
        Hdf5Dataspace space(H5Dget_space(dataset));
        H5Dvlen_reclaim(type, space, H5P_DEFAULT, raw.data());
    }
    return out;
}

}  // namespace trsim::h5read
