// The term-pair fold kernels (modules/pe/TermPairColumn.hpp) against a plain sum over
// elements: the 16-bit pair kernel (AVX2 where the CPU has it), its baseline version and
// the 32-bit kernel on the same data, over block edges (32 rows), odd group lengths, pairs
// per cycle and the extreme 16-bit values; a slice whole, or a block of rows at a time as a
// weight-stationary fold takes it (PeArrayCore::foldRowBlock).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "modules/pe/TermPairColumn.hpp"

namespace trsim {
namespace {

struct Column {
    std::vector<int32_t> products;
    std::vector<int32_t> cycles;
    int64_t pairs = 0;
};

// Element (m, j): value x[m][j], count xc[m][j]; a weight group w, wc of len elements.
struct Case {
    int64_t M, len;
    int32_t perCycle;
    std::vector<int32_t> w;
    std::vector<uint8_t> wc;
    std::vector<std::vector<int32_t>> x, xc;
};

Column expected(const Case& c, int64_t start) {
    const std::size_t rows = static_cast<std::size_t>(c.M);
    Column out{std::vector<int32_t>(rows), std::vector<int32_t>(rows), 0};
    for (int64_t m = 0; m < c.M; ++m) {
        int64_t sum = 0, pairs = 0;
        for (int64_t j = 0; j < c.len; ++j) {
            sum += int64_t{c.w[j]} * c.x[m][j];
            pairs += int64_t{c.wc[j]} * c.xc[m][j];
        }
        out.products[m] = static_cast<int32_t>(start + sum);
        out.cycles[m] = static_cast<int32_t>(std::max<int64_t>(1, (pairs + c.perCycle - 1) / c.perCycle));
        out.pairs += pairs;
    }
    return out;
}

using Kernel16 = int64_t (*)(const int16_t*, const uint8_t*, const int16_t*, const int16_t*, int64_t, int64_t, int64_t,
                             int32_t, int64_t*, int32_t*);

// `block` > 0: the kernel takes rows `block` at a time (a multiple of eight, as the fold's blocks are),
// each block from its first row on.
Column runPairs16(const Case& c, int64_t start, Kernel16 kernel, int64_t block = 0) {
    // The pair layout (DataSliceLayout::Pairs16), an odd len's last pair ending in a zero. The padding
    // rows hold garbage here: the kernels must not let it reach a row below M.
    const int64_t stride = pairs16Stride(c.M);
    const std::size_t size = static_cast<std::size_t>((c.len + 1) / 2 * 2 * stride);
    std::vector<int16_t> x(size, 0), xc(size, 0);
    for (int64_t m = c.M; m < stride; ++m)
        for (int64_t j = 0; j < c.len; ++j) {
            const std::size_t i = static_cast<std::size_t>((j / 2) * 2 * stride + 2 * m + j % 2);
            x[i] = static_cast<int16_t>(1000 + m);
            xc[i] = 77;
        }
    for (int64_t m = 0; m < c.M; ++m)
        for (int64_t j = 0; j < c.len; ++j) {
            const std::size_t i = static_cast<std::size_t>((j / 2) * 2 * stride + 2 * m + j % 2);
            x[i] = static_cast<int16_t>(c.x[m][j]);
            xc[i] = static_cast<int16_t>(c.xc[m][j]);
        }
    // One guard element past M in products and cycles: a kernel writing a padding row is caught.
    std::vector<int64_t> products(static_cast<std::size_t>(c.M) + 1, start);
    Column out{{}, std::vector<int32_t>(static_cast<std::size_t>(c.M) + 1, -7), 0};
    const std::vector<int16_t> w(c.w.begin(), c.w.end());
    const int64_t step = block > 0 ? block : c.M;
    for (int64_t m0 = 0; m0 < c.M; m0 += step) {
        const std::size_t at = pairs16Index(m0, 0, stride);
        out.pairs += kernel(w.data(), c.wc.data(), x.data() + at, xc.data() + at, c.len, std::min(step, c.M - m0),
                            stride, c.perCycle, &products[static_cast<std::size_t>(m0)],
                            &out.cycles[static_cast<std::size_t>(m0)]);
    }
    EXPECT_EQ(products.back(), start) << "a padding row was written out";
    EXPECT_EQ(out.cycles.back(), -7) << "a padding row was written out";
    products.pop_back();
    out.cycles.pop_back();
    for (const int64_t p : products) out.products.push_back(static_cast<int32_t>(p));
    return out;
}

Column runNarrow(const Case& c, int64_t start, int64_t block = 0) {
    std::vector<int32_t> x(static_cast<std::size_t>(c.len * c.M));
    std::vector<uint8_t> xc(x.size());
    for (int64_t m = 0; m < c.M; ++m)
        for (int64_t j = 0; j < c.len; ++j) {
            x[static_cast<std::size_t>(j * c.M + m)] = c.x[m][j];
            xc[static_cast<std::size_t>(j * c.M + m)] = static_cast<uint8_t>(c.xc[m][j]);
        }
    std::vector<int64_t> products(static_cast<std::size_t>(c.M), start);
    Column out{{}, std::vector<int32_t>(static_cast<std::size_t>(c.M), -7), 0};
    const int64_t step = block > 0 ? block : c.M;
    for (int64_t m0 = 0; m0 < c.M; m0 += step)
        out.pairs += termPairColumnNarrow(c.w.data(), c.wc.data(), x.data() + m0, xc.data() + m0, c.len,
                                          std::min(step, c.M - m0), c.M, c.perCycle, &products[static_cast<std::size_t>(m0)],
                                          &out.cycles[static_cast<std::size_t>(m0)]);
    for (const int64_t p : products) out.products.push_back(static_cast<int32_t>(p));
    return out;
}

void expectEqual(const Column& got, const Column& want, const std::string& what) {
    EXPECT_EQ(got.products, want.products) << what;
    EXPECT_EQ(got.cycles, want.cycles) << what;
    EXPECT_EQ(got.pairs, want.pairs) << what;
}

// Values in [-limit, limit], counts in [0, maxCount]; `limit` keeps the sums within 32 bits.
Case randomCase(int64_t M, int64_t len, int32_t perCycle, int32_t limit, int maxCount, std::mt19937& gen) {
    std::uniform_int_distribution<int32_t> value(-limit, limit), count(0, maxCount);
    Case c{M, len, perCycle, {}, {}, {}, {}};
    for (int64_t j = 0; j < len; ++j) {
        c.w.push_back(value(gen));
        c.wc.push_back(static_cast<uint8_t>(count(gen)));
    }
    c.x.assign(static_cast<std::size_t>(M), {});
    c.xc.assign(static_cast<std::size_t>(M), {});
    for (int64_t m = 0; m < M; ++m)
        for (int64_t j = 0; j < len; ++j) {
            c.x[m].push_back(value(gen));
            c.xc[m].push_back(count(gen));
        }
    return c;
}

TEST(TermPairColumn, PairKernelsAndWideKernelEqualThePlainSum) {
    std::mt19937 gen(5);
    for (const int64_t M : {1, 2, 7, 8, 9, 31, 32, 33, 40, 64, 70, 97})
        for (const int64_t len : {1, 2, 3, 5, 8, 9, 16})
            for (const int32_t perCycle : {1, 2, 3}) {
                // 8-bit values, as the simulator meets them, and 13-bit ones (16 * 4095^2 < 2^31).
                for (const int32_t limit : {255, 4095}) {
                    const Case c = randomCase(M, len, perCycle, limit, 8, gen);
                    const int64_t start = 1000 - M;  // products accumulate onto what is there
                    const Column want = expected(c, start);
                    const std::string what = "M " + std::to_string(M) + " len " + std::to_string(len) + " perCycle " +
                                             std::to_string(perCycle) + " limit " + std::to_string(limit);
                    for (const int64_t block : {0, 8, 32}) {
                        const std::string how = what + " block " + std::to_string(block);
                        expectEqual(runPairs16(c, start, termPairColumnPairs16, block), want, how + " (pairs16)");
                        expectEqual(runPairs16(c, start, termPairColumnPairs16Portable, block), want,
                                    how + " (portable)");
                        expectEqual(runNarrow(c, start, block), want, how + " (32-bit)");
                    }
                }
            }
}

TEST(TermPairColumn, ExtremeSixteenBitValuesAndCounts) {
    // +-32767 times +-32767, two to a multiply-add: 2 * 32767^2 = 2^31 - 131069, the largest pair
    // sum the 16-bit kernel meets; counts of 255 (the most an 8-bit count holds) likewise.
    for (const int64_t M : {1, 32, 40})
        for (const int32_t sign : {1, -1}) {
            Case c{M, 2, 1, {32767, sign * 32767}, {255, 255}, {}, {}};
            for (int64_t m = 0; m < M; ++m) {
                c.x.push_back({m % 2 ? -32767 : 32767, sign * (m % 2 ? -32767 : 32767)});
                c.xc.push_back({255, static_cast<int32_t>(m % 256)});
            }
            const Column want = expected(c, 0);
            const std::string what = "M " + std::to_string(M);
            expectEqual(runPairs16(c, 0, termPairColumnPairs16), want, what + " (pairs16)");
            expectEqual(runPairs16(c, 0, termPairColumnPairs16Portable), want, what + " (portable)");
        }
}

}  // namespace
}  // namespace trsim
