// sc_spawn (the cycle-level waveform process) needs the dynamic-process API.
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include "modules/structural/StructuralArray.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "modules/array/GemmJobServer.hpp"
#include "modules/pe/PeKind.hpp"

namespace trsim {
namespace {

template <typename T>
std::unique_ptr<sc_core::sc_signal<T>> link(const std::string& kind, int64_t r, int64_t c) {
    return std::make_unique<sc_core::sc_signal<T>>((kind + "_" + std::to_string(r) + "_" + std::to_string(c)).c_str());
}

}  // namespace

StructuralArray::StructuralArray(const sc_core::sc_module_name& name, const ArraySpec& array, const MemorySpec& memory,
                                 const sc_core::sc_time& cycle, const std::optional<RowDataPathSpec>& dataPath)
    : sc_core::sc_module(name),
      jobs("jobs"),
      done("done"),
      spec_(array),
      clock_("clock", cycle),
      plan_(makeArrayCore(array)),
      memory_(memory, array.dataflow),
      streamer_("streamer", array),
      collector_("collector", array.cols),
      layerSignal_("layer"),
      jobSignal_("job"),
      foldSignal_("fold"),
      stepSignal_("step"),
      phaseSignal_("phase"),
      stallSignal_("stall") {
    const int64_t rows = spec_.rows, cols = spec_.cols;
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c <= cols; ++c) dataLinks_.push_back(link<OperandToken>("data", r, c));
    for (int64_t r = 0; r <= rows; ++r)
        for (int64_t c = 0; c < cols; ++c) {
            weightLinks_.push_back(link<OperandToken>("weight", r, c));
            psumLinks_.push_back(link<PsumToken>("psum", r, c));
        }
    auto data = [&](int64_t r, int64_t c) -> sc_core::sc_signal<OperandToken>& {
        return *dataLinks_[static_cast<std::size_t>(r * (cols + 1) + c)];
    };
    auto weight = [&](int64_t r, int64_t c) -> sc_core::sc_signal<OperandToken>& {
        return *weightLinks_[static_cast<std::size_t>(r * cols + c)];
    };
    auto psum = [&](int64_t r, int64_t c) -> sc_core::sc_signal<PsumToken>& {
        return *psumLinks_[static_cast<std::size_t>(r * cols + c)];
    };
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) {
            const std::string pe = "pe_" + std::to_string(r) + "_" + std::to_string(c);
            peModules_.push_back(std::make_unique<StructuralPe>(pe.c_str(), spec_, control_));
            StructuralPe& p = *peModules_.back();
            p.dataIn(data(r, c));
            p.dataOut(data(r, c + 1));
            p.weightIn(weight(r, c));
            p.weightOut(weight(r + 1, c));
            p.psumIn(psum(r, c));
            p.psumOut(psum(r + 1, c));
            pes_.push_back(&p);
        }
    for (int64_t r = 0; r < rows; ++r) streamer_.west[static_cast<std::size_t>(r)](data(r, 0));
    if (dataPath) {
        std::vector<RowDataPath*> paths;
        for (int64_t r = 0; r < rows; ++r) {
            dataPaths_.push_back(
                std::make_unique<RowDataPath>(("data_path_" + std::to_string(r)).c_str(), *dataPath));
            dataPaths_.back()->clk(clock_);
            paths.push_back(dataPaths_.back().get());
        }
        streamer_.setDataPaths(std::move(paths));
    }
    for (int64_t c = 0; c < cols; ++c) {
        streamer_.north[static_cast<std::size_t>(c)](weight(0, c));
        collector_.south[static_cast<std::size_t>(c)](psum(rows, c));
    }
    SC_THREAD(run);
}

