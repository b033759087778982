#include "modules/pe/TermPairColumn.hpp"

#include <algorithm>

namespace trsim {

namespace {
// Data rows per register block: the block's sums and pairs stay in vector registers while the
// group's elements stream past, instead of a load and a store per element.
constexpr int64_t kBlock = 32;
}  // namespace

__attribute__((target_clones("avx2", "default"))) int64_t termPairColumnNarrow(
    const int32_t* w, const uint8_t* wc, const int32_t* x, const uint8_t* xc, int64_t len, int64_t M,
    int32_t perCycle, int64_t* products, int32_t* cycles) {
    int64_t total = 0;
    int64_t m0 = 0;
    for (; m0 + kBlock <= M; m0 += kBlock) {
        int32_t sums[kBlock] = {}, pairs[kBlock] = {};
        for (int64_t j = 0; j < len; ++j) {
            const int32_t wv = w[j], wcj = wc[j];
            const int32_t* xv = x + j * M + m0;
            const uint8_t* xcv = xc + j * M + m0;
            for (int64_t i = 0; i < kBlock; ++i) {
                sums[i] += wv * xv[i];
                pairs[i] += wcj * xcv[i];
            }
        }
        for (int64_t i = 0; i < kBlock; ++i) {
            products[m0 + i] += sums[i];
            total += pairs[i];
        }
        // One pair per cycle (the authors' tMAC) needs no division, which does not vectorize.
        if (perCycle == 1)
            for (int64_t i = 0; i < kBlock; ++i) cycles[m0 + i] = std::max(1, pairs[i]);
        else
            for (int64_t i = 0; i < kBlock; ++i) cycles[m0 + i] = std::max(1, (pairs[i] + perCycle - 1) / perCycle);
    }
    for (int64_t m = m0; m < M; ++m) {
        int32_t sum = 0, pairs = 0;
        for (int64_t j = 0; j < len; ++j) {
            sum += w[j] * x[j * M + m];
            pairs += wc[j] * xc[j * M + m];
        }
        products[m] += sum;
        total += pairs;
        cycles[m] = std::max(1, (pairs + perCycle - 1) / perCycle);
    }
    return total;
}

}  // namespace trsim
