// Exact integer GEMM for the functional reference: Y [m, n] = X [m, k] W [n, k]^T,
// every element the exact integer sum (what a naive int64 triple loop gives).
// Trace operands are at most 16-bit magnitudes, so the fast path multiplies
// 16-bit integers and sums them in 32-bit lanes (the multiply-add pattern the
// compiler vectorizes, pmaddwd on x86) over reduction chunks short enough that
// no 32-bit partial sum can overflow (chunk x max|x| x max|w| < 2^31), adding
// the chunks in 64 bits. Values beyond 16 bits take a plain 64-bit loop. Operands already
// at 16 bits are multiplied where they are (no 64-bit copy in between).
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
    // W [n, k] already at 16 bits: read where it is, never copied; it must outlive the ExactGemm
    // (a revealed operand's rows, or a lowered block the caller keeps).
    ExactGemm(const int16_t* w, int64_t n, int64_t k);
    // Not copied or moved: a packed W is pointed to from inside.
    ExactGemm(const ExactGemm&) = delete;
    ExactGemm& operator=(const ExactGemm&) = delete;

    // y [m, n] = x [m, k] W^T; y is overwritten. Call with blocks of rows to
    // bound the packed copy of x (m x k 16-bit values).
    void multiply(const int64_t* x, int64_t m, int64_t* y) const;
    // The same for X at 16 bits, multiplied where it is when the 16-bit path applies.
    void multiply(const int16_t* x, int64_t m, int64_t* y) const;

    int64_t n() const { return n_; }
    int64_t k() const { return k_; }

private:
    // The 16-bit path, when W is at 16 bits and chunks of at least min(kMinChunk, k) products fit a
    // 32-bit lane; its chunk length, or 0 for the 64-bit path.
    int64_t narrowChunk(int64_t maxX) const;
    void multiplyWide(const int64_t* x, int64_t m, int64_t* y) const;

    int64_t n_ = 0, k_ = 0;
    const int64_t* wide_ = nullptr;     // the caller's 64-bit W, or null for a 16-bit one
    std::vector<int16_t> narrowCopy_;   // a 64-bit W as 16-bit values when every |w| < 2^15
    const int16_t* narrow_ = nullptr;   // W at 16 bits (narrowCopy_ or the caller's), or null
    int64_t maxW_ = 0;                  // largest |w|
};

}  // namespace trsim