void StructuralArray::traceSignals(sc_core::sc_trace_file* tf, bool cycleLevel) {
    traced_ = true;
    if (cycleLevel) {
        cycleTraced_ = true;
        sc_core::sc_trace(tf, clock_, std::string(name()) + ".clk");
        for (StructuralPe* p : pes_) p->traceCycleSignals(tf);
        sc_core::sc_spawn_options options;
        options.spawn_method();
        options.dont_initialize();
        options.set_sensitivity(&clock_.posedge_event());
        options.set_sensitivity(&control_.acted);
        sc_core::sc_spawn([this] { showCycle(); }, (std::string(basename()) + "_waveform").c_str(), &options);
    }
    const std::string n = name();
    sc_core::sc_trace(tf, layerSignal_, n + ".layer");
    sc_core::sc_trace(tf, jobSignal_, n + ".gemm");
    sc_core::sc_trace(tf, foldSignal_, n + ".fold");
    sc_core::sc_trace(tf, stepSignal_, n + ".step");
    sc_core::sc_trace(tf, phaseSignal_, n + ".phase");
    sc_core::sc_trace(tf, stallSignal_, n + ".stall");
    for (StructuralPe* p : pes_) p->traceSignals(tf);
    for (auto& d : dataPaths_) d->traceSignals(tf);
}

void StructuralArray::cycles(int64_t n) {
    if (n <= 0) return;
    wait(clock_.posedge_event());
    if (n > 1) {
        // Sleep to the middle of the cycle before the n-th edge, then wait for that
        // edge: n edges in all, without waking on each of them.
        wait(clock_.period() * (static_cast<double>(n) - 1.5));
        wait(clock_.posedge_event());
    }
    jobCycles_ += n;
}

void StructuralArray::actOnEdge() {
    control_.act.notify();      // every PE runs in this evaluation phase
    wait(sc_core::SC_ZERO_TIME);  // ... and its link writes are visible after it
    if (cycleTraced_) control_.acted.notify();
}

void StructuralArray::showCycle() {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    for (StructuralPe* p : pes_) p->showCycle(now, clock_.period());
}

void StructuralArray::run() {
    int gemm = 0;
    serveGemmJobs(jobs, done, error_, [this, &gemm](GemmJob& job) {
        layerSignal_.write(static_cast<int>(job.layer));
        jobSignal_.write(gemm++);
        execute(job);
    });
}

int64_t StructuralArray::runFold() {
    const FoldShape& fold = plan_->fold();
    ArrayCounters& counters = foldCounters_;
    streamer_.beginFold(fold);
    for (StructuralPe* p : pes_) p->beginFold();
    const int64_t start = jobCycles_;
    if (spec_.dataflow == ArrayDataflow::WeightStationary) {
        control_.phase = ArrayPhase::Preload;
        phaseSignal_.write(static_cast<int>(ArrayPhase::Preload));
        streamer_.drivePreload(0);
        wait(sc_core::SC_ZERO_TIME);  // on the top edge before the first shift
        for (int64_t i = 0; i < spec_.rows; ++i) {
            cycles(1);
            streamer_.drivePreload(i + 1);
            actOnEdge();
        }
    }
    // The data paths' fill: the fold's first slice reaches the west edge.
    streamer_.startDataPaths();
    cycles(plan_->foldSetupCycles() - (jobCycles_ - start));
    const int64_t stepsStart = jobCycles_;
    control_.phase = ArrayPhase::Step;
    phaseSignal_.write(static_cast<int>(ArrayPhase::Step));
    const bool ws = spec_.dataflow == ArrayDataflow::WeightStationary;
    for (int64_t t = 0; t < fold.steps; ++t) {
        cycles(1);
        wait(sc_core::SC_ZERO_TIME);  // the data paths have ticked on this edge
        while (!streamer_.dataReady(t)) {  // a comparator slower than its lanes: wait for the data
            cycles(1);
            wait(sc_core::SC_ZERO_TIME);
        }
        stepSignal_.write(static_cast<int>(t));
        control_.slowest = 0;
        if (ws && t > 0) collector_.sample(fold);  // what the bottom row put out one step ago
        streamer_.driveStep(t);
        wait(sc_core::SC_ZERO_TIME);  // the edge wires settle before the PEs take them
        actOnEdge();
        const int64_t slowest = control_.slowest;
        if (spec_.schedule == TrSchedule::Fixed && slowest > control_.slot)
            throw std::logic_error("fixed schedule: a step needs " + std::to_string(slowest) +
                                   " cycles but its slot is " + std::to_string(control_.slot));
        const int64_t compute = spec_.schedule == TrSchedule::Fixed ? control_.slot : slowest;
        const int64_t length = std::max<int64_t>({compute, spec_.minStepCycles, 1}) + spec_.linkLatency - 1;
        cycles(length - 1);
        counters.steps++;
    }
    if (ws)
        collector_.sample(fold);
    else
        collector_.drain(fold, pes_, spec_.cols);
    int64_t busiest = 0;
    for (StructuralPe* p : pes_) busiest = std::max(busiest, p->foldBusyCycles());
    counters.folds++;
    counters.computeCycles += jobCycles_ - start;
    counters.idealCycles +=
        plan_->foldSetupCycles() + (spec_.rows + spec_.cols - 2) * int64_t{spec_.linkLatency} + busiest;
    return jobCycles_ - stepsStart;
}

