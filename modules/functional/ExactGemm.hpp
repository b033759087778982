// Exact integer GEMM for the functional reference: Y [m, n] = X [m, k] W [n, k]^T,
// every element the exact integer sum (what a naive int64 triple loop gives).
// Trace operands are at most 16-bit magnitudes, so the fast path multiplies
// 16-bit integers and sums them in 32-bit lanes (the multiply-add pattern the
// compiler vectorizes, pmaddwd on x86) over reduction chunks short enough that
// no 32-bit partial sum can overflow (chunk x max|x| x max|w| < 2^31), adding
// the chunks in 64 bits. Values beyond 16 bits take a plain 64-bit loop.
// Integer arithmetic is exact in any summation order, so both paths equal the
// naive loop exactly; tests/exact_gemm_test.cpp checks it, overflow edges included.
#pragma once
#include <cstdint>
#include <vector>

namespace trsim {

class ExactGemm {
public:
    // W [n, k] row-major; copied (packed) once, so many X blocks can reuse it.
    ExactGemm(const int64_t* w, int64_t n, int64_t k);

    // y [m, n] = x [m, k] W^T; y is overwritten. Call with blocks of rows to
    // bound the packed copy of x (m x k 16-bit values).
    void multiply(const int64_t* x, int64_t m, int64_t* y) const;

    int64_t n() const { return n_; }
    int64_t k() const { return k_; }

private:
    void multiplyNarrow(const int64_t* x, int64_t m, int64_t* y, int64_t maxX) const;
    void multiplyWide(const int64_t* x, int64_t m, int64_t* y) const;

    int64_t n_ = 0, k_ = 0;
    const int64_t* wide_ = nullptr;  // the caller's W, for the 64-bit path
    std::vector<int16_t> narrow_;    // W as 16-bit values when every |w| < 2^15, else empty
    int64_t maxW_ = 0;               // largest |w|
};

}  // namespace trsim
