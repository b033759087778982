// The systolic array's behaviour, step by step, without SystemC: tiling of one
// GEMM (X [M,K] data, W [N,K] weights) into folds, operand skew, partial-sum
// flow, fill and drain. The SystolicArray SC_MODULE drives it and turns the
// cycles it reports into simulated time.
//
// Weight stationary: PE (r, c) holds reduction slice r (reductionPerPe elements)
// of filter c of the fold. Data row m enters array row r at step m + r and moves
// one PE right per step, so PE (r, c) works on row m = t - r - c at step t;
// partial sums move one PE down per step and leave the bottom row. A fold takes
// `rows` preload cycles plus M + rows + cols - 2 steps. With one-cycle steps this
// is SCALE-Sim v2's 2R + C + M - 2 per fold.
// Output stationary: PE (r, c) accumulates output (m0 + r, n0 + c); reduction
// slice j reaches it at step j + r + c; a fold takes G + rows + cols - 2 steps for
// G reduction slices and no preload.
// How long a step lasts depends on the PE kind: a fixed slot that no PE may
// overrun, or the busiest active PE (lock step); links of linkLatency cycles
// add linkLatency - 1 cycles to every step (the lock step waits for values to
// cross them). This class holds what every kind shares; PeArrayCore<Rule>
// (PeArrayCore.hpp) adds a kind's step rule, and the kind's makeCore builds the
// one for a spec (makeArrayCore below).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "modules/array/ArraySpec.hpp"
#include "modules/functional/IntTensor.hpp"
#include "modules/functional/RevealedOperand.hpp"
#include "modules/functional/UninitializedVector.hpp"
#include "modules/pe/OperandSlice.hpp"
#include "modules/pe/StepTrace.hpp"

namespace trsim {

// Counters of one GEMM on the array.
struct ArrayCounters {
    int64_t folds = 0;
    int64_t steps = 0;
    int64_t computeCycles = 0;  // preload + steps + data path latency (no memory stalls)
    int64_t idealCycles = 0;    // as if each PE could run alone (no lock step, no fixed slots)
    int64_t activePeSteps = 0;  // PE-steps with an operand pair to work on
    int64_t macs = 0;           // value products (kinds that multiply element by element)
    int64_t termPairs = 0;      // useful term pairs (term-pair PEs)
    int64_t groupsFlushed = 0;  // coefficient accumulator flushes (term-pair PEs)
    int64_t serialSteps = 0;    // bits or data terms shifted in (bit-serial PEs)

    // Sums over GEMMs (a layer's counters).
    ArrayCounters& operator+=(const ArrayCounters& o) {
        folds += o.folds;
        steps += o.steps;
        computeCycles += o.computeCycles;
        idealCycles += o.idealCycles;
        activePeSteps += o.activePeSteps;
        macs += o.macs;
        termPairs += o.termPairs;
        groupsFlushed += o.groupsFlushed;
        serialSteps += o.serialSteps;
        return *this;
    }
};

struct FoldShape {
    int64_t index = 0;
    int64_t rowFold = 0, colFold = 0;    // fold coordinates
    int64_t rowsUsed = 0, colsUsed = 0;  // PEs with work in this fold
    int64_t red0 = 0, redLen = 0;        // WS: reduction range [red0, red0+redLen)
    int64_t m0 = 0;                      // OS: first output row
    int64_t n0 = 0;                      // first filter (output column)
    int64_t steps = 0;                   // global steps in this fold
};

// One PE's step: the product, the work done (the kind's unit) and the cycles it takes alone.
struct PeStep {
    int64_t product = 0, work = 0, cycles = 1;
};

// How a DataSlice lays out its elements: the rule's column kernel picks it per job.
enum class DataSliceLayout {
    Wide,     // values (32 bits) and counts (8 bits) of element (m, k0 + j) at [j * rows + m]
    Pairs16,  // pairValues and pairCounts (16 bits) of element (m, k0 + j) at
              // [(j / 2) * 2 * pairStride + 2 * m + j % 2], zeros after an odd len and in the rows
              // past `rows`: two elements of a row side by side, as a 16-bit multiply-add takes
              // them, rows padded to whole vectors (pairs16Stride); needs |value| < 2^15
};

// The data one row of a weight-stationary fold streams through its PEs, element
// by element, contiguous over data rows, for a kind's column kernel.
struct DataSlice {
    int64_t k0 = 0, len = 0, rows = 0;
    DataSliceLayout layout = DataSliceLayout::Wide;
    int64_t pairStride = 0;  // Pairs16
    std::vector<int32_t> values;      // Wide
    std::vector<uint8_t> counts;      // Wide
    // Pairs16; every element written by dataSlice (a zero-fill first was a second pass over them).
    UninitializedVector<int16_t> pairValues;
    UninitializedVector<int16_t> pairCounts;
};

class SystolicArrayCore {
public:
    virtual ~SystolicArrayCore() = default;

