// The array core compiled for one PE kind's step rule: the per-PE calls of the
// hot loops are direct (inlined) calls into Rule, not a switch or a virtual call.
// A kind's file defines its Rule and returns PeArrayCore<Rule> from makeCore.
//
// A Rule provides:
//   static constexpr bool kValueTiles;  // whole binary values in a fixed slot: weight-stationary
//                                       // folds run on value tiles (product w * x, `slot` cycles)
//   explicit Rule(const ArraySpec&);
//   // Checks the job's operands (throws std::invalid_argument) and returns its
//   // step slot; stepSlot > 0 is the controller's per-layer slot.
//   int64_t beginJob(const RevealedOperand& x, const RevealedOperand& w, int64_t stepSlot, const ArraySpec&);
//   // One PE's step over elements [k0, k0 + len) of weight row n and data row m,
//   // in closed form (fast) or cycle by cycle through the PE model (detailed);
//   // both give the same PeStep {product, work, cycles alone}.
//   PeStep fastStep(const RevealedOperand& w, int64_t n, const RevealedOperand& x, int64_t m,
//                   int64_t k0, int64_t len, int64_t slot) const;
//   PeStep detailedStep(same arguments);
//   // Optional: fastStep over every data row of a weight-stationary fold's row
//   // at once (see HasFastColumn below); must equal fastStep row by row.
//   int64_t fastColumn(const RevealedOperand& w, int64_t n, const DataSlice& x, int64_t slot,
//                      int64_t* products, int32_t* cycles);
//   // With fastColumn: the layout of the DataSlices it takes in the current job.
//   DataSliceLayout sliceLayout() const;
//   // The same step on the operand slices at a structural PE's ports (elements
//   // of one PE step, with their kept terms where the operand is coded): the
//   // PE model cycle by cycle, as detailedStep.
//   PeStep sliceStep(const OperandSlice& w, const OperandSlice& x, int64_t slot);
//   // Optional, for the cycle-level waveform (outputs.vcd_level: cycle): the same
//   // step recording each operation into `trace` when it is given, and the
//   // coefficient counters that waveform shows (modules/pe/StepTrace.hpp).
//   PeStep sliceStep(const OperandSlice& w, const OperandSlice& x, int64_t slot, StepTrace* trace);
//   int tracedCounters() const;
//   // Counts `steps` PE-steps that did `work` units of work in total.
//   static void count(ArrayCounters&, int64_t steps, int64_t work);
//   // The work of one value step (0 for a rule without value tiles).
//   static int64_t valueWork(int64_t slot);
#pragma once
#include <algorithm>
#include <future>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "modules/array/FoldSlowest.hpp"
#include "modules/array/SystolicArrayCore.hpp"

namespace trsim {

template <class Rule>
class PeArrayCore final : public SystolicArrayCore {
public:
    explicit PeArrayCore(const ArraySpec& spec) : SystolicArrayCore(spec, Rule::kValueTiles), rule_(spec) {}

    int64_t runFoldFast() override {
        int64_t cycles = 0;
        if (Rule::kValueTiles && valueTiles()) {
            while (!foldStepsDone()) {
                countValueStep(stepValuesWeightStationary());
                cycles += slot_ + hopCycles();
            }
        } else if (spec_.dataflow == ArrayDataflow::WeightStationary) {
            cycles = foldWeightStationary();
        } else {
            while (!foldStepsDone()) cycles += stepOutputStationary();
        }
        return cycles;
    }

    void beginStepDetailed() override {
        detailedCycle_ = 0;
        detailedMinCycles_ = slot_ + hopCycles();
        if (Rule::kValueTiles && valueTiles()) return;
        collectActive(step_);
        // PEs do not interact inside a step (operands and partial sums move between
        // steps), so each PE's cycles are run back to back here, through its PE
        // model, and the step lasts as long as the slowest PE (or the fixed slot).
        // Running PE after PE instead of cycle after cycle keeps one PE's state in
        // cache; the cycles are the same. Results wait until the step's last cycle.
        int64_t slowest = 0;
        stepResults_.resize(active_.size());
        for (std::size_t i = 0; i < active_.size(); ++i) {
            const ActivePe& a = active_[i];
            stepResults_[i] = rule_.detailedStep(*w_, a.n, *x_, a.m, a.k0, a.len, slot_);
            slowest = std::max(slowest, stepResults_[i].cycles);
        }
        detailedMinCycles_ = stepCycles(slowest);
    }

