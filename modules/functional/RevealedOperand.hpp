// An operand matrix [rows, K] after encoding and TR, in the form the array's PEs
// consume: each element's kept terms (largest first), their count, and the value
// they add up to. Built once per layer (weights: offline; data: by the encoder
// and term comparator in front of the array, see HeseEncoder / TermComparator),
// in flat arrays: no allocation per value or group.
#pragma once
#include <cstdint>
#include <vector>

#include "modules/functional/IntTensor.hpp"
#include "modules/functional/OperandTensor.hpp"
#include "modules/functional/UninitializedVector.hpp"
#include "modules/functional/TermReveal.hpp"

namespace trsim {

// Whether an operand keeps each element's terms (for models that consume them
// term by term) or only their count and sum (the fast array's step rules).
enum class TermStorage { Stored, CountsOnly };

// What a RevealedOperand is made of, for an operand revealed elsewhere (revealConvData in
// Reference.hpp: a convolution's im2col data revealed once per input value): values after TR,
// kept-term counts and the operand's totals; no terms.
struct RevealedParts {
    int64_t rows = 0, depth = 0;
    bool narrow = true;  // values in values16 (RevealedOperand::storesNarrow), else in values32
    UninitializedVector<int16_t> values16;
    UninitializedVector<int32_t> values32;
    UninitializedVector<uint8_t> counts;
    int64_t encodedTerms = 0, keptTerms = 0;
    uint32_t keptExponents = 0;  // OR of the exponent masks of the values that keep a term
};

class RevealedOperand {
public:
    // `a` is [rows, K]; TR groups run along K (consecutive elements of a row). A large operand (millions of
    // values) is revealed on up to `threads` threads taking blocks of rows in turn; the same result on any number.
    RevealedOperand(const OperandTensor& a, const OperandCoding& coding, TermStorage storage = TermStorage::Stored,
                    int threads = 1);
    // Exact values only, no terms (for PEs that multiply binary values); values
    // must fit in 32 bits (operands have at most 16 magnitude bits).
    static RevealedOperand plain(const OperandTensor& a);
    // TermStorage::CountsOnly from its parts; throws std::invalid_argument when their sizes are not
    // rows x depth.
    explicit RevealedOperand(RevealedParts parts);

    int64_t rows() const { return rows_; }
    int64_t depth() const { return depth_; }
    // Value of element (r, k) after TR: the sum of its kept terms.
    int64_t value(int64_t r, int64_t k) const { return narrow_ ? values16_[idx(r, k)] : values32_[idx(r, k)]; }
    int termCount(int64_t r, int64_t k) const { return counts_[idx(r, k)]; }
    // The terms themselves (terms, offsetsRow, allTerms): TermStorage::Stored only.
    bool storesTerms() const { return storesTerms_; }
    const Term* terms(int64_t r, int64_t k) const { return &terms_[offsets_[idx(r, k)]]; }
    // Row views for hot loops: counts and term offsets of row r, and all terms.
    const uint8_t* countsRow(int64_t r) const { return &counts_[idx(r, 0)]; }
    // Values after TR are stored at 16 bits when every one fits (narrowValues(): a coding of at most
    // 14 bits, whose values after TR, carries included, stay below 2^15; plain values of at most 16
    // bits), else at 32: half the memory of a layer's revealed operands, which is time on a machine
    // where fresh memory is slow. visitRow(r, f) calls f with row r's values at their width.
    bool narrowValues() const { return narrow_; }
    // Whether an operand revealed with `coding` stores its values at 16 bits (narrowValues()).
    static bool storesNarrow(const OperandCoding& coding) { return coding.bits <= 14; }
    template <class F>
    decltype(auto) visitRow(int64_t r, F&& f) const {
        return narrow_ ? f(values16_.data() + idx(r, 0)) : f(values32_.data() + idx(r, 0));
    }
    const uint32_t* offsetsRow(int64_t r) const { return &offsets_[idx(r, 0)]; }
    const Term* allTerms() const { return terms_.data(); }
    // All truncated values as a [rows, K] tensor (for the functional reference).
    IntTensor valuesTensor() const;
    // Total kept terms and total terms before TR (for statistics).
    int64_t keptTerms() const { return keptTerms_; }
    int64_t encodedTerms() const { return encodedTerms_; }
    // Largest exponent of a kept term (0 when none is kept, or for plain values).
    int largestExponent() const { return largestExponent_; }

private:
    RevealedOperand() = default;
    std::size_t idx(int64_t r, int64_t k) const { return static_cast<std::size_t>(r * depth_ + k); }

    int64_t rows_ = 0, depth_ = 0, encodedTerms_ = 0, keptTerms_ = 0;
    int largestExponent_ = 0;
    bool storesTerms_ = false;
    bool narrow_ = false;
    // Every element is written after the resize (plain() assigns its zeros explicitly); one of the two
    // holds the values (operands have at most 16 magnitude bits, plus one for TR carries).
    UninitializedVector<int16_t> values16_;
    UninitializedVector<int32_t> values32_;
    UninitializedVector<uint8_t> counts_;
    UninitializedVector<uint32_t> offsets_;
    std::vector<Term> terms_;
};

// Most terms one value can have in an encoding, over all magnitudes of `bits` bits.
int maxTermsPerValue(Encoding e, int bits);

}  // namespace trsim
