// Every magnitude's terms in one encoding, computed once per (encoding, bits)
// and shared: operand preparation looks terms up instead of encoding (and
// allocating) value by value. Terms are stored with a positive sign; a value's
// sign applies to all of them (the sign-magnitude convention of Encoding.hpp).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "modules/functional/Encoding.hpp"
#include "modules/functional/Term.hpp"

namespace trsim {

// Replaces each 32-bit lane of v by its number of set bits: v a uint32_t, or a vector of them (GCC's
// vector extensions, as TermReveal.cpp reveals groups in lanes; by reference, since passing such a
// vector by value changes the ABI between AVX and baseline code). No popcount instruction needed.
template <class Lanes>
inline void toBitCounts(Lanes& v) {
    v = v - ((v >> 1) & 0x55555555u);
    v = (v & 0x33333333u) + ((v >> 2) & 0x33333333u);
    v = (((v + (v >> 4)) & 0x0f0f0f0fu) * 0x01010101u) >> 24;
}

// Set bits of v.
inline int bitCount(uint32_t v) {
    toBitCounts(v);
    return static_cast<int>(v);
}

class TermTable {
public:
    // The shared table of `e` for magnitudes of `bits` bits (1..kMaxBits);
    // built on first use, thread-safe. Throws std::out_of_range beyond kMaxBits.
    static const TermTable& get(Encoding e, int bits);
    static constexpr int kMaxBits = 20;

    int bits() const { return bits_; }
    // Most terms any magnitude has (never more than bits + 1).
    int maxTerms() const { return maxTerms_; }
    // Terms of magnitude m (largest first), m < 2^bits; no range check.
    int count(uint64_t m) const { return counts_[m]; }
    const Term* terms(uint64_t m) const { return &terms_[offsets_[m]]; }
    // Exponents of magnitude m's terms as a bit set (bit e: a term 2^e). Every
    // encoding gives a magnitude at most one term per exponent (checked when the
    // table is built), so the count is the set's size and its terms are its bits.
    uint32_t exponentMask(uint64_t m) const { return masks_[m]; }
    // Sum of magnitude m's largest `kept` terms (kept <= count(m)): what TR leaves of it.
    int64_t keptValue(uint64_t m, int kept) const { return prefixSums_[offsets_[m] + m + static_cast<uint64_t>(kept)]; }
    // Magnitude of `value`; throws std::out_of_range (as encode() does) if it needs more than bits.
    uint64_t magnitude(int64_t value) const {
        const uint64_t mag = value < 0 ? uint64_t{0} - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
        if (mag >> bits_) throwTooWide(value);
        return mag;
    }

private:
    TermTable(Encoding e, int bits);
    [[noreturn]] void throwTooWide(int64_t value) const;
    int bits_ = 0, maxTerms_ = 0;
    std::vector<uint32_t> offsets_;
    std::vector<uint8_t> counts_;
    std::vector<uint32_t> masks_;
    std::vector<Term> terms_;
    // [offsets_[m] + m + j]: sum of m's first j terms (each magnitude's run starts with 0 for j = 0).
    std::vector<int32_t> prefixSums_;
};

}  // namespace trsim