    bool tickDetailed() override {
        if (++detailedCycle_ < detailedMinCycles_) return false;
        if (Rule::kValueTiles && valueTiles()) {
            // Value tiles compute whole products (bit-serial PE models are tested to
            // compute the same bit by bit); the step's results appear on its last cycle.
            countValueStep(stepValuesWeightStationary());
            return true;
        }
        for (std::size_t j = 0; j < active_.size(); ++j) {
            Rule::count(counters_, 1, stepResults_[j].work);
            account(active_[j], stepResults_[j]);
        }
        counters_.activePeSteps += static_cast<int64_t>(active_.size());
        finishStep(detailedCycle_);
        return true;
    }

    PeStep sliceStep(const OperandSlice& w, const OperandSlice& x, int64_t slot, ArrayCounters& counters,
                     StepTrace* trace) override {
        PeStep s;
        if constexpr (HasTracedSlice<Rule>::value) {
            s = rule_.sliceStep(w, x, slot, trace);
        } else {
            if (trace) throw std::logic_error("this PE kind's step rule does not record its steps (cycle-level VCD)");
            s = rule_.sliceStep(w, x, slot);
        }
        Rule::count(counters, 1, s.work);
        counters.activePeSteps++;
        return s;
    }

    bool tracesSliceSteps() const override { return HasTracedSlice<Rule>::value; }
    int tracedCounters() const override {
        if constexpr (HasTracedSlice<Rule>::value)
            return rule_.tracedCounters();
        else
            return 0;
    }

private:
    // Rule::sliceStep with a StepTrace (optional): the cycle-level waveform.
    template <class R, class = void>
    struct HasTracedSlice : std::false_type {};
    template <class R>
    struct HasTracedSlice<R, std::void_t<decltype(std::declval<R&>().sliceStep(
                                 std::declval<const OperandSlice&>(), std::declval<const OperandSlice&>(), int64_t{},
                                 static_cast<StepTrace*>(nullptr)))>> : std::true_type {};

    // Rule::fastColumn (optional): fastStep of PE (n, elements [k0, k0 + len)) with
    // every data row m of the slice at once, vectorized over m; adds each product to
    // products[m], writes each step's cycles to cycles[m], returns the work.
    template <class R, class = void>
    struct HasFastColumn : std::false_type {};
    template <class R>
    struct HasFastColumn<R, std::void_t<decltype(&R::fastColumn)>> : std::true_type {};

    // PE (n, elements [k0, k0 + len)) meeting data rows [m0, m0 + rows): row m0 + i's product added to
    // products[i], its step's cycles written to cycles[i]; returns the work.
    int64_t column(Rule& rule, int64_t n, int64_t k0, int64_t len, int64_t m0, int64_t rows, int64_t* products,
                   int32_t* cycles) {
        if constexpr (HasFastColumn<Rule>::value) {
            return rule.fastColumn(*w_, n, madeSlice(k0), slot_, m0, rows, products, cycles);
        } else {
            int64_t work = 0;
            for (int64_t i = 0; i < rows; ++i) {
                const PeStep s = rule.fastStep(*w_, n, *x_, m0 + i, k0, len, slot_);
                products[i] += s.product;
                cycles[i] = static_cast<int32_t>(s.cycles);
                work += s.work;
            }
            return work;
        }
    }

