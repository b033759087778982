// A layer operand (the trace's weights or data, or a matrix lowered from them)
// stored at the narrowest of 8, 16 or 32 bits per value that holds its values.
// Operands have at most 16 magnitude bits (sign-magnitude, |v| <= 65535), so
// 64-bit storage was four to eight times the memory they need: VGG-16's fc6
// weights alone were 822 MB. Outputs and references stay IntTensor (64 bits):
// only they accumulate.
//
// Reading: value(i) for a few values; copyTo() for a block widened to int64
// (what the exact GEMMs and term reveals take); visit() for a hot loop over
// the stored type itself. Writing: visit() on a tensor built with its width.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "modules/functional/IntTensor.hpp"
#include "modules/functional/UninitializedVector.hpp"

namespace trsim {

class OperandTensor {
public:
    std::vector<int64_t> shape;

    OperandTensor() = default;
    // Zero-filled, wide enough for magnitudes up to `largestMagnitude` (at most 2^31 - 1).
    OperandTensor(std::vector<int64_t> dims, int64_t largestMagnitude);
    // The values of `t` at the narrowest width that holds them (implicit: tests and
    // kinds build operands as IntTensor). Throws std::out_of_range past 32 bits.
    OperandTensor(const IntTensor& t);  // NOLINT(google-explicit-constructor)
    // Values to be written by the caller, every one of them (the trace reader), at
    // `bytesPerValue` (1, 2 or 4) bytes each.
    static OperandTensor unset(std::vector<int64_t> dims, int bytesPerValue);
    // Bytes per value that hold magnitudes up to `largestMagnitude`: 1, 2 or 4.
    static int bytesFor(int64_t largestMagnitude);

    std::size_t size() const;
    int64_t dim(std::size_t i) const { return shape.at(i); }
    std::size_t rank() const { return shape.size(); }
    int bytesPerValue() const { return 1 << static_cast<int>(values_.index()); }
    // The largest magnitude the width holds (2^(8 * bytes - 1) - 1): a tensor built with it
    // as its bound has this one's width.
    int64_t widthLimit() const { return (int64_t{1} << (8 * bytesPerValue() - 1)) - 1; }

    int64_t value(std::size_t i) const {
        return std::visit([i](const auto& v) { return static_cast<int64_t>(v[i]); }, values_);
    }
    int64_t at2(int64_t r, int64_t c) const { return value(static_cast<std::size_t>(r * shape[1] + c)); }
    // The smallest and the largest value ({0, 0} when empty), in one vectorized pass.
    std::pair<int64_t, int64_t> range() const;
    // Values [first, first + n) widened into out[0, n).
    void copyTo(std::size_t first, std::size_t n, int64_t* out) const;
    // The same at 16 bits, for a tensor of at most 2 bytes a value (std::logic_error otherwise).
    void copyTo(std::size_t first, std::size_t n, int16_t* out) const;
    // Entries [first, first + count) of dimension 0, at this tensor's width.
    OperandTensor slice0(int64_t first, int64_t count) const;
    // Every value widened (tests, and conv references whose inputs are small).
    IntTensor widened() const;
    // f(const T* values) with T the stored type (int8_t, int16_t or int32_t).
    template <class F>
    decltype(auto) visit(F&& f) const {
        return std::visit([&f](const auto& v) -> decltype(auto) { return f(v.data()); }, values_);
    }
    template <class F>
    decltype(auto) visit(F&& f) {
        return std::visit([&f](auto& v) -> decltype(auto) { return f(v.data()); }, values_);
    }
    // Frees the values (the shape stays).
    void release();

    // Equal values and shape, whatever the widths.
    bool operator==(const OperandTensor& o) const;
    bool operator!=(const OperandTensor& o) const { return !(*this == o); }

private:
    using Values =
        std::variant<UninitializedVector<int8_t>, UninitializedVector<int16_t>, UninitializedVector<int32_t>>;
    static Values makeValues(std::size_t n, int64_t largestMagnitude, bool zeroed);
    Values values_;
};

// Values compare with 64-bit tensors element by element (tests, golden values).
bool operator==(const OperandTensor& a, const IntTensor& b);
inline bool operator==(const IntTensor& a, const OperandTensor& b) { return b == a; }

}  // namespace trsim
