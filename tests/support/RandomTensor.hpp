// Shared by the SystemC testbenches that build small in-memory layers.
#pragma once
#include <cstdint>
#include <random>
#include <vector>

#include "modules/functional/IntTensor.hpp"

namespace trsim::testing_support {

// A tensor of `shape` with values drawn uniformly from [lo, hi] by a generator seeded with `seed`.
inline IntTensor uniformTensor(std::vector<int64_t> shape, int64_t lo, int64_t hi, uint32_t seed) {
    std::mt19937 gen(seed);
    std::uniform_int_distribution<int64_t> dist(lo, hi);
    IntTensor t(std::move(shape));
    for (auto& v : t.data) v = dist(gen);
    return t;
}

}  // namespace trsim::testing_support
