#include "modules/pe/TermPairColumn.hpp"
#include "modules/pe/TermPairTiming.hpp"

#include <immintrin.h>

#include <algorithm>

namespace trsim {

namespace {
// Data rows per register block: the block's sums and pairs stay in vector registers while the
// group's elements stream past, instead of a load and a store per element.
constexpr int64_t kBlock = 32;

// termPairColumnPairs16, element by element.
int64_t pairs16Rows(const int16_t* w, const uint8_t* wc, const int16_t* x, const int16_t* xc, int64_t len, int64_t M,
                    int64_t stride, int32_t perCycle, int64_t* products, int32_t* cycles) {
    if (stride == 1) {
        // A slice of one data row (a fully connected layer at batch 1): element j is at j, a plain dot product.
        int32_t sum = 0, pairs = 0;
        for (int64_t j = 0; j < len; ++j) {
            sum += w[j] * x[j];
            pairs += wc[j] * xc[j];
        }
        products[0] += sum;
        cycles[0] = termPairStepCycles(pairs, perCycle);
        return pairs;
    }
    int64_t total = 0;
    for (int64_t m = 0; m < M; ++m) {
        int32_t sum = 0, pairs = 0;
        for (int64_t j = 0; j < len; ++j) {
            const std::size_t i = pairs16Index(m, j, stride);
            sum += w[j] * x[i];
            pairs += wc[j] * xc[i];
        }
        products[m] += sum;
        total += pairs;
        cycles[m] = termPairStepCycles(pairs, perCycle);
    }
    return total;
}

// Two 16-bit elements j, j + 1 (zero past len) in one 32-bit lane, as vpmaddwd pairs them.
uint32_t packPair(int32_t lo, int32_t hi) {
    return static_cast<uint32_t>(static_cast<uint16_t>(lo)) | (static_cast<uint32_t>(static_cast<uint16_t>(hi)) << 16);
}

// vpmaddwd's operand: elements j and j + 1 of a weight group (or their counts) in one 32-bit lane.
template <class T>
__attribute__((target("avx2"))) __m256i pairOf(const T* v, int64_t j, int64_t len) {
    return _mm256_set1_epi32(static_cast<int32_t>(packPair(v[j], j + 1 < len ? v[j + 1] : 0)));
}

// Adds the sums and pairs of `rows` (<= the block) rows from m0 on to products, total and cycles.
// No target of its own: inlined, it is compiled for its caller's (AVX2 or the baseline).
__attribute__((always_inline)) inline void finishRows(const int32_t* sums, const int32_t* pairs, int64_t m0,
                                                      int64_t rows, int32_t perCycle, int64_t* products,
                                                      int32_t* cycles, int64_t& total) {
    for (int64_t i = 0; i < rows; ++i) {
        products[m0 + i] += sums[i];
        total += pairs[i];
    }
    // The rule at one pair per cycle, written out so that the loop vectorizes.
    if (perCycle == 1)
        for (int64_t i = 0; i < rows; ++i) cycles[m0 + i] = termPairStepCycles(pairs[i], int32_t{1});
    else
        for (int64_t i = 0; i < rows; ++i) cycles[m0 + i] = termPairStepCycles(pairs[i], perCycle);
}

// Sum of the four 32-bit lanes.
__attribute__((target("avx2"))) int32_t laneSum(__m128i v) {
    v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(1, 0, 3, 2)));
    v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(v);
}

// One data row (a fully connected layer at batch 1): element j at j, a dot product eight elements to
// an instruction (a million such PE steps a layer).
__attribute__((target("avx2"))) int64_t oneRowAvx2(const int16_t* w, const uint8_t* wc, const int16_t* x,
                                                    const int16_t* xc, int64_t len, int32_t perCycle,
                                                    int64_t* products, int32_t* cycles) {
    __m128i s = _mm_setzero_si128(), p = s;
    int64_t j = 0;
    for (; j + 8 <= len; j += 8) {
        const __m128i wv = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + j));
        const __m128i xv = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x + j));
        const __m128i cv = _mm_cvtepu8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(wc + j)));
        const __m128i xcv = _mm_loadu_si128(reinterpret_cast<const __m128i*>(xc + j));
        s = _mm_add_epi32(s, _mm_madd_epi16(wv, xv));
        p = _mm_add_epi32(p, _mm_madd_epi16(cv, xcv));
    }
    int32_t sum = laneSum(s), pairs = laneSum(p);
    for (; j < len; ++j) {
        sum += w[j] * x[j];
        pairs += wc[j] * xc[j];
    }
    products[0] += sum;
    cycles[0] = termPairStepCycles(pairs, perCycle);
    return pairs;
}