    // Starts a GEMM; the operands must outlive the job. `stepSlot` > 0 replaces
    // the fixed step length for this job (e.g. a layer's data precision).
    void startJob(const RevealedOperand& x, const RevealedOperand& w, int64_t stepSlot = 0);
    int64_t foldCount() const { return rowFolds_ * colFolds_; }
    int64_t rowFolds() const { return rowFolds_; }
    // The current job's fixed step length (value MACs: 1; stripes: the job's precision).
    int64_t stepSlot() const { return slot_; }
    // PEs that worked in the last step.
    int64_t lastStepActivePes() const { return static_cast<int64_t>(active_.size()); }
    // Sets up the next fold (loads weights for WS); false when the job is done.
    bool beginFold();
    const FoldShape& fold() const { return fold_; }
    // Cycles spent before the first step of the current fold.
    int64_t foldSetupCycles() const;
    bool foldStepsDone() const { return step_ >= fold_.steps; }

    // Fast: runs the current fold's steps back to back (no step is visible from
    // outside a fold) and returns the cycles they take; counters, outputs and
    // cycles equal the detailed path's, step for step.
    virtual int64_t runFoldFast() = 0;
    // Detailed: beginStepDetailed runs every PE's step cycle by cycle through
    // its PE model; then tickDetailed once per clock cycle until it returns true
    // on the step's last cycle.
    virtual void beginStepDetailed() = 0;
    virtual bool tickDetailed() = 0;
    // Structural: one PE's step on the operand slices that reached its ports
    // (modules/structural/StructuralPe), through the kind's rule, counted into
    // `counters` as a step of this core would be. Needs no job. With `trace`
    // (the cycle-level waveform; only when tracesSliceSteps()), the rule records
    // each of the step's operations into it as it does them.
    virtual PeStep sliceStep(const OperandSlice& w, const OperandSlice& x, int64_t slot, ArrayCounters& counters,
                             StepTrace* trace = nullptr) = 0;
    // Whether the kind's rule records its steps for the cycle-level waveform, and
    // how many coefficient counters that waveform shows (0: none, value PEs).
    virtual bool tracesSliceSteps() const = 0;
    virtual int tracedCounters() const = 0;

    // Writes the fold's results to the output; returns the fold's ideal cycles.
    void endFold();

    // Host threads a fast weight-stationary fold may use: with 2 or more, a fold of at least
    // `splitFoldSteps` PE steps and two blocks of data rows shares its blocks with one more thread,
    // started for the fold and joined before runFoldFast returns. Every output, counter and cycle is the
    // same on any number (tests/systolic_array_core_test.cpp). Set before startJob.
    static constexpr int64_t kSplitFoldSteps = int64_t{1} << 20;  // a thread's start is tens of microseconds
    void setHostThreads(int threads, int64_t splitFoldSteps = kSplitFoldSteps) {
        hostThreads_ = threads;
        splitFoldSteps_ = splitFoldSteps;
    }

    const IntTensor& output() const { return out_; }
    // Useful work of every PE over the job, [rows * cols] row-major: MACs (mac)
    // or term pairs (tr).
    const std::vector<int64_t>& peWork() const { return peWork_; }
    const ArrayCounters& counters() const { return counters_; }
    const ArraySpec& spec() const { return spec_; }

protected:
    // `valueTiles`: the kind multiplies whole values in a fixed slot, so
    // weight-stationary folds run on value tiles (stepValuesWeightStationary).
    SystolicArrayCore(const ArraySpec& spec, bool valueTiles);

