// The systolic array as a SystemC module: one array-level thread that runs
// GEMM jobs fold by fold, calling the PEs' step functions through
// SystolicArrayCore (no process per PE), waiting for DRAM where the
// MemorySystem says so, and advancing simulated time by the cycles each step
// takes.
//   fast mode:     one wait per fold, for the fold's whole duration (the cycles
//                  inside a fold change nothing another module can see);
//   detailed mode: one wait per clock cycle, every PE ticking term pair by pair.
// Tests prove both give the same outputs and cycle counts.
#pragma once
#include <exception>
#include <functional>
#include <systemc>

#include "modules/array/GemmJob.hpp"

namespace trsim {

enum class ArrayTiming { Fast, Detailed };

class SystolicArray : public sc_core::sc_module {
public:
    sc_core::sc_fifo_in<GemmJob*> jobs;
    sc_core::sc_fifo_out<GemmJob*> done;

    // Observable state for waveforms (sc_trace): which fold and step is running,
    // how many PEs work in it, and whether the array waits for memory. Fast mode
    // updates them once per fold; detailed mode every step.
    sc_core::sc_signal<int> foldSignal;
    sc_core::sc_signal<int> stepSignal;
    sc_core::sc_signal<int> activePesSignal;
    sc_core::sc_signal<bool> stallSignal;

    SC_HAS_PROCESS(SystolicArray);
    // `hostThreads`: host threads a fast fold may use (SystolicArrayCore::setHostThreads); results do not
    // depend on it.
    SystolicArray(const sc_core::sc_module_name& name, const ArraySpec& array, const MemorySpec& memory,
                  const sc_core::sc_time& clockPeriod, ArrayTiming timing, int hostThreads = 1);

    void traceSignals(sc_core::sc_trace_file* tf) const;
    // Called after every fold with (folds done, folds of the GEMM): progress on long layers.
    void onFoldDone(std::function<void(int64_t, int64_t)> callback) { foldDone_ = std::move(callback); }
    // The exception that ended the run early (e.g. a fixed slot overrun).
    std::exception_ptr error() const { return error_; }

private:
    void run();  // SC_THREAD
    void execute(GemmJob& job);
    void waitCycles(int64_t cycles);

    ArraySpec spec_;  // what core_ was built for: the array's, or the current job's own (GemmJob::array)
    const ArraySpec base_;
    std::unique_ptr<SystolicArrayCore> core_;
    MemorySystem memory_;
    sc_core::sc_time period_;
    ArrayTiming timing_;
    int hostThreads_;
    std::exception_ptr error_;
    std::function<void(int64_t, int64_t)> foldDone_;
};

}  // namespace trsim
