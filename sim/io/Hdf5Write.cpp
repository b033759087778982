#include "sim/io/Hdf5Write.hpp"

#include <stdexcept>

namespace trsim::h5write {
namespace {

hid_t check(hid_t id, const char* call, const std::string& object) {
    if (id < 0) throw std::runtime_error(std::string(call) + " failed for " + object);
    return id;
}

void check(herr_t status, const char* call, const std::string& object, int) {
    if (status < 0) throw std::runtime_error(std::string(call) + " failed for " + object);
}

Hdf5Datatype utf8String() {
    Hdf5Datatype t(check(H5Tcopy(H5T_C_S1), "H5Tcopy", "string type"));
    check(H5Tset_size(t.get(), H5T_VARIABLE), "H5Tset_size", "string type", 0);
    check(H5Tset_cset(t.get(), H5T_CSET_UTF8), "H5Tset_cset", "string type", 0);
    return t;
}

Hdf5Dataspace vectorSpace(std::size_t n, const std::string& object) {
    const hsize_t dims[1] = {n};
    return Hdf5Dataspace(check(H5Screate_simple(1, dims, nullptr), "H5Screate_simple", object));
}

void writeVector(hid_t parent, const std::string& name, hid_t fileType, hid_t memType, const void* data,
                 std::size_t n) {
    Hdf5Dataspace space = vectorSpace(n, name);
    Hdf5Dataset ds(check(H5Dcreate2(parent, name.c_str(), fileType, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                         "H5Dcreate2", name));
    if (n > 0) check(H5Dwrite(ds.get(), memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "H5Dwrite", name, 0);
}

}  // namespace

Hdf5Group createOrderedGroup(hid_t parent, const std::string& name) {
    Hdf5PropertyList props(check(H5Pcreate(H5P_GROUP_CREATE), "H5Pcreate", name));
    check(H5Pset_link_creation_order(props.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
          "H5Pset_link_creation_order", name, 0);
    check(H5Pset_attr_creation_order(props.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
          "H5Pset_attr_creation_order", name, 0);
    return Hdf5Group(check(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, props.get(), H5P_DEFAULT), "H5Gcreate2", name));
}

void stringAttribute(hid_t obj, const std::string& name, const std::string& value) {
    Hdf5Datatype type = utf8String();
    Hdf5Dataspace space(check(H5Screate(H5S_SCALAR), "H5Screate", name));
    Hdf5Attribute attr(
        check(H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), "H5Acreate2", name));
    const char* text = value.c_str();
    check(H5Awrite(attr.get(), type.get(), &text), "H5Awrite", name, 0);
}

void intAttribute(hid_t obj, const std::string& name, int64_t value) {
    Hdf5Dataspace space(check(H5Screate(H5S_SCALAR), "H5Screate", name));
    Hdf5Attribute attr(
        check(H5Acreate2(obj, name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), "H5Acreate2", name));
    check(H5Awrite(attr.get(), H5T_NATIVE_INT64, &value), "H5Awrite", name, 0);
}

void stringDataset(hid_t parent, const std::string& name, const std::vector<std::string>& values) {
    Hdf5Datatype type = utf8String();
    std::vector<const char*> raw;
    for (const auto& v : values) raw.push_back(v.c_str());
    writeVector(parent, name, type.get(), type.get(), raw.data(), raw.size());
}

void doubleDataset(hid_t parent, const std::string& name, const std::vector<double>& values) {
    writeVector(parent, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values.data(), values.size());
}

void int64Dataset(hid_t parent, const std::string& name, const std::vector<int64_t>& values) {
    writeVector(parent, name, H5T_STD_I64LE, H5T_NATIVE_INT64, values.data(), values.size());
}

}  // namespace trsim::h5write
