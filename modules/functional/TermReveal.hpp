// Term Revealing (SPEC.md section 1): keep only the `budget` largest terms of a
// group of `groupSize` consecutive values along the reduction dimension.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "modules/functional/Encoding.hpp"
#include "modules/functional/Term.hpp"
#include "modules/functional/TermTable.hpp"

namespace trsim {

// How one operand (weights or data) is represented: bit width of the
// sign-magnitude value, encoding, TR group size and group term budget
// (nullopt = no budget: every term is kept).
struct OperandCoding {
    int bits = 8;
    Encoding encoding = Encoding::Hese;
    int groupSize = 1;
    std::optional<int> budget;

    friend bool operator==(const OperandCoding& a, const OperandCoding& b) {
        return a.bits == b.bits && a.encoding == b.encoding && a.groupSize == b.groupSize && a.budget == b.budget;
    }
};

// Greedy, deterministic top-k: repeatedly take the largest remaining leading
// term over the group, ties to the lower value index. Returns the kept terms of
// each value (still largest first). `group[i]` must be ordered largest first.
std::vector<Terms> selectTopTerms(const std::vector<Terms>& group, std::optional<int> budget);

// TR of one group of `n` values on flat storage, without encoding value by value:
// TR keeps a prefix of every value's terms (largest first, as `table` lists them),
// so writes how many terms of value i are kept to keptOut[i]. Same selection as
// selectTopTerms: every term above a threshold exponent, and at the threshold the
// first ones in value order. Returns the group's terms before TR. Throws
// std::out_of_range for a value wider than table.bits(), std::invalid_argument
// for a negative budget.
int64_t keptTermCounts(const TermTable& table, const int64_t* values, std::size_t n, std::optional<int> budget,
                       uint8_t* keptOut);

// keptTermCounts over consecutive groups of `groupSize` of `n` values (the last
// group may be shorter); returns their terms before TR.
int64_t keptTermCountsByGroup(const TermTable& table, const int64_t* values, std::size_t n, int groupSize,
                              std::optional<int> budget, uint8_t* keptOut);

// keptTermCountsByGroup that also writes each value after TR to valuesOut (its sign times the sum of
// its kept terms; operands have at most 16 magnitude bits, so it fits 32) and ORs the exponents of the
// values that keep a term into keptExponents: RevealedOperand's pass over an operand's rows.
int64_t revealByGroup(const TermTable& table, const int64_t* values, std::size_t n, int groupSize,
                      std::optional<int> budget, uint8_t* keptOut, int32_t* valuesOut, uint32_t& keptExponents);

// Encodes `n` values, applies TR to consecutive groups of `coding.groupSize`
// (the last group may be shorter) and writes the truncated values to `out`.
// `termsOut`, when given, receives the number of kept terms of every value.
void revealValues(const int64_t* values, std::size_t n, const OperandCoding& coding, int64_t* out,
                  int* termsOut = nullptr);

}  // namespace trsim