    // Data rows a weight-stationary fold takes at a time (a multiple of 32, the kernels' register
    // blocks): every PE of the fold meets a block's rows before the next block, so the block's data
    // slices, the columns' partial sums (8 bytes a row and column: 256 KiB, the size of a core's L2)
    // and the steps' lengths stay in cache; PE after PE over all of a layer's rows streamed them from
    // memory (VGG-16's conv1_2: 50,176 rows).
    static int64_t foldRowBlock(int64_t cols) { return std::max<int64_t>(64, (int64_t{1} << 15) / cols / 32 * 32); }

    // A weight-stationary fold PE by PE: PE (r, c) meets data row m at step
    // m + r + c, and partial sums only add up down a column, so each PE's steps
    // run back to back (column sums kept per block of rows) and each step's length
    // is the slowest of the PEs that meet it. Rows go a block at a time
    // (foldRowBlock): the maxima, sums and busy cycles do not depend on the order
    // PEs and rows are met in.
    int64_t foldWeightStationary() {
        const int64_t M = M_, cols = fold_.colsUsed;
        const int64_t block = std::min(M, foldRowBlock(cols));
        const int64_t blocks = (M + block - 1) / block;
        const std::size_t pes = static_cast<std::size_t>(spec_.rows) * spec_.cols;
        stepSlowest_.assign(static_cast<std::size_t>(fold_.steps), 0);
        // A large fold's row blocks are shared with a second host thread (setHostThreads): blocks are
        // independent but for the steps' maxima and the PEs' busy cycles and work, which the helper keeps
        // apart and adds in after (a max and sums: the same results on any number of threads). The output
        // rows of a block are its own.
        const bool split = hostThreads_ > 1 && blocks > 1 && fold_.rowsUsed * cols * M >= splitFoldSteps_;
        if (!split) {
            makeSlices(0, fold_.rowsUsed);
            const int64_t work = foldBlocks(rule_, 0, blocks, block, main_, stepSlowest_.data(), peBusy_.data(),
                                            peWork_.data());
            return finishFold(work);
        }
        // The fold's data slices are made first, half by each thread (each slice is its own), then the blocks.
        const int64_t half = fold_.rowsUsed / 2;
        std::future<void> other = std::async(std::launch::async, [this, half] { makeSlices(half, fold_.rowsUsed); });
        makeSlices(0, half);
        other.get();
        helperSlowest_.assign(static_cast<std::size_t>(fold_.steps), 0);
        helperBusy_.assign(pes, 0);
        helperWork_.assign(pes, 0);
        const int64_t mid = blocks / 2;
        std::future<int64_t> helper = std::async(std::launch::async, [&] {
            return foldBlocks(*helperRule_, mid, blocks, block, helperScratch_, helperSlowest_.data(),
                              helperBusy_.data(), helperWork_.data());
        });
        int64_t work = foldBlocks(rule_, 0, mid, block, main_, stepSlowest_.data(), peBusy_.data(), peWork_.data());
        work += helper.get();
        for (std::size_t t = 0; t < stepSlowest_.size(); ++t) stepSlowest_[t] = std::max(stepSlowest_[t], helperSlowest_[t]);
        for (std::size_t i = 0; i < pes; ++i) {
            peBusy_[i] += helperBusy_[i];
            peWork_[i] += helperWork_[i];
        }
        return finishFold(work);
    }

    // The data slices of the fold's PE rows [r0, r1), for the rule's column kernel (none without one).
    void makeSlices(int64_t r0, int64_t r1) {
        if constexpr (HasFastColumn<Rule>::value) {
            const int64_t g = spec_.reductionPerPe;
            for (int64_t r = r0; r < r1; ++r) {
                const int64_t k0 = fold_.red0 + r * g;
                dataSlice(k0, std::min<int64_t>(g, K_ - k0), rule_.sliceLayout());
            }
        }
    }

    // A thread's buffers for foldBlocks.
    struct FoldScratch {
        std::vector<int64_t> sums;    // [c * block + i]: column c's sum of a block's row i
        std::vector<int32_t> cycles;  // one PE's cycles for every row of a block
    };

