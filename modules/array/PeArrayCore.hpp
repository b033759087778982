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
//   // Counts `steps` PE-steps that did `work` units of work in total.
//   static void count(ArrayCounters&, int64_t steps, int64_t work);
//   // The work of one value step (0 for a rule without value tiles).
//   static int64_t valueWork(int64_t slot);
#pragma once
#include <algorithm>

#include "modules/array/SystolicArrayCore.hpp"

namespace trsim {

template <class Rule>
class PeArrayCore final : public SystolicArrayCore {
public:
    explicit PeArrayCore(const ArraySpec& spec) : SystolicArrayCore(spec, Rule::kValueTiles), rule_(spec) {}

    int64_t stepFast() override {
        if (Rule::kValueTiles && valueTiles()) {
            countValueStep(stepValuesWeightStationary());
            return slot_;
        }
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

    void beginStepDetailed() override {
        detailedCycle_ = 0;
        detailedMinCycles_ = slot_;
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

private:
    int64_t beginJob(const RevealedOperand& x, const RevealedOperand& w, int64_t stepSlot) override {
        return rule_.beginJob(x, w, stepSlot, spec_);
    }
    int64_t valueStepWork() const override { return Rule::valueWork(slot_); }
    void countValueStep(int64_t active) { Rule::count(counters_, active, active * Rule::valueWork(slot_)); }

    Rule rule_;
};

}  // namespace trsim
