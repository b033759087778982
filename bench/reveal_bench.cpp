// Host time of revealing a weight matrix the way the controller does (RevealedOperand, kept-term counts
// and values after TR, fast timing's CountsOnly storage): nanoseconds per value, best of five, and a
// checksum that two builds must agree on. The default shape is VGG-16's fc6 at a quarter of its rows
// (1024 x 25088), its coding the default config's (HESE, 8 bits, groups of 8 weights keeping 12 terms).
//   trsim_reveal_bench [--rows R] [--k K] [--group G] [--budget B] [--threads T]
// Values: normally distributed magnitudes (sigma 30, clipped to 127), like trained int8 weights.
#include <malloc.h>

#include <algorithm>
#include <climits>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <type_traits>

#include "modules/functional/RevealedOperand.hpp"

int main(int argc, char** argv) {
    // One heap, never unmapped or trimmed, as trsim's own main sets up: repetitions reuse the memory
    // the first one faulted in, rather than measuring fresh pages each time.
    mallopt(M_ARENA_MAX, 1);
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, INT_MAX);
    int64_t rows = 1024, k = 25088;
    int group = 8, budget = 12, threads = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i];
        const long v = std::strtol(argv[i + 1], nullptr, 10);
        if (key == "--rows") rows = v;
        else if (key == "--k") k = v;
        else if (key == "--group") group = static_cast<int>(v);
        else if (key == "--budget") budget = static_cast<int>(v);
        else if (key == "--threads") threads = static_cast<int>(v);
        else {
            std::fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    trsim::OperandTensor w({rows, k}, 127);
    std::mt19937 gen(1);
    std::normal_distribution<double> value(0, 30);
    w.visit([&](auto* v) {
        for (std::size_t i = 0; i < w.size(); ++i)
            v[i] = static_cast<std::remove_pointer_t<decltype(v)>>(std::clamp<long>(std::lround(value(gen)), -127, 127));
    });
    trsim::OperandCoding coding;
    coding.bits = 8;
    coding.encoding = trsim::Encoding::Hese;
    coding.groupSize = group;
    coding.budget = budget;
    double best = 1e30;
    int64_t checksum = 0;
    for (int rep = 0; rep < 5; ++rep) {
        const auto start = std::chrono::steady_clock::now();
        const trsim::RevealedOperand r(w, coding, trsim::TermStorage::CountsOnly, threads);
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        checksum = r.keptTerms() * 31 + r.encodedTerms();
        for (int64_t row = 0; row < rows; row += 97) checksum = checksum * 7 + r.value(row, (row * 13) % k);
    }
    std::printf("reveal %lld x %lld, groups of %d keeping %d, %d thread(s): %.2f ns/value (best of 5), checksum %lld\n",
                static_cast<long long>(rows), static_cast<long long>(k), group, budget, threads,
                best * 1e9 / static_cast<double>(rows * k), static_cast<long long>(checksum));
    return 0;
}