    struct ActivePe {
        int64_t r, c, m, n, k0, len;
    };
    // Checks the job's operands against the PE and returns the job's step slot.
    virtual int64_t beginJob(const RevealedOperand& x, const RevealedOperand& w, int64_t stepSlot) = 0;
    // Work one whole-value step does (value tiles only).
    virtual int64_t valueStepWork() const = 0;
    // Active PEs of global step t (in row-descending order, as partial sums need).
    void collectActive(int64_t t);
    // Data elements [k0, k0 + len) of every data row (k0 a multiple of
    // reductionPerPe), transposed on first use in a job and kept for its other
    // column folds.
    const DataSlice& dataSlice(int64_t k0, int64_t len, DataSliceLayout layout);
    // The slice dataSlice made for k0 (only reads: safe from several threads once made).
    const DataSlice& madeSlice(int64_t k0) const { return dataSlices_[static_cast<std::size_t>(k0 / spec_.reductionPerPe)]; }
    // Ends a weight-stationary fold run PE by PE: every step lasts stepCycles of
    // its slowest PE (stepSlowest_); returns the fold's step cycles.
    int64_t finishFoldSteps();
    // Records a PE's step: its busy cycles, its work and its product. Inline:
    // the kind's core calls it for every PE-step.
    void account(const ActivePe& a, const PeStep& s) {
        const std::size_t i = static_cast<std::size_t>(a.r * spec_.cols + a.c);
        peBusy_[i] += s.cycles;
        peWork_[i] += s.work;
        applyResult(a, s.product);
    }
    // The step's length: the fixed slot (which no PE may overrun) or the slowest PE.
    int64_t stepCycles(int64_t slowest) const;
    // Cycles a step waits beyond its compute for its values to cross a link.
    int64_t hopCycles() const { return spec_.linkLatency - 1; }
    void applyResult(const ActivePe& a, int64_t product) {
        const std::size_t i = static_cast<std::size_t>(a.r * spec_.cols + a.c);
        if (spec_.dataflow == ArrayDataflow::WeightStationary) {
            // Partial sums flow down: take the value the PE above produced for the same
            // data row one step ago (rows are visited bottom-up, so it is not yet overwritten).
            psum_[i] = (a.r == 0 ? 0 : psum_[i - static_cast<std::size_t>(spec_.cols)]) + product;
            if (a.r == fold_.rowsUsed - 1) out_.at2(a.m, a.n) += psum_[i];  // leaves the array; accumulated over folds
        } else {
            psum_[i] += product;
        }
    }
    void finishStep(int64_t cycles);
    // Weight-stationary value tiles: the hot loop of whole-value kinds, on fold
    // tiles laid out along the data's travel; returns the active PEs.
    int64_t stepValuesWeightStationary();
    bool valueTiles() const { return valueTiles_ && spec_.dataflow == ArrayDataflow::WeightStationary; }

    ArraySpec spec_;
    const RevealedOperand* x_ = nullptr;
    const RevealedOperand* w_ = nullptr;
    int64_t M_ = 0, N_ = 0, K_ = 0, slices_ = 0;
    int64_t rowFolds_ = 0, colFolds_ = 0, nextFold_ = 0;
    FoldShape fold_;
    int64_t step_ = 0;

    IntTensor out_;
    std::vector<int64_t> psum_;     // WS: partial-sum register of every PE; OS: stationary accumulators
    std::vector<int64_t> peBusy_;   // cycles each PE would need alone in this fold
    std::vector<int64_t> peWork_;   // useful work of each PE over the job
    std::vector<ActivePe> active_;
    std::vector<int64_t> wTile_;    // mac WS: weight of PE (r, c) at [r * cols + c]
    std::vector<int64_t> xTile_;    // mac WS: data value row r sees for row m at [r * M + m]
    int64_t slot_ = 1;                   // fixed step length of the current job
    bool valueTiles_ = false;
    std::vector<PeStep> stepResults_;    // detailed mode: each active PE's step, applied at its end
    // Fast weight-stationary folds, run PE by PE (PeArrayCore::foldWeightStationary):
    std::vector<int32_t> stepSlowest_;   // cycles of each step's slowest PE
    std::vector<DataSlice> dataSlices_;  // by k0 / reductionPerPe, filled by dataSlice
    int hostThreads_ = 1;                     // setHostThreads
    int64_t splitFoldSteps_ = kSplitFoldSteps;
    int64_t detailedCycle_ = 0;
    int64_t detailedMinCycles_ = 0;
    ArrayCounters counters_;
};

// The core of spec.pe's kind for this spec.
std::unique_ptr<SystolicArrayCore> makeArrayCore(const ArraySpec& spec);

}  // namespace trsim
