// A dense row-major integer tensor with 64-bit elements: wide enough that no
// accumulation of 8- or 16-bit products in this project can overflow.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace trsim {

// n zeros, on huge pages when large (HugePages.hpp).
std::vector<int64_t> zeroedValues(std::size_t n);

struct IntTensor {
    std::vector<int64_t> shape;
    std::vector<int64_t> data;

    IntTensor() = default;
    // Zero-filled; a large tensor's memory is advised onto huge pages first (HugePages.hpp).
    explicit IntTensor(std::vector<int64_t> dims) : shape(std::move(dims)), data(zeroedValues(elementCount(shape))) {}

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
