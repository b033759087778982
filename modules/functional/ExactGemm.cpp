#include "modules/functional/ExactGemm.hpp"

#include <algorithm>
#include <cstdlib>

namespace trsim {
namespace {

constexpr int64_t kNarrowLimit = 32767;         // largest magnitude a 16-bit lane holds (both signs)
constexpr int64_t kLaneLimit = 2147483647;      // largest 32-bit partial sum
constexpr int64_t kMinChunk = 64;               // shorter chunks would not pay for the 16-bit path
constexpr int64_t kMaxChunk = 2048;             // keeps a chunk of four X rows in L1
constexpr int64_t kWBlock = 32;                 // W rows per block (a chunk of them stays in L2)

int64_t magnitudeOf(int64_t v) { return v < 0 ? -v : v; }

// The largest |v| of n 16-bit values (32768 for -32768), in 32 bits so that it vectorizes.
int64_t largestMagnitude16(const int16_t* v, int64_t n) {
    int32_t most = 0;
    for (int64_t i = 0; i < n; ++i) {
        const int32_t a = v[i];
        most = std::max(most, a < 0 ? -a : a);
    }
    return most;
}

// Four rows of X against one row of W over one chunk: four 32-bit dot products.
// Kept branch-free and unit-stride so the compiler vectorizes it.
inline void dot4(const int16_t* x0, const int16_t* x1, const int16_t* x2, const int16_t* x3, const int16_t* w,
                 int64_t len, int32_t out[4]) {
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (int64_t i = 0; i < len; ++i) {
        const int32_t wi = w[i];
        a0 += x0[i] * wi;
        a1 += x1[i] * wi;
        a2 += x2[i] * wi;
        a3 += x3[i] * wi;
    }
    out[0] = a0, out[1] = a1, out[2] = a2, out[3] = a3;
}

inline int32_t dot1(const int16_t* x, const int16_t* w, int64_t len) {
    int32_t a = 0;
    for (int64_t i = 0; i < len; ++i) a += x[i] * static_cast<int32_t>(w[i]);
    return a;
}

}  // namespace

void multiplyNarrowChunks(const int16_t* xs, const int16_t* ws, int64_t m, int64_t n, int64_t k, int64_t chunk,
                          int64_t* y);

ExactGemm::ExactGemm(const int64_t* w, int64_t n, int64_t k) : n_(n), k_(k), wide_(w) {
    for (int64_t i = 0; i < n * k; ++i) maxW_ = std::max(maxW_, magnitudeOf(w[i]));
    if (maxW_ <= kNarrowLimit) {
        narrowCopy_.assign(w, w + n * k);
        narrow_ = narrowCopy_.data();
    }
}

ExactGemm::ExactGemm(const int16_t* w, int64_t n, int64_t k) : n_(n), k_(k), narrow_(w) {
    maxW_ = largestMagnitude16(w, n * k);
}

int64_t ExactGemm::narrowChunk(int64_t maxX) const {
    if (!narrow_ || maxW_ > kNarrowLimit || maxX > kNarrowLimit) return 0;
    // Chunk length: no 32-bit lane can exceed chunk x max|x| x max|w|.
    const int64_t bound = maxX * maxW_;
    const int64_t chunk = bound == 0 ? kMaxChunk : std::min(kMaxChunk, kLaneLimit / bound);
    return chunk >= std::min(kMinChunk, k_) ? std::max<int64_t>(1, chunk) : 0;
}

void ExactGemm::multiply(const int64_t* x, int64_t m, int64_t* y) const {
    int64_t maxX = 0;
    for (int64_t i = 0; i < m * k_; ++i) maxX = std::max(maxX, magnitudeOf(x[i]));
    if (const int64_t chunk = narrowChunk(maxX)) {
        const std::vector<int16_t> xs(x, x + m * k_);
        multiplyNarrowChunks(xs.data(), narrow_, m, n_, k_, chunk, y);
    } else {
        multiplyWide(x, m, y);
    }
}

void ExactGemm::multiply(const int16_t* x, int64_t m, int64_t* y) const {
    if (const int64_t chunk = narrowChunk(largestMagnitude16(x, m * k_))) {
        multiplyNarrowChunks(x, narrow_, m, n_, k_, chunk, y);
    } else {
        const std::vector<int64_t> wide(x, x + m * k_);  // products beyond what 32-bit chunks hold
        multiplyWide(wide.data(), m, y);
    }
}

// The 16-bit chunked product, compiled for AVX2 and for the baseline, chosen at run time (target_clones):
// the same integers either way. xs: [m][k] X, ws: [n][k] W, y: [m][n] (zeroed here).
__attribute__((target_clones("avx2", "default"))) void multiplyNarrowChunks(const int16_t* xs, const int16_t* ws,
                                                                            int64_t m, int64_t n, int64_t k,
                                                                            int64_t chunk, int64_t* y) {
    std::fill(y, y + m * n, 0);
    for (int64_t k0 = 0; k0 < k; k0 += chunk) {
        const int64_t len = std::min(chunk, k - k0);
        for (int64_t j0 = 0; j0 < n; j0 += kWBlock) {
            const int64_t j1 = std::min(n, j0 + kWBlock);
            int64_t i = 0;
            for (; i + 4 <= m; i += 4) {
                const int16_t* xr = xs + i * k + k0;
                for (int64_t j = j0; j < j1; ++j) {
                    int32_t d[4];
                    dot4(xr, xr + k, xr + 2 * k, xr + 3 * k, ws + j * k + k0, len, d);
                    for (int r = 0; r < 4; ++r) y[(i + r) * n + j] += d[r];
                }
            }
            for (; i < m; ++i)
                for (int64_t j = j0; j < j1; ++j) y[i * n + j] += dot1(xs + i * k + k0, ws + j * k + k0, len);
        }
    }
}

void ExactGemm::multiplyWide(const int64_t* x, int64_t m, int64_t* y) const {
    const auto loop = [&](const auto* w) {
        for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n_; ++j) {
                const int64_t* xr = x + i * k_;
                const auto* wr = w + j * k_;
                int64_t acc = 0;
                for (int64_t r = 0; r < k_; ++r) acc += xr[r] * wr[r];
                y[i * n_ + j] = acc;
            }
    };
    if (wide_) loop(wide_);
    else loop(narrow_);
}

}  // namespace trsim
