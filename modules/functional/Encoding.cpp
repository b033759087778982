#include "modules/functional/Encoding.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace trsim {
namespace {

int8_t e8(int e) { return static_cast<int8_t>(e); }

int highestBit(uint64_t m) { return m == 0 ? -1 : 63 - __builtin_clzll(m); }

int bitAt(uint64_t m, int i) { return (i < 0 || i > 63) ? 0 : static_cast<int>((m >> i) & 1u); }

}  // namespace

std::string encodingName(Encoding e) {
    switch (e) {
        case Encoding::Binary: return "binary";
        case Encoding::Hese: return "hese";
        case Encoding::Naf: return "naf";
        case Encoding::Booth4: return "booth4";
    }
    return "?";
}

const std::vector<std::string>& encodingNames() {
    static const std::vector<std::string> names{"binary", "hese", "naf", "booth4"};
    return names;
}

std::optional<Encoding> parseEncoding(const std::string& name) {
    for (Encoding e : {Encoding::Binary, Encoding::Hese, Encoding::Naf, Encoding::Booth4})
        if (encodingName(e) == name) return e;
    return std::nullopt;
}

int maxExponent(Encoding e, int bits) { return e == Encoding::Binary ? bits - 1 : bits; }

Terms encodeBinary(uint64_t m) {
    Terms out;
    for (int i = highestBit(m); i >= 0; --i)
        if (bitAt(m, i)) out.push_back({1, e8(i)});
    return out;
}

// SPEC.md section 2: one MSB-to-LSB pass over the window (b[i+1], b[i], b[i-1]).
// 010 -> +2^i, 011 -> +2^(i+1) (a run of ones starts), 110 -> -2^i (the run ends).
Terms encodeHese(uint64_t m) {
    Terms out;
    for (int i = highestBit(m); i >= 0; --i) {
        const int hi = bitAt(m, i + 1), mid = bitAt(m, i), lo = bitAt(m, i - 1);
        if (mid != 1) continue;
        if (hi == 0 && lo == 0) out.push_back({1, e8(i)});
        else if (hi == 0 && lo == 1) out.push_back({1, e8(i + 1)});
        else if (hi == 1 && lo == 0) out.push_back({-1, e8(i)});
    }
    return out;
}

// Non-adjacent form: the unique signed-digit form with no two adjacent nonzero
// digits, which also has the fewest nonzero digits.
Terms encodeNaf(uint64_t m) {
    Terms lsbFirst;
    // unsigned __int128 would be overkill: magnitudes are limited to 62 bits.
    int64_t n = static_cast<int64_t>(m);
    for (int i = 0; n != 0; ++i, n /= 2) {
        if (n & 1) {
            const int64_t digit = 2 - (n & 3);  // +1 or -1
            lsbFirst.push_back({static_cast<int8_t>(digit), e8(i)});
            n -= digit;
        }
    }
    return Terms(lsbFirst.rbegin(), lsbFirst.rend());
}

// Radix-4 Booth: digit d_i = -2 b[2i+1] + b[2i] + b[2i-1] in {-2..2}, weight 4^i;
// +-1 becomes +-2^(2i), +-2 becomes +-2^(2i+1). A zero is padded above the MSB so
// the magnitude stays positive.
Terms encodeBooth4(uint64_t m) {
    Terms out;
    const int digits = (highestBit(m) + 1) / 2 + 1;
    for (int i = digits - 1; i >= 0; --i) {
        const int d = -2 * bitAt(m, 2 * i + 1) + bitAt(m, 2 * i) + bitAt(m, 2 * i - 1);
        if (d == 0) continue;
        const int8_t sign = d > 0 ? 1 : -1;
        out.push_back({sign, e8(2 * i + (std::abs(d) == 2 ? 1 : 0))});
    }
    return out;
}

Terms encode(Encoding e, int64_t value, int bits) {
    if (bits < 1 || bits > 62) throw std::out_of_range("encode: bits must be 1..62, got " + std::to_string(bits));
    // Negate in unsigned arithmetic: -value overflows (UB) for INT64_MIN.
    const uint64_t mag = value < 0 ? uint64_t{0} - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
    if (mag >> bits) {
        throw std::out_of_range("value " + std::to_string(value) + " does not fit in a " + std::to_string(bits) +
                                "-bit sign-magnitude number (|value| <= " + std::to_string((int64_t{1} << bits) - 1) +
                                ")");
    }
    Terms t;
    switch (e) {
        case Encoding::Binary: t = encodeBinary(mag); break;
        case Encoding::Hese: t = encodeHese(mag); break;
        case Encoding::Naf: t = encodeNaf(mag); break;
        case Encoding::Booth4: t = encodeBooth4(mag); break;
    }
    if (value < 0)
        for (Term& term : t) term.sign = static_cast<int8_t>(-term.sign);
    return t;
}

}  // namespace trsim
