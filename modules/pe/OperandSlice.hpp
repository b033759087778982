// The operands of one PE step as they reach a PE of the structural array
// (modules/structural/) through its ports: the reduction elements of the step
// (one value for value PEs, a weight group's elements for tr), each with its
// value and, where the operand is coded, its kept terms (largest first). A
// kind's step rule computes on them (sliceStep, modules/array/PeArrayCore.hpp).
#pragma once
#include <cstdint>
#include <vector>

#include "modules/functional/Term.hpp"

namespace trsim {

struct OperandSlice {
    std::vector<int64_t> values;
    std::vector<Terms> terms;  // one entry per value where the operand is coded, else empty

    // Terms of element k (none for an uncoded operand).
    const Terms& termsAt(std::size_t k) const {
        static const Terms kNone;
        return k < terms.size() ? terms[k] : kNone;
    }
};

}  // namespace trsim
