#include "modules/structural/OutputCollector.hpp"

namespace trsim {

OutputCollector::OutputCollector(const sc_core::sc_module_name& name, int cols)
    : sc_core::sc_module(name), south("south", static_cast<std::size_t>(cols)) {}

void OutputCollector::sample(const FoldShape& fold) {
    for (int64_t c = 0; c < fold.colsUsed; ++c) {
        const PsumToken& p = south[static_cast<std::size_t>(c)].read();
        if (p.valid) out_.at2(p.row, fold.n0 + c) += p.value;
    }
}

void OutputCollector::drain(const FoldShape& fold, const std::vector<StructuralPe*>& pes, int cols) {
    for (int64_t r = 0; r < fold.rowsUsed; ++r)
        for (int64_t c = 0; c < fold.colsUsed; ++c)
            out_.at2(fold.m0 + r, fold.n0 + c) = pes[static_cast<std::size_t>(r * cols + c)]->accumulator();
}

}  // namespace trsim