    // Row blocks [b0, b1) of the fold (blocks of `block` rows) through `rule`: every PE meets a block's
    // rows before the next block; the steps' maxima go to slowest, each PE's busy cycles and work to
    // busy and peWork ([r * cols + c]), the sums into the output (each block's rows its own). Returns
    // the work done. The fold's data slices must exist.
    int64_t foldBlocks(Rule& rule, int64_t b0, int64_t b1, int64_t block, FoldScratch& scratch, int32_t* slowest,
                       int64_t* busy, int64_t* peWork) {
        const int64_t g = spec_.reductionPerPe, M = M_, cols = fold_.colsUsed;
        scratch.sums.resize(static_cast<std::size_t>(cols * block));
        scratch.cycles.resize(static_cast<std::size_t>(block));
        int64_t work = 0;
        for (int64_t b = b0; b < b1; ++b) {
            const int64_t m0 = b * block, rows = std::min(block, M - m0);
            std::fill(scratch.sums.begin(), scratch.sums.end(), 0);
            for (int64_t r = 0; r < fold_.rowsUsed; ++r) {
                const int64_t k0 = fold_.red0 + r * g, len = std::min<int64_t>(g, K_ - k0);
                for (int64_t c = 0; c < cols; ++c) {
                    const int64_t peWorkDone = column(rule, fold_.n0 + c, k0, len, m0, rows,
                                                      &scratch.sums[static_cast<std::size_t>(c * block)],
                                                      scratch.cycles.data());
                    const std::size_t i = static_cast<std::size_t>(r * spec_.cols + c);
                    busy[i] += foldSlowest(&slowest[static_cast<std::size_t>(r + c + m0)], scratch.cycles.data(), rows);
                    peWork[i] += peWorkDone;
                    work += peWorkDone;
                }
            }
            // The block's column sums leave the array into the output, a row at a time (a row's columns
            // are adjacent there; a column at a time missed the cache at every element).
            for (int64_t i = 0; i < rows; ++i) {
                int64_t* out = &out_.at2(m0 + i, fold_.n0);
                for (int64_t c = 0; c < cols; ++c) out[c] += scratch.sums[static_cast<std::size_t>(c * block + i)];
            }
        }
        return work;
    }

    int64_t finishFold(int64_t work) {
        const int64_t peSteps = fold_.rowsUsed * fold_.colsUsed * M_;
        Rule::count(counters_, peSteps, work);
        counters_.activePeSteps += peSteps;
        active_.clear();
        return finishFoldSteps();
    }

    // One output-stationary step: every active PE through the rule's fastStep.
    int64_t stepOutputStationary() {
        collectActive(step_);
        int64_t slowest = 0;
        for (const ActivePe& a : active_) {
            const PeStep s = rule_.fastStep(*w_, a.n, *x_, a.m, a.k0, a.len, slot_);
            slowest = std::max(slowest, s.cycles);
            Rule::count(counters_, 1, s.work);
            account(a, s);
        }
        counters_.activePeSteps += static_cast<int64_t>(active_.size());
        const int64_t cycles = stepCycles(slowest);
        finishStep(cycles);
        return cycles;
    }

    int64_t beginJob(const RevealedOperand& x, const RevealedOperand& w, int64_t stepSlot) override {
        if (hostThreads_ > 1) {
            if (!helperRule_) helperRule_ = std::make_unique<Rule>(spec_);
            helperRule_->beginJob(x, w, stepSlot, spec_);
        }
        return rule_.beginJob(x, w, stepSlot, spec_);
    }
    int64_t valueStepWork() const override { return Rule::valueWork(slot_); }
    void countValueStep(int64_t active) { Rule::count(counters_, active, active * Rule::valueWork(slot_)); }

    Rule rule_;
    // The second host thread's rule (it has scratch of its own) and what it keeps apart until the
    // fold's end (foldWeightStationary); unused on one thread.
    std::unique_ptr<Rule> helperRule_;
    FoldScratch main_, helperScratch_;
    std::vector<int32_t> helperSlowest_;
    std::vector<int64_t> helperBusy_, helperWork_;
};

}  // namespace trsim
