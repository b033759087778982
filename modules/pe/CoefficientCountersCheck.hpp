// The config rule of term-pair PEs (tr, laconic): every exponent sum of a term
// pair needs its own coefficient counter.
#pragma once
#include <string>

#include "modules/functional/Encoding.hpp"
#include "modules/pe/PeKind.hpp"
#include "sim/config/Config.hpp"

namespace trsim {

inline void checkCoefficientCounters(const SimConfig& c, const ConfigProblem& problem) {
    const int need = maxExponent(c.weights.encoding, c.weights.bits) + maxExponent(c.data.encoding, c.data.bits) + 1;
    if (c.pe.coefficientCounters < need)
        problem("pe.coefficient_counters",
                std::to_string(c.pe.coefficientCounters) + " is too few: " + encodingName(c.weights.encoding) +
                    " weights of " + std::to_string(c.weights.bits) + " bits times " + encodingName(c.data.encoding) +
                    " data of " + std::to_string(c.data.bits) + " bits reach exponent sums up to " +
                    std::to_string(need - 1) + " (allowed: " + std::to_string(need) + "..64)");
}

}  // namespace trsim
