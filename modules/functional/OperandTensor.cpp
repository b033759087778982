#include "modules/functional/OperandTensor.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "modules/functional/HugePages.hpp"

namespace trsim {
namespace {

template <class T>
UninitializedVector<T> sized(std::size_t n, bool zeroed) {
    UninitializedVector<T> v;
    reserveHugePages(v, n);
    if (zeroed)
        v.resize(n, 0);
    else
        v.resize(n);
    return v;
}

int64_t largestMagnitudeOf(const TensorValues& values) {
    int64_t most = 0;
    for (const int64_t v : values) most = std::max(most, v < 0 ? -v : v);
    return most;
}

}  // namespace

int OperandTensor::bytesFor(int64_t largestMagnitude) {
    if (largestMagnitude < 0) throw std::invalid_argument("OperandTensor: negative magnitude bound");
    if (largestMagnitude <= std::numeric_limits<int8_t>::max()) return 1;
    if (largestMagnitude <= std::numeric_limits<int16_t>::max()) return 2;
    if (largestMagnitude <= std::numeric_limits<int32_t>::max()) return 4;
    throw std::out_of_range("OperandTensor: magnitude " + std::to_string(largestMagnitude) +
                            " does not fit 32 bits (operands have at most 16 magnitude bits)");
}

OperandTensor::Values OperandTensor::makeValues(std::size_t n, int64_t largestMagnitude, bool zeroed) {
    switch (bytesFor(largestMagnitude)) {
        case 1: return sized<int8_t>(n, zeroed);
        case 2: return sized<int16_t>(n, zeroed);
        default: return sized<int32_t>(n, zeroed);
    }
}

OperandTensor::OperandTensor(std::vector<int64_t> dims, int64_t largestMagnitude)
    : shape(std::move(dims)), values_(makeValues(IntTensor::elementCount(shape), largestMagnitude, true)) {}

OperandTensor OperandTensor::unset(std::vector<int64_t> dims, int bytesPerValue) {
    if (bytesPerValue != 1 && bytesPerValue != 2 && bytesPerValue != 4)
        throw std::invalid_argument("OperandTensor: " + std::to_string(bytesPerValue) + " bytes per value (1, 2 or 4)");
    OperandTensor t;
    t.values_ = makeValues(IntTensor::elementCount(dims), (int64_t{1} << (8 * bytesPerValue - 1)) - 1, false);
    t.shape = std::move(dims);
    return t;
}

OperandTensor::OperandTensor(const IntTensor& t)
    : shape(t.shape), values_(makeValues(t.size(), largestMagnitudeOf(t.data), false)) {
    visit([&t](auto* out) {
        using T = std::remove_pointer_t<decltype(out)>;
        std::transform(t.data.begin(), t.data.end(), out, [](int64_t v) { return static_cast<T>(v); });
    });
}

std::size_t OperandTensor::size() const {
    return std::visit([](const auto& v) { return v.size(); }, values_);
}

std::pair<int64_t, int64_t> OperandTensor::range() const {
    return visit([n = size()](const auto* v) {
        if (n == 0) return std::pair<int64_t, int64_t>{0, 0};
        auto lo = v[0], hi = v[0];  // in the stored type: the loop vectorizes
        for (std::size_t i = 1; i < n; ++i) {
            lo = std::min(lo, v[i]);
            hi = std::max(hi, v[i]);
        }
        return std::pair<int64_t, int64_t>{lo, hi};
    });
}

void OperandTensor::copyTo(std::size_t first, std::size_t n, int64_t* out) const {
    visit([&](const auto* v) { std::copy_n(v + first, n, out); });
}

void OperandTensor::copyTo(std::size_t first, std::size_t n, int16_t* out) const {
    if (bytesPerValue() > 2)
        throw std::logic_error("OperandTensor::copyTo: " + std::to_string(bytesPerValue()) +
                               "-byte values do not fit 16 bits");
    visit([&](const auto* v) { std::copy_n(v + first, n, out); });  // int32 values never reach here
}

OperandTensor OperandTensor::slice0(int64_t first, int64_t count) const {
    std::vector<int64_t> dims = shape;
    if (dims.empty() || first < 0 || count < 0 || first + count > dims[0])
        throw std::out_of_range("OperandTensor::slice0: entries [" + std::to_string(first) + ", " +
                                std::to_string(first + count) + ") of " + shapeString(shape));
    dims[0] = count;
    OperandTensor out(dims, widthLimit());
    const std::size_t each = dims[0] ? out.size() / static_cast<std::size_t>(count) : 0;
    out.visit([&](auto* to) {
        visit([&](const auto* from) {
            using T = std::remove_pointer_t<decltype(to)>;
            for (std::size_t i = 0; i < out.size(); ++i) to[i] = static_cast<T>(from[first * each + i]);
        });
    });
    return out;
}

IntTensor OperandTensor::widened() const {
    IntTensor t;
    t.shape = shape;
    t.data = unsetValues(size());
    copyTo(0, size(), t.data.data());
    return t;
}

void OperandTensor::release() {
    std::visit([](auto& v) { std::decay_t<decltype(v)>().swap(v); }, values_);
}

bool OperandTensor::operator==(const OperandTensor& o) const {
    if (shape != o.shape || size() != o.size()) return false;
    return visit([&](const auto* a) {
        return o.visit([&](const auto* b) { return std::equal(a, a + size(), b); });
    });
}

bool operator==(const OperandTensor& a, const IntTensor& b) {
    if (a.shape != b.shape || a.size() != b.size()) return false;
    return a.visit([&](const auto* v) { return std::equal(v, v + a.size(), b.data.begin()); });
}

}  // namespace trsim
