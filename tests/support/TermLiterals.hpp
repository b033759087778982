// Shared by the encoding and TR tests: every encoding, and terms written as
// (sign, exponent) pairs ({{1, 5}, {-1, 0}} is +2^5 -2^0).
#pragma once
#include <array>
#include <initializer_list>
#include <utility>

#include "modules/functional/Encoding.hpp"

namespace trsim::testing_support {

inline const std::array<Encoding, 4> kAllEncodings{Encoding::Binary, Encoding::Hese, Encoding::Naf, Encoding::Booth4};

inline Terms T(std::initializer_list<std::pair<int, int>> st) {
    Terms out;
    for (const auto& [s, e] : st) out.push_back({static_cast<int8_t>(s), static_cast<int8_t>(e)});
    return out;
}

}  // namespace trsim::testing_support