void StructuralArray::execute(GemmJob& job) {
    plan_->startJob(*job.x, *job.w, job.stepSlot);  // checks the operands; the fold plan
    control_.slot = plan_->stepSlot();
    memory_.startJob(job.x->rows(), job.x->depth(), job.w->rows(), plan_->rowFolds(), job.stored);
    streamer_.beginJob(*job.x, *job.w, job.xValues);
    collector_.beginJob(job.x->rows(), job.w->rows());
    for (StructuralPe* p : pes_) p->beginJob();
    foldCounters_ = ArrayCounters{};
    jobCycles_ = 0;
    job.stallCycles = 0;
    job.traffic = FoldTraffic{};
    job.foldAverages = FoldAverages{};
    // Useful work so far: the PEs count their own work, the sequencer the cycles.
    auto workSoFar = [this] {
        ArrayCounters sum;
        for (StructuralPe* p : pes_) sum += p->counters();
        return spec_.pe->usefulWork(sum);
    };
    int64_t previousCompute = 0;
    FoldTraffic previous;
    auto stall = [&](int64_t n) {
        if (n <= 0) return;
        stallSignal_.write(true);
        cycles(n);
        stallSignal_.write(false);
        job.stallCycles += n;
    };
    while (plan_->beginFold()) {
        const FoldTraffic t = memory_.foldTraffic(plan_->fold());
        foldSignal_.write(static_cast<int>(plan_->fold().index));
        // Double buffering, as in SystolicArray: this fold's reads and the previous
        // fold's write-back share the DRAM channel while the previous fold computes.
        stall(memory_.dramCycles(t.dramReadBytes + previous.dramWriteBytes) - previousCompute);
        // As in SystolicArray, the next fold's loads overlap this fold's steps.
        const double workBefore = workSoFar();
        const int64_t cyclesBefore = foldCounters_.computeCycles;
        previousCompute = runFold();
        job.foldAverages.addFold(spec_, plan_->fold(), foldCounters_.computeCycles - cyclesBefore,
                                 workSoFar() - workBefore);
        previous = t;
        job.traffic += t;
        if (foldDone_) foldDone_(plan_->fold().index + 1, plan_->foldCount());
    }
    stall(memory_.dramCycles(previous.dramWriteBytes));  // the last fold's write-back
    job.output = std::move(collector_.output());
    job.counters = foldCounters_;
    job.peWork.assign(pes_.size(), 0);
    for (std::size_t i = 0; i < pes_.size(); ++i) {
        const ArrayCounters& c = pes_[i]->counters();
        job.counters.activePeSteps += c.activePeSteps;
        job.counters.macs += c.macs;
        job.counters.termPairs += c.termPairs;
        job.counters.groupsFlushed += c.groupsFlushed;
        job.counters.serialSteps += c.serialSteps;
        job.peWork[i] = pes_[i]->work();
    }
    job.totalCycles = jobCycles_;
    if (job.totalCycles != job.counters.computeCycles + job.stallCycles)
        SC_REPORT_ERROR("trsim/StructuralArray", "clock edges disagree with the cycle count");
}

}  // namespace trsim
