#include "modules/functional/Requantize.hpp"

#include <algorithm>
#include <type_traits>

namespace trsim {

int bitLength(int64_t magnitude) {
    int n = 0;
    for (uint64_t m = static_cast<uint64_t>(magnitude); m != 0; m >>= 1) ++n;
    return n;
}

int64_t largestMagnitude(const OperandTensor& t) {
    const auto [lo, hi] = t.range();
    return std::max(-lo, hi);
}

int requantizeShift(int64_t largest, int bits) { return std::max(0, bitLength(largest) - bits); }

int64_t requantizeValue(int64_t q, int shift, int bits) {
    const int64_t magnitude = q < 0 ? -q : q;
    const int64_t half = shift > 0 ? int64_t{1} << (shift - 1) : 0;
    const int64_t reduced = std::min((magnitude + half) >> shift, (int64_t{1} << bits) - 1);
    return q < 0 ? -reduced : reduced;
}

Requantized requantize(const OperandTensor& t, int bits) {
    if (bits < 2 || bits > 16) throw std::invalid_argument("requantize: bits must be 2..16");
    Requantized r;
    r.shift = requantizeShift(largestMagnitude(t), bits);
    r.values = t;  // at t's width: requantized magnitudes are never larger
    r.values.visit([&](auto* v) {
        using T = std::remove_pointer_t<decltype(v)>;
        for (std::size_t i = 0; i < t.size(); ++i) v[i] = static_cast<T>(requantizeValue(v[i], r.shift, bits));
    });
    return r;
}

}  // namespace trsim