__attribute__((target("avx2"))) int64_t pairs16Avx2(const int16_t* w, const uint8_t* wc, const int16_t* x,
                                                     const int16_t* xc, int64_t len, int64_t M, int64_t stride,
                                                     int32_t perCycle, int64_t* products, int32_t* cycles) {
    if (stride == 1) return oneRowAvx2(w, wc, x, xc, len, perCycle, products, cycles);
    const int64_t pairCount = (len + 1) / 2;
    int64_t total = 0;
    int64_t m0 = 0;
    for (; m0 + kBlock <= M; m0 += kBlock) {
        __m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0;
        __m256i p0 = s0, p1 = s0, p2 = s0, p3 = s0;
        for (int64_t jp = 0; jp < pairCount; ++jp) {
            const __m256i wv = pairOf(w, 2 * jp, len), cv = pairOf(wc, 2 * jp, len);
            const std::size_t at = static_cast<std::size_t>(jp * 2 * stride + 2 * m0);
            const __m256i* xv = reinterpret_cast<const __m256i*>(x + at);
            const __m256i* cx = reinterpret_cast<const __m256i*>(xc + at);
            s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(_mm256_loadu_si256(xv), wv));
            s1 = _mm256_add_epi32(s1, _mm256_madd_epi16(_mm256_loadu_si256(xv + 1), wv));
            s2 = _mm256_add_epi32(s2, _mm256_madd_epi16(_mm256_loadu_si256(xv + 2), wv));
            s3 = _mm256_add_epi32(s3, _mm256_madd_epi16(_mm256_loadu_si256(xv + 3), wv));
            p0 = _mm256_add_epi32(p0, _mm256_madd_epi16(_mm256_loadu_si256(cx), cv));
            p1 = _mm256_add_epi32(p1, _mm256_madd_epi16(_mm256_loadu_si256(cx + 1), cv));
            p2 = _mm256_add_epi32(p2, _mm256_madd_epi16(_mm256_loadu_si256(cx + 2), cv));
            p3 = _mm256_add_epi32(p3, _mm256_madd_epi16(_mm256_loadu_si256(cx + 3), cv));
        }
        alignas(32) int32_t sums[kBlock], pairs[kBlock];
        _mm256_store_si256(reinterpret_cast<__m256i*>(sums), s0);
        _mm256_store_si256(reinterpret_cast<__m256i*>(sums + 8), s1);
        _mm256_store_si256(reinterpret_cast<__m256i*>(sums + 16), s2);
        _mm256_store_si256(reinterpret_cast<__m256i*>(sums + 24), s3);
        _mm256_store_si256(reinterpret_cast<__m256i*>(pairs), p0);
        _mm256_store_si256(reinterpret_cast<__m256i*>(pairs + 8), p1);
        _mm256_store_si256(reinterpret_cast<__m256i*>(pairs + 16), p2);
        _mm256_store_si256(reinterpret_cast<__m256i*>(pairs + 24), p3);
        finishRows(sums, pairs, m0, kBlock, perCycle, products, cycles, total);
    }
    // The last rows eight at a time: the stride pads them to a vector, whose rows past M are not written out.
    for (; m0 < M; m0 += 8) {
        __m256i s = _mm256_setzero_si256(), p = s;
        for (int64_t jp = 0; jp < pairCount; ++jp) {
            const std::size_t at = static_cast<std::size_t>(jp * 2 * stride + 2 * m0);
            s = _mm256_add_epi32(s, _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + at)),
                                                      pairOf(w, 2 * jp, len)));
            p = _mm256_add_epi32(p, _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(xc + at)),
                                                      pairOf(wc, 2 * jp, len)));
        }
        alignas(32) int32_t sums[8], pairs[8];
        _mm256_store_si256(reinterpret_cast<__m256i*>(sums), s);
        _mm256_store_si256(reinterpret_cast<__m256i*>(pairs), p);
        finishRows(sums, pairs, m0, std::min<int64_t>(8, M - m0), perCycle, products, cycles, total);
    }
    return total;
}

}  // namespace

__attribute__((target_clones("avx2", "default"))) int64_t termPairColumnNarrow(
    const int32_t* w, const uint8_t* wc, const int32_t* x, const uint8_t* xc, int64_t len, int64_t M, int64_t stride,
    int32_t perCycle, int64_t* products, int32_t* cycles) {
    int64_t total = 0;
    int64_t m0 = 0;
    for (; m0 + kBlock <= M; m0 += kBlock) {
        int32_t sums[kBlock] = {}, pairs[kBlock] = {};
        for (int64_t j = 0; j < len; ++j) {
            const int32_t wv = w[j], wcj = wc[j];
            const int32_t* xv = x + j * stride + m0;
            const uint8_t* xcv = xc + j * stride + m0;
            for (int64_t i = 0; i < kBlock; ++i) {
                sums[i] += wv * xv[i];
                pairs[i] += wcj * xcv[i];
            }
        }
        finishRows(sums, pairs, m0, kBlock, perCycle, products, cycles, total);
    }
    for (int64_t m = m0; m < M; ++m) {
        int32_t sum = 0, pairs = 0;
        for (int64_t j = 0; j < len; ++j) {
            sum += w[j] * x[j * stride + m];
            pairs += wc[j] * xc[j * stride + m];
        }
        products[m] += sum;
        total += pairs;
        cycles[m] = termPairStepCycles(pairs, perCycle);
    }
    return total;
}

int64_t termPairColumnPairs16Portable(const int16_t* w, const uint8_t* wc, const int16_t* x, const int16_t* xc,
                                      int64_t len, int64_t M, int64_t stride, int32_t perCycle, int64_t* products,
                                      int32_t* cycles) {
    return pairs16Rows(w, wc, x, xc, len, M, stride, perCycle, products, cycles);
}

int64_t termPairColumnPairs16(const int16_t* w, const uint8_t* wc, const int16_t* x, const int16_t* xc, int64_t len,
                              int64_t M, int64_t stride, int32_t perCycle, int64_t* products, int32_t* cycles) {
    static const bool avx2 = __builtin_cpu_supports("avx2");
    return avx2 ? pairs16Avx2(w, wc, x, xc, len, M, stride, perCycle, products, cycles)
                : pairs16Rows(w, wc, x, xc, len, M, stride, perCycle, products, cycles);
}

}  // namespace trsim
