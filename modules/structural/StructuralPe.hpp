// One processing element of the structural array as a SystemC module, with its
// ports to its neighbours:
//   dataIn (west) -> dataOut (east):      data operand slices;
//   weightIn (north) -> weightOut (south): weight stationary: weights shifted
//                                          down the column during preload;
//                                          output stationary: weight slices
//                                          streaming down every step;
//   psumIn (north) -> psumOut (south):     weight stationary: partial sums.
// On every step edge the PE takes what its neighbours put on its input links at
// the previous step edge, computes with exactly those operands (its kind's step
// rule, SystolicArrayCore::sliceStep, from the kind's makeCore),
// reports the cycles it needs to the lock step, and puts its results on its
// output links; neighbours take them at the next step edge, so values move one
// PE per step as in SystolicArrayCore. Weight stationary: a PE of a row the fold
// does not use passes the partial sum from above unchanged. Output stationary:
// the PE keeps its sum; the collector reads it at the fold's end.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include <systemc>

#include "modules/array/SystolicArrayCore.hpp"
#include "modules/pe/StepTrace.hpp"
#include "modules/structural/LinkTokens.hpp"
#include "modules/structural/StepControl.hpp"

namespace trsim {

class StructuralPe : public sc_core::sc_module {
public:
    sc_core::sc_in<OperandToken> dataIn;
    sc_core::sc_out<OperandToken> dataOut;
    sc_core::sc_in<OperandToken> weightIn;
    sc_core::sc_out<OperandToken> weightOut;
    sc_core::sc_in<PsumToken> psumIn;
    sc_core::sc_out<PsumToken> psumOut;

    SC_HAS_PROCESS(StructuralPe);
    StructuralPe(const sc_core::sc_module_name& name, const ArraySpec& spec, StepControl& control);

    // Called by the sequencer between folds and jobs.
    void beginFold();
    void beginJob();

    int64_t accumulator() const { return accumulator_; }      // output stationary
    int64_t foldBusyCycles() const { return foldBusy_; }      // cycles this PE needed in the fold
    int64_t work() const { return work_; }                    // useful work over the job
    const ArrayCounters& counters() const { return counters_; }

    // Waveform: operand in, weight held or passing, partial sum out, term pairs of
    // the step and busy (an operand pair this step).
    void traceSignals(sc_core::sc_trace_file* tf);
    // Cycle-level waveform (outputs.vcd_level: cycle; the kind's rule must record
    // its steps, SystolicArrayCore::tracesSliceSteps): per reduction element the
    // data and weight values and their kept terms (masks of + and - exponents),
    // the op in progress (pair_*: element, weight term, data term, counter), the
    // coefficient counters, the running binary value of the step (acc), the
    // partial sum in and out. The PE computes a whole step on its first edge
    // (its rule records each op); showCycle, called on every clock edge by the
    // array's one waveform process (the signals' only writer), shows op i in
    // cycle i / pairsPerCycle of the step.
    void traceCycleSignals(sc_core::sc_trace_file* tf);
    void showCycle(const sc_core::sc_time& now, const sc_core::sc_time& period);

private:
    void onEdge();  // SC_METHOD on control.act
    void stepWeightStationary();
    void stepOutputStationary();
    void account(const PeStep& s);

    ArraySpec spec_;
    StepControl& control_;
    std::unique_ptr<SystolicArrayCore> rule_;  // the kind's step rule (no job: only sliceStep is used)
    const OperandSlice* weight_ = nullptr;  // weight stationary: the held slice
    int64_t accumulator_ = 0;
    int64_t foldBusy_ = 0;
    int64_t work_ = 0;
    ArrayCounters counters_;
    bool traced_ = false;
    sc_core::sc_signal<int64_t> pairsSignal_;
    sc_core::sc_signal<bool> busySignal_;

    // Cycle-level waveform: what the PE took and did on its last step's first
    // edge (copied: the slices belong to the fold's operand buffer), and the signals.
    struct OperandView {
        std::vector<int64_t> values;
        std::vector<uint32_t> plus, minus;  // bit e set: a kept term +2^e (-2^e)
        void take(const OperandSlice* slice, std::size_t elements);
    };
    template <typename T>
    using Signals = std::vector<std::unique_ptr<sc_core::sc_signal<T>>>;
    void stepTaken(const OperandSlice* x, int64_t base);
    bool cycleLevel_ = false;
    StepTrace stepTrace_;
    OperandView dataView_, weightView_;
    int64_t stepBase_ = 0;        // partial sum entering the step (output stationary: the PE's sum so far)
    sc_core::sc_time stepStart_;  // the step's first edge
    bool stepped_ = false;        // a step has been taken in this job
    Signals<int64_t> dataSig_, weightSig_;
    Signals<uint32_t> dataPlusSig_, dataMinusSig_, weightPlusSig_, weightMinusSig_;
    Signals<int64_t> pairElementSig_, pairWeightSig_, pairDataSig_, pairCounterSig_;  // one per op lane
    Signals<int64_t> counterSig_;
    std::unique_ptr<sc_core::sc_signal<int64_t>> accSig_, psumInSig_, psumOutSig_, stepCycleSig_;
};

}  // namespace trsim
