// Shared by the PE and memory tests: hand-written operands and fold shapes.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "modules/array/SystolicArrayCore.hpp"
#include "modules/functional/IntTensor.hpp"

namespace trsim::testing_support {

// A [1, n] operand of the given values.
inline IntTensor row(std::vector<int64_t> values) {
    IntTensor t({1, static_cast<int64_t>(values.size())});
    t.data.assign(values.begin(), values.end());
    return t;
}

// A weight-stationary fold: its coordinates, reduction length and used columns.
inline FoldShape wsFold(int64_t rowFold, int64_t colFold, int64_t redLen, int64_t cols) {
    FoldShape f;
    f.rowFold = rowFold;
    f.colFold = colFold;
    f.redLen = redLen;
    f.colsUsed = cols;
    return f;
}

}  // namespace trsim::testing_support
