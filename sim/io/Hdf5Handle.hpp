// Owns one HDF5 identifier and closes it with the call that matches its kind.
// HDF5 has a close function per object kind (H5Gclose on a dataset fails), so the
// closer is part of the type: an Hdf5Group can only ever be closed as a group.
// Predefined types such as H5T_NATIVE_DOUBLE belong to the library: never wrap them.
#pragma once
#include <hdf5.h>

namespace trsim {

template <herr_t (*Close)(hid_t)>
class Hdf5Handle {
public:
    Hdf5Handle() = default;
    // Takes ownership; a negative id (a failed HDF5 call) is held as invalid and never closed.
    explicit Hdf5Handle(hid_t id) : id_(id) {}
    ~Hdf5Handle() { reset(); }

    Hdf5Handle(const Hdf5Handle&) = delete;
    Hdf5Handle& operator=(const Hdf5Handle&) = delete;
    Hdf5Handle(Hdf5Handle&& other) noexcept : id_(other.release()) {}
    Hdf5Handle& operator=(Hdf5Handle&& other) noexcept {
        if (this != &other) {
            reset();
            id_ = other.release();
        }
        return *this;
    }

    hid_t get() const { return id_; }
    // Lets a handle stand where the C API takes an id.
    operator hid_t() const { return id_; }
    bool valid() const { return id_ >= 0; }

    // Gives up ownership without closing.
    hid_t release() {
        const hid_t id = id_;
        id_ = H5I_INVALID_HID;
        return id;
    }

    // Closes now and returns HDF5's status: closing a file is where buffered
    // writes are flushed, so a writer must see that result, not lose it in a destructor.
    herr_t close() {
        if (!valid()) return 0;
        return Close(release());
    }

    // Closes and ignores the status (destructors and error paths).
    void reset() { (void)close(); }

private:
    hid_t id_ = H5I_INVALID_HID;
};

using Hdf5File = Hdf5Handle<H5Fclose>;
using Hdf5Group = Hdf5Handle<H5Gclose>;
using Hdf5Dataset = Hdf5Handle<H5Dclose>;
using Hdf5Dataspace = Hdf5Handle<H5Sclose>;
using Hdf5Datatype = Hdf5Handle<H5Tclose>;
using Hdf5Attribute = Hdf5Handle<H5Aclose>;
using Hdf5PropertyList = Hdf5Handle<H5Pclose>;
using Hdf5Object = Hdf5Handle<H5Oclose>;

}  // namespace trsim
