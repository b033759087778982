// The output collector at the array's south edge: weight stationary, it takes
// the partial sums leaving the bottom row at every step edge and accumulates
// them into the GEMM's output (over reduction folds, as the output buffer
// does); output stationary, it reads every PE's stationary sum at the fold's end.
#pragma once
#include <cstdint>
#include <vector>

#include <systemc>

#include "modules/array/SystolicArrayCore.hpp"
#include "modules/functional/IntTensor.hpp"
#include "modules/structural/LinkTokens.hpp"
#include "modules/structural/StructuralPe.hpp"

namespace trsim {

class OutputCollector : public sc_core::sc_module {
public:
    sc_core::sc_vector<sc_core::sc_in<PsumToken>> south;  // one per array column

    OutputCollector(const sc_core::sc_module_name& name, int cols);

    void beginJob(int64_t M, int64_t N) { out_ = IntTensor({M, N}); }
    // Weight stationary: the sums the bottom row put out at the last step edge.
    void sample(const FoldShape& fold);
    // Output stationary: PE (r, c) holds output (m0 + r, n0 + c).
    void drain(const FoldShape& fold, const std::vector<StructuralPe*>& pes, int cols);
    IntTensor& output() { return out_; }

private:
    IntTensor out_;
};

}  // namespace trsim
