// The systolic array elaborated from modules (simulation.mode: structural): a
// StructuralPe per PE, sc_signal links between neighbours (operands west to
// east; partial sums, or output-stationary weights, north to south), the input
// streamer at the west and north edges (fed, for tr, by a RowDataPath of HESE
// encoders and a term comparator per row), the output collector at the south
// edge, all on one sc_clock. Its sequencer thread is the array controller: per GEMM
// job it plans the folds (SystolicArrayCore's fold plan), waits out memory stalls
// (MemorySystem, as in the other modes), shifts weights in (weight stationary),
// starts the data paths and waits for their first slices, then drives the lock step: on a step's first clock
// edge every PE computes with what reached its ports and reports its cycles;
// the step lasts the fixed slot or the slowest PE (plus link latency - 1), and
// the next step begins on the following edge. Same ports as SystolicArray, so
// the Controller and the rest of the run do not know which array they drive.
#pragma once
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <systemc>

#include "modules/array/GemmJob.hpp"
#include "modules/memory/MemorySystem.hpp"
#include "modules/structural/EdgeStreamer.hpp"
#include "modules/structural/OutputCollector.hpp"
#include "modules/structural/RowDataPath.hpp"
#include "modules/structural/StepControl.hpp"
#include "modules/structural/StructuralPe.hpp"

namespace trsim {

class StructuralArray : public sc_core::sc_module {
public:
    sc_core::sc_fifo_in<GemmJob*> jobs;
    sc_core::sc_fifo_out<GemmJob*> done;

    SC_HAS_PROCESS(StructuralArray);
    // `cycle`: the clock period; `dataPath`: the rows' run-time data path (tr), none for
    // PEs that take data as stored.
    StructuralArray(const sc_core::sc_module_name& name, const ArraySpec& array, const MemorySpec& memory,
                    const sc_core::sc_time& cycle, const std::optional<RowDataPathSpec>& dataPath = std::nullopt);

    // Every PE's operand in, partial sum, term pairs and busy; the array's job,
    // fold, step, phase and stall markers. One clock period per cycle. With
    // `cycleLevel` (outputs.vcd_level: cycle) also the clock and every PE's
    // cycle-level signals (StructuralPe::traceCycleSignals), written by one
    // process on every clock edge and after the PEs act on a step's first edge.
    void traceSignals(sc_core::sc_trace_file* tf, bool cycleLevel = false);
    void onFoldDone(std::function<void(int64_t, int64_t)> callback) { foldDone_ = std::move(callback); }
    std::exception_ptr error() const { return error_; }

private:
    void run();  // SC_THREAD: the sequencer
    void execute(GemmJob& job);
    void cycles(int64_t n);  // waits n clock edges
    void actOnEdge();        // the PEs act on this edge (returns once they have)
    void showCycle();        // the cycle-level waveform process
    int64_t runFold();  // returns the cycles of the fold's steps

    ArraySpec spec_;
    sc_core::sc_clock clock_;
    StepControl control_;
    std::unique_ptr<SystolicArrayCore> plan_;  // fold plan only: its counters are not reported
    MemorySystem memory_;
    EdgeStreamer streamer_;
    OutputCollector collector_;
    std::vector<std::unique_ptr<StructuralPe>> peModules_;
    std::vector<StructuralPe*> pes_;  // [r * cols + c]
    std::vector<std::unique_ptr<RowDataPath>> dataPaths_;  // one per row (tr)
    // Links: data[r][c] feeds PE (r, c) from the west (c = cols: the east edge),
    // weight[r][c] and psum[r][c] feed PE (r, c) from the north (r = rows: the south edge).
    std::vector<std::unique_ptr<sc_core::sc_signal<OperandToken>>> dataLinks_, weightLinks_;
    std::vector<std::unique_ptr<sc_core::sc_signal<PsumToken>>> psumLinks_;
    sc_core::sc_signal<int> layerSignal_, jobSignal_, foldSignal_, stepSignal_, phaseSignal_;
    sc_core::sc_signal<bool> stallSignal_;
    bool traced_ = false;
    bool cycleTraced_ = false;
    int64_t jobCycles_ = 0;  // clock edges the current job has taken
    ArrayCounters foldCounters_;  // folds, steps, compute and ideal cycles of the job (PEs count their work)
    std::exception_ptr error_;
    std::function<void(int64_t, int64_t)> foldDone_;
};

}  // namespace trsim
