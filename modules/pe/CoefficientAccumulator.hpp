// The tMAC's coefficient accumulator (coe_acc.v in the authors' Verilog): one
// small up/down counter per power of two. A term pair s_w 2^a * s_x 2^b steps
// counter a+b by s_w*s_x; after a group the counters are turned into one binary
// sum (sum_i c_i 2^i) and cleared. Counting instead of shift-adding keeps the
// per-pair hardware to an exponent adder and a counter.
#pragma once
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "modules/functional/Term.hpp"

namespace trsim {

class CoefficientAccumulator {
public:
    static constexpr int kMaxCounters = 64;

    explicit CoefficientAccumulator(int counters) : size_(counters) {
        if (counters < 1 || counters > kMaxCounters)
            throw std::invalid_argument("CoefficientAccumulator: 1.." + std::to_string(kMaxCounters) + " counters");
    }

    // Whether every term pair of operands with these largest exponents has a counter.
    bool covers(int maxWeightExponent, int maxDataExponent) const { return maxWeightExponent + maxDataExponent < size_; }

    // Callers check covers() once per job (the config loader already did), so
    // the per-pair path has no range check.
    void addPair(const Term& w, const Term& x) { counters_[static_cast<std::size_t>(w.exponent + x.exponent)] += w.sign * x.sign; }

    // Binary sum of the counters; clears them for the next group.
    int64_t flush() {
        int64_t sum = 0;
        for (int i = 0; i < size_; ++i) {
            sum += static_cast<int64_t>(counters_[static_cast<std::size_t>(i)]) * (int64_t{1} << i);
            counters_[static_cast<std::size_t>(i)] = 0;
        }
        return sum;
    }
    int size() const { return size_; }
    // Counter i's value (the cycle-level waveform reads it after each pair).
    int32_t count(int i) const { return counters_[static_cast<std::size_t>(i)]; }

private:
    int size_;
    std::array<int32_t, kMaxCounters> counters_{};
};

}  // namespace trsim
