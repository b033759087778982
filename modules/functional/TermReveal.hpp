// Term Revealing (SPEC.md section 1): keep only the `budget` largest terms of a
// group of `groupSize` consecutive values along the reduction dimension.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "modules/functional/Encoding.hpp"
#include "modules/functional/Term.hpp"

namespace trsim {

// How one operand (weights or data) is represented: bit width of the
// sign-magnitude value, encoding, TR group size and group term budget
// (nullopt = no budget: every term is kept).
struct OperandCoding {
    int bits = 8;
    Encoding encoding = Encoding::Hese;
    int groupSize = 1;
    std::optional<int> budget;
};

// Greedy, deterministic top-k: repeatedly take the largest remaining leading
// term over the group, ties to the lower value index. Returns the kept terms of
// each value (still largest first). `group[i]` must be ordered largest first.
std::vector<Terms> selectTopTerms(const std::vector<Terms>& group, std::optional<int> budget);

// Encodes `n` values, applies TR to consecutive groups of `coding.groupSize`
// (the last group may be shorter) and writes the truncated values to `out`.
// `termsOut`, when given, receives the number of kept terms of every value.
void revealValues(const int64_t* values, std::size_t n, const OperandCoding& coding, int64_t* out,
                  int* termsOut = nullptr);

}  // namespace trsim
