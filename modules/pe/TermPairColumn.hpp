// The hot loops of a term-pair PE's weight-stationary fold (TermPairStepRule::fastColumn): one PE
// (a weight group of `len` elements) meets every data row of its slice. Each comes compiled for
// AVX2 and for the baseline, chosen at run time, so the same binary runs on any x86-64; both give
// the same integers (tests/term_pair_column_test.cpp).
#pragma once
#include <cstddef>
#include <cstdint>

namespace trsim {

// Each kernel takes rows [0, M) of a data slice whose element j of a row is `stride` apart (x points at
// the first of those rows: a block of a slice's rows is the slice from that row on), and writes row
// m's results to products[m] and cycles[m].
//
// For every data row m < M: products[m] += sum_j w[j] * x[j * stride + m] (the sums fit 32 bits: the
// caller checks), pairs = sum_j wc[j] * xc[j * stride + m], cycles[m] = termPairStepCycles(pairs,
// perCycle) (TermPairTiming.hpp); returns the sum of every row's pairs.
int64_t termPairColumnNarrow(const int32_t* w, const uint8_t* wc, const int32_t* x, const uint8_t* xc, int64_t len,
                             int64_t M, int64_t stride, int32_t perCycle, int64_t* products, int32_t* cycles);

// The same step with 16-bit data in element pairs (DataSliceLayout::Pairs16): data element (m, j) at
// x[(j / 2) * 2 * stride + 2 * m + j % 2], its count likewise in xc, a zero after an odd len's last
// element; `stride` is pairs16Stride of the slice's rows (rows up to the next multiple of eight are
// read, never written out; a slice of one row has stride 1); the weights at 16 bits too. Needs 32-bit
// sums (the caller checks). One AVX2 multiply-add (vpmaddwd) sums two elements of eight rows, where
// the 32-bit kernel multiplies one.
int64_t termPairColumnPairs16(const int16_t* w, const uint8_t* wc, const int16_t* x, const int16_t* xc, int64_t len,
                              int64_t M, int64_t stride, int32_t perCycle, int64_t* products, int32_t* cycles);
// Its baseline version, element by element (the AVX2 version's reference in the tests).
int64_t termPairColumnPairs16Portable(const int16_t* w, const uint8_t* wc, const int16_t* x, const int16_t* xc,
                                      int64_t len, int64_t M, int64_t stride, int32_t perCycle, int64_t* products,
                                      int32_t* cycles);
// The row stride of a Pairs16 slice of M rows: M rounded up to eight rows (one vector of pairs), so
// that the last rows take a vector too; one row (a fully connected layer at batch 1) stays 1.
inline int64_t pairs16Stride(int64_t M) { return M == 1 ? 1 : (M + 7) / 8 * 8; }
// Where data element (m, j) of a Pairs16 slice is, for rows `stride` apart.
inline std::size_t pairs16Index(int64_t m, int64_t j, int64_t stride) {
    return static_cast<std::size_t>((j / 2) * 2 * stride + 2 * m + j % 2);
}

}  // namespace trsim
