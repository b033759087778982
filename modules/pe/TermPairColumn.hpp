// The hot loop of a term-pair PE's weight-stationary fold (TermPairStepRule::fastColumn): one PE
// (a weight group of `len` elements) meets every data row of its slice. Compiled for AVX2 and for
// the baseline, chosen at run time (target_clones), so the same binary runs on any x86-64; both
// give the same integers.
#pragma once
#include <cstdint>

namespace trsim {

// For every data row m < M: products[m] += sum_j w[j] * x[j * M + m] (the sums fit 32 bits: the caller
// checks), pairs = sum_j wc[j] * xc[j * M + m], cycles[m] = max(1, ceil(pairs / perCycle)); returns
// the sum of every row's pairs.
int64_t termPairColumnNarrow(const int32_t* w, const uint8_t* wc, const int32_t* x, const uint8_t* xc, int64_t len,
                             int64_t M, int32_t perCycle, int64_t* products, int32_t* cycles);

}  // namespace trsim
