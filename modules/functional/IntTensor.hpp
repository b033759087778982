// A dense row-major integer tensor with 64-bit elements: wide enough that no
// accumulation of 8- or 16-bit products in this project can overflow.
#pragma once
#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "modules/functional/UninitializedVector.hpp"

namespace trsim {

// A tensor's values. resize() leaves new elements unset (UninitializedVector): a reader that writes every
// element (the trace reader's chunks, on several threads) touches fresh memory once, not after a zero-fill.
using TensorValues = UninitializedVector<int64_t>;

// Values compare with plain vectors element by element (tests, golden values).
inline bool operator==(const TensorValues& a, const std::vector<int64_t>& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}
inline bool operator==(const std::vector<int64_t>& a, const TensorValues& b) { return b == a; }
inline bool operator!=(const TensorValues& a, const std::vector<int64_t>& b) { return !(a == b); }
inline bool operator!=(const std::vector<int64_t>& a, const TensorValues& b) { return !(b == a); }

// n zeros, on huge pages when large (HugePages.hpp).
TensorValues zeroedValues(std::size_t n);
// n values to be written by the caller, every one of them, on huge pages when large.
TensorValues unsetValues(std::size_t n);

struct IntTensor {
    std::vector<int64_t> shape;
    TensorValues data;  // zero-filled by the constructor below, unset by unset()

    IntTensor() = default;
    // Zero-filled; a large tensor's memory is advised onto huge pages first (HugePages.hpp).
    explicit IntTensor(std::vector<int64_t> dims) : shape(std::move(dims)), data(zeroedValues(elementCount(shape))) {}
    // Values left unset, for a caller that writes every one of them (no zero-fill pass over fresh memory).
    static IntTensor unset(std::vector<int64_t> dims) {
        IntTensor t;
        t.data = unsetValues(elementCount(dims));
        t.shape = std::move(dims);
        return t;
    }

    static std::size_t elementCount(const std::vector<int64_t>& dims) {
        std::size_t n = 1;
        for (int64_t d : dims) {
            if (d < 0) throw std::invalid_argument("IntTensor: negative dimension");
            n *= static_cast<std::size_t>(d);
        }
        return n;
    }
    std::size_t size() const { return data.size(); }
    int64_t dim(std::size_t i) const { return shape.at(i); }
    std::size_t rank() const { return shape.size(); }

    int64_t& at2(int64_t r, int64_t c) { return data[static_cast<std::size_t>(r * shape[1] + c)]; }
    int64_t at2(int64_t r, int64_t c) const { return data[static_cast<std::size_t>(r * shape[1] + c)]; }
    int64_t& at4(int64_t a, int64_t b, int64_t c, int64_t d) {
        return data[static_cast<std::size_t>(((a * shape[1] + b) * shape[2] + c) * shape[3] + d)];
    }
    int64_t at4(int64_t a, int64_t b, int64_t c, int64_t d) const {
        return data[static_cast<std::size_t>(((a * shape[1] + b) * shape[2] + c) * shape[3] + d)];
    }
    bool operator==(const IntTensor& o) const { return shape == o.shape && data == o.data; }
};

std::string shapeString(const std::vector<int64_t>& shape);

}  // namespace trsim
