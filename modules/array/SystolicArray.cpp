#include "modules/array/SystolicArray.hpp"

#include <algorithm>

#include "modules/array/GemmJobServer.hpp"
#include "modules/pe/PeKind.hpp"

namespace trsim {

SystolicArray::SystolicArray(const sc_core::sc_module_name& name, const ArraySpec& array, const MemorySpec& memory,
                             const sc_core::sc_time& clockPeriod, ArrayTiming timing, int hostThreads)
    : sc_core::sc_module(name),
      jobs("jobs"),
      done("done"),
      foldSignal("fold"),
      stepSignal("step"),
      activePesSignal("active_pes"),
      stallSignal("stall"),
      spec_(array),
      base_(array),
      core_(makeArrayCore(array)),
      memory_(memory, array.dataflow),
      period_(clockPeriod),
      timing_(timing),
      hostThreads_(hostThreads) {
    core_->setHostThreads(hostThreads_);
    SC_THREAD(run);
}

void SystolicArray::traceSignals(sc_core::sc_trace_file* tf) const {
    sc_core::sc_trace(tf, foldSignal, std::string(name()) + ".fold");
    sc_core::sc_trace(tf, stepSignal, std::string(name()) + ".step");
    sc_core::sc_trace(tf, activePesSignal, std::string(name()) + ".active_pes");
    sc_core::sc_trace(tf, stallSignal, std::string(name()) + ".stall");
}

void SystolicArray::waitCycles(int64_t cycles) {
    if (cycles > 0) wait(period_ * static_cast<double>(cycles));
}

void SystolicArray::run() {
    serveGemmJobs(jobs, done, error_, [this](GemmJob& job) { execute(job); });
}

void SystolicArray::execute(GemmJob& job) {
    // A layer with its own spec (per-layer settings) gets a core built for it; cores hold no state across jobs.
    const ArraySpec& wanted = job.array ? *job.array : base_;
    if (wanted != spec_) {
        spec_ = wanted;
        core_ = makeArrayCore(spec_);
        core_->setHostThreads(hostThreads_);
    }
    core_->startJob(*job.x, *job.w, job.stepSlot);
    memory_.startJob(job.x->rows(), job.x->depth(), job.w->rows(), core_->rowFolds(), job.stored);
    job.stallCycles = 0;
    job.traffic = FoldTraffic{};
    job.foldAverages = FoldAverages{};
    int64_t previousCompute = 0;  // cycles the previous fold computed, hiding this fold's loads
    FoldTraffic previous;
    const auto start = sc_core::sc_time_stamp();
    while (core_->beginFold()) {
        const FoldTraffic t = memory_.foldTraffic(core_->fold());
        // Double buffering: this fold's reads and the previous fold's write-back
        // share the DRAM channel while the previous fold computes.
        const int64_t dram = memory_.dramCycles(t.dramReadBytes + previous.dramWriteBytes);
        const int64_t stall = std::max<int64_t>(0, dram - previousCompute);
        foldSignal.write(static_cast<int>(core_->fold().index));
        if (stall > 0) {
            stallSignal.write(true);
            waitCycles(stall);
            stallSignal.write(false);
            job.stallCycles += stall;
        }
        const ArrayCounters countersBefore = core_->counters();
        const int64_t before = countersBefore.computeCycles;
        waitCycles(core_->foldSetupCycles());
        if (timing_ == ArrayTiming::Fast) {
            // Nothing outside the array can see inside a fold (its operands are
            // already loaded), so the fold's steps run back to back and time
            // advances once, by their total.
            const int64_t foldCycles = core_->runFoldFast();
            stepSignal.write(static_cast<int>(core_->counters().steps));
            waitCycles(foldCycles);
        } else {
            while (!core_->foldStepsDone()) {
                stepSignal.write(static_cast<int>(core_->counters().steps));
                core_->beginStepDetailed();
                activePesSignal.write(static_cast<int>(core_->lastStepActivePes()));
                do {
                    wait(period_);
                } while (!core_->tickDetailed());
            }
        }
        core_->endFold();
        previousCompute = core_->counters().computeCycles - before;
        const PeKind& kind = *core_->spec().pe;
        // SCALE-Sim counts the fold's preload too (previousCompute leaves it out: it hides no loads).
        job.foldAverages.addFold(core_->spec(), core_->fold(), previousCompute + core_->foldSetupCycles(),
                                 kind.usefulWork(core_->counters()) - kind.usefulWork(countersBefore));
        previous = t;
        job.traffic += t;
        if (foldDone_) foldDone_(core_->fold().index + 1, core_->foldCount());
    }
    // The last fold's results go out after it; nothing hides that write.
    const int64_t tail = memory_.dramCycles(previous.dramWriteBytes);
    stallSignal.write(true);
    waitCycles(tail);
    stallSignal.write(false);
    job.stallCycles += tail;
    job.output = core_->output();
    job.counters = core_->counters();
    job.peWork = core_->peWork();
    job.totalCycles = job.counters.computeCycles + job.stallCycles;
    const int64_t elapsed = static_cast<int64_t>((sc_core::sc_time_stamp() - start) / period_ + 0.5);
    if (elapsed != job.totalCycles)
        SC_REPORT_ERROR("trsim/SystolicArray", "simulated time disagrees with the cycle count");
}

}  // namespace trsim
