#include "modules/array/SystolicArrayCore.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "modules/pe/MacPe.hpp"
#include "modules/pe/PragmaticPe.hpp"
#include "modules/pe/StripesPe.hpp"

namespace trsim {
namespace {

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

int largestExponent(const RevealedOperand& a) {
    int most = 0;
    for (int64_t i = 0; i < a.keptTerms(); ++i) most = std::max<int>(most, a.allTerms()[i].exponent);
    return most;
}

}  // namespace

SystolicArrayCore::SystolicArrayCore(const ArraySpec& spec)
    : spec_(spec), trPe_(spec.coefficientCounters, spec.pairsPerCycle) {
    if (spec.rows < 1 || spec.cols < 1 || spec.reductionPerPe < 1 || spec.pairsPerCycle < 1)
        throw std::invalid_argument("SystolicArrayCore: rows, cols, reductionPerPe and pairsPerCycle must be >= 1");
}

void SystolicArrayCore::startJob(const RevealedOperand& x, const RevealedOperand& w, int64_t stepSlot) {
    if (x.depth() != w.depth())
        throw std::invalid_argument("SystolicArrayCore: data K=" + std::to_string(x.depth()) +
                                    " differs from weights K=" + std::to_string(w.depth()));
    const bool counters = spec_.pe == ArrayPe::Tr || spec_.pe == ArrayPe::Laconic;
    if (counters && !trPe_.accumulator().covers(largestExponent(w), largestExponent(x)))
        throw std::invalid_argument("SystolicArrayCore: " + std::to_string(spec_.coefficientCounters) +
                                    " coefficient counters cannot hold exponent sums up to " +
                                    std::to_string(largestExponent(w) + largestExponent(x)));
    x_ = &x;
    w_ = &w;
    // Value MACs take one cycle whatever the slot says; other kinds use the job's or the spec's slot.
    const bool oneCycle = spec_.pe == ArrayPe::Mac || spec_.pe == ArrayPe::DnaTeq;
    slot_ = oneCycle ? 1 : stepSlot > 0 ? stepSlot : spec_.fixedStepCycles;
    M_ = x.rows();
    N_ = w.rows();
    K_ = x.depth();
    slices_ = ceilDiv(K_, spec_.reductionPerPe);
    const bool ws = spec_.dataflow == ArrayDataflow::WeightStationary;
    rowFolds_ = ceilDiv(ws ? slices_ : M_, spec_.rows);
    colFolds_ = ceilDiv(N_, spec_.cols);
    nextFold_ = 0;
    out_ = IntTensor({M_, N_});
    counters_ = ArrayCounters{};
    peWork_.assign(static_cast<std::size_t>(spec_.rows) * spec_.cols, 0);
}

int64_t SystolicArrayCore::foldSetupCycles() const {
    const int64_t latency = spec_.pe == ArrayPe::Tr ? spec_.dataPathLatency : 0;
    // WS: weights shift down the columns, one row per cycle, before data flows.
    return (spec_.dataflow == ArrayDataflow::WeightStationary ? spec_.rows : 0) + latency;
}

bool SystolicArrayCore::beginFold() {
    if (!x_ || nextFold_ >= foldCount()) return false;
    const int64_t f = nextFold_++;
    FoldShape s;
    s.index = f;
    s.colFold = f / rowFolds_;
    s.rowFold = f % rowFolds_;
    s.n0 = s.colFold * spec_.cols;
    s.colsUsed = std::min<int64_t>(spec_.cols, N_ - s.n0);
    if (spec_.dataflow == ArrayDataflow::WeightStationary) {
        s.rowsUsed = std::min<int64_t>(spec_.rows, slices_ - s.rowFold * spec_.rows);
        s.red0 = s.rowFold * spec_.rows * spec_.reductionPerPe;
        s.redLen = std::min<int64_t>(K_ - s.red0, s.rowsUsed * spec_.reductionPerPe);
        s.steps = M_ + spec_.rows + spec_.cols - 2;
    } else {
        s.m0 = s.rowFold * spec_.rows;
        s.rowsUsed = std::min<int64_t>(spec_.rows, M_ - s.m0);
        s.red0 = 0;
        s.redLen = K_;
        s.steps = slices_ + spec_.rows + spec_.cols - 2;
    }
    fold_ = s;
    step_ = 0;
    psum_.assign(static_cast<std::size_t>(spec_.rows) * spec_.cols, 0);
    if (fixedValuePe() && spec_.dataflow == ArrayDataflow::WeightStationary) {
        // Weight preload: PE (r, c) keeps W[n0 + c][red0 + r].
        wTile_.assign(psum_.size(), 0);
        xTile_.assign(static_cast<std::size_t>(s.rowsUsed * M_), 0);
        for (int64_t r = 0; r < s.rowsUsed; ++r) {
            for (int64_t c = 0; c < s.colsUsed; ++c)
                wTile_[static_cast<std::size_t>(r * spec_.cols + c)] = w_->value(s.n0 + c, s.red0 + r);
            for (int64_t m = 0; m < M_; ++m) xTile_[static_cast<std::size_t>(r * M_ + m)] = x_->value(m, s.red0 + r);
        }
    }
    peBusy_.assign(psum_.size(), 0);
    counters_.folds++;
    counters_.computeCycles += foldSetupCycles();
    return true;
}

void SystolicArrayCore::collectActive(int64_t t) {
    active_.clear();
    const int64_t g = spec_.reductionPerPe;
    for (int64_t r = fold_.rowsUsed - 1; r >= 0; --r) {
        // Columns whose operand index (t - r - c) is in range: an interval.
        const int64_t span = spec_.dataflow == ArrayDataflow::WeightStationary ? M_ : slices_;
        const int64_t cLo = std::max<int64_t>(0, t - r - span + 1);
        const int64_t cHi = std::min<int64_t>(fold_.colsUsed - 1, t - r);
        for (int64_t c = cLo; c <= cHi; ++c) {
            const int64_t idx = t - r - c;
            ActivePe a{r, c, 0, fold_.n0 + c, 0, 0};
            if (spec_.dataflow == ArrayDataflow::WeightStationary) {
                a.m = idx;
                a.k0 = fold_.red0 + r * g;
            } else {
                a.m = fold_.m0 + r;
                a.k0 = idx * g;
            }
            a.len = std::min<int64_t>(g, K_ - a.k0);
            active_.push_back(a);
        }
    }
}


void SystolicArrayCore::applyResult(const ActivePe& a, int64_t product) {
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

void SystolicArrayCore::finishStep(int64_t cycles) {
    counters_.steps++;
    counters_.computeCycles += cycles;
    ++step_;
}

bool SystolicArrayCore::fixedValuePe() const {
    return spec_.pe == ArrayPe::Mac || spec_.pe == ArrayPe::DnaTeq || spec_.pe == ArrayPe::Stripes;
}

void SystolicArrayCore::stepValuesWeightStationary() {
    const int64_t t = step_;
    const int64_t cols = spec_.cols;
    int64_t active = 0;
    for (int64_t r = fold_.rowsUsed - 1; r >= 0; --r) {
        const int64_t cLo = std::max<int64_t>(0, t - r - M_ + 1);
        const int64_t cHi = std::min<int64_t>(fold_.colsUsed - 1, t - r);
        if (cLo > cHi) continue;
        int64_t* psum = &psum_[static_cast<std::size_t>(r * cols)];
        const int64_t* above = r > 0 ? psum - cols : nullptr;
        const int64_t* w = &wTile_[static_cast<std::size_t>(r * cols)];
        const int64_t* x = &xTile_[static_cast<std::size_t>(r * M_)];
        // Same arithmetic as MacPe::step; PE (r, c) sees data row m = t - r - c.
        for (int64_t c = cLo; c <= cHi; ++c) psum[c] = MacPe::step(above ? above[c] : 0, w[c], x[t - r - c]);
        if (r == fold_.rowsUsed - 1)
            for (int64_t c = cLo; c <= cHi; ++c) out_.at2(t - r - c, fold_.n0 + c) += psum[c];
        active += cHi - cLo + 1;
    }
    counters_.macs += active;
    if (spec_.pe == ArrayPe::Stripes) counters_.serialSteps += active * slot_;
    counters_.activePeSteps += active;
    finishStep(slot_ + hopCycles());
}

SystolicArrayCore::PeStep SystolicArrayCore::fastPeStep(const ActivePe& a) const {
    PeStep s;
    switch (spec_.pe) {
        case ArrayPe::Mac:
        case ArrayPe::DnaTeq:
            s.product = MacPe::step(0, w_->value(a.n, a.k0), x_->value(a.m, a.k0));
            s.work = 1;
            break;
        case ArrayPe::Stripes:
            s.product = StripesPe::fastProduct(w_->value(a.n, a.k0), x_->value(a.m, a.k0));
            s.work = slot_;
            break;
        case ArrayPe::Pragmatic:
            s.product = w_->value(a.n, a.k0) * x_->value(a.m, a.k0);
            s.work = x_->termCount(a.m, a.k0);
            break;
        case ArrayPe::Tr:
        case ArrayPe::Laconic: {
            const TrStepOutcome o = TrPe::fastStep(*w_, a.n, *x_, a.m, a.k0, a.len);
            s.product = o.product;
            s.work = o.pairs;
            break;
        }
    }
    s.cycles = stepCost(s.work);
    return s;
}

SystolicArrayCore::PeStep SystolicArrayCore::detailedPeStep(const ActivePe& a) {
    PeStep s;
    int64_t cycles = 0;
    switch (spec_.pe) {
        case ArrayPe::Mac:
        case ArrayPe::DnaTeq:
            s.product = MacPe::step(0, w_->value(a.n, a.k0), x_->value(a.m, a.k0));
            s.work = cycles = MacPe::kCyclesPerStep;
            break;
        case ArrayPe::Stripes: {
            StripesPe pe;
            pe.beginStep(w_->value(a.n, a.k0), x_->value(a.m, a.k0), static_cast<int>(slot_));
            for (; !pe.done(); ++cycles) pe.tick();
            s.product = pe.endStep();
            s.work = slot_;
            break;
        }
        case ArrayPe::Pragmatic: {
            PragmaticPe pe;
            pe.beginStep(w_->value(a.n, a.k0), x_->terms(a.m, a.k0), x_->termCount(a.m, a.k0));
            for (; !pe.done(); ++cycles) pe.tick();
            s.product = pe.endStep();
            s.work = x_->termCount(a.m, a.k0);
            break;
        }
        case ArrayPe::Tr:
        case ArrayPe::Laconic:
            // One TrPe plays every PE in turn: a step's counters are flushed at its end.
            trPe_.beginStep(*w_, a.n, *x_, a.m, a.k0, a.len);
            for (; !trPe_.done(); ++cycles) trPe_.tick();
            s.work = trPe_.pairsThisStep();
            s.product = trPe_.endStep();
            break;
    }
    s.cycles = std::max<int64_t>(1, cycles);  // a PE with nothing to do still spends its step's cycle
    return s;
}

int64_t SystolicArrayCore::stepCost(int64_t work) const {
    switch (spec_.pe) {
        case ArrayPe::Mac:
        case ArrayPe::DnaTeq: return MacPe::kCyclesPerStep;
        case ArrayPe::Stripes: return slot_;
        case ArrayPe::Pragmatic: return std::max<int64_t>(1, work);
        case ArrayPe::Tr:
        case ArrayPe::Laconic: return std::max<int64_t>(1, ceilDiv(work, spec_.pairsPerCycle));
    }
    return 1;
}

// The step's length: the fixed slot (which no PE may overrun) or the slowest PE.
int64_t SystolicArrayCore::stepCycles(int64_t slowest) const {
    if (spec_.schedule == TrSchedule::Fixed && slowest > slot_)
        throw std::logic_error("fixed schedule: a step needs " + std::to_string(slowest) + " cycles but its slot is " +
                               std::to_string(slot_));
    const int64_t cycles = spec_.schedule == TrSchedule::Fixed ? slot_ : slowest;
    return std::max<int64_t>({cycles, spec_.minStepCycles, 1}) + hopCycles();
}

void SystolicArrayCore::account(const ActivePe& a, const PeStep& s) {
    const std::size_t i = static_cast<std::size_t>(a.r * spec_.cols + a.c);
    counters_.macs += spec_.pe == ArrayPe::Tr ? 0 : 1;
    if (spec_.pe == ArrayPe::Tr || spec_.pe == ArrayPe::Laconic) {
        counters_.termPairs += s.work;
        counters_.groupsFlushed++;
    }
    if (spec_.pe == ArrayPe::Stripes || spec_.pe == ArrayPe::Pragmatic) counters_.serialSteps += s.work;
    peBusy_[i] += s.cycles;
    peWork_[i] += s.work;
    applyResult(a, s.product);
}

int64_t SystolicArrayCore::stepFast() {
    if (fixedValuePe() && spec_.dataflow == ArrayDataflow::WeightStationary) {
        stepValuesWeightStationary();
        return slot_ + hopCycles();
    }
    collectActive(step_);
    int64_t slowest = 0;
    for (const ActivePe& a : active_) {
        const PeStep s = fastPeStep(a);
        slowest = std::max(slowest, s.cycles);
        account(a, s);
    }
    counters_.activePeSteps += static_cast<int64_t>(active_.size());
    const int64_t cycles = stepCycles(slowest);
    finishStep(cycles);
    return cycles;
}

void SystolicArrayCore::beginStepDetailed() {
    detailedCycle_ = 0;
    detailedMinCycles_ = slot_ + hopCycles();
    if (fixedValuePe() && spec_.dataflow == ArrayDataflow::WeightStationary) return;
    collectActive(step_);
    // PEs do not interact inside a step (operands and partial sums move between
    // steps), so each PE's cycles are run back to back here, through its PE
    // model, and the step lasts as long as the slowest PE (or the fixed slot).
    // Running PE after PE instead of cycle after cycle keeps one PE's state in
    // cache; the cycles are the same. Results wait until the step's last cycle.
    int64_t slowest = 0;
    stepResults_.resize(active_.size());
    for (std::size_t i = 0; i < active_.size(); ++i) {
        stepResults_[i] = detailedPeStep(active_[i]);
        slowest = std::max(slowest, stepResults_[i].cycles);
    }
    detailedMinCycles_ = stepCycles(slowest);
}

bool SystolicArrayCore::tickDetailed() {
    if (++detailedCycle_ < detailedMinCycles_) return false;
    if (fixedValuePe() && spec_.dataflow == ArrayDataflow::WeightStationary) {
        // Stripes needs its bit-serial cycles here too: the product is the same
        // (StripesPe is tested to compute it bit by bit).
        stepValuesWeightStationary();  // the step's results appear on its last cycle
        return true;
    }
    for (std::size_t j = 0; j < active_.size(); ++j) account(active_[j], stepResults_[j]);
    counters_.activePeSteps += static_cast<int64_t>(active_.size());
    finishStep(detailedCycle_);
    return true;
}

void SystolicArrayCore::endFold() {
    if (spec_.dataflow == ArrayDataflow::OutputStationary)
        for (int64_t r = 0; r < fold_.rowsUsed; ++r)
            for (int64_t c = 0; c < fold_.colsUsed; ++c)
                out_.at2(fold_.m0 + r, fold_.n0 + c) = psum_[static_cast<std::size_t>(r * spec_.cols + c)];
    int64_t busiest = *std::max_element(peBusy_.begin(), peBusy_.end());
    if (fixedValuePe() && spec_.dataflow == ArrayDataflow::WeightStationary) {
        // The value loop keeps no per-PE tally: every used PE works once per data row.
        const int64_t work = spec_.pe == ArrayPe::Stripes ? slot_ : 1;
        busiest = M_ * slot_;
        for (int64_t r = 0; r < fold_.rowsUsed; ++r)
            for (int64_t c = 0; c < fold_.colsUsed; ++c)
                peWork_[static_cast<std::size_t>(r * spec_.cols + c)] += M_ * work;
    }
    counters_.idealCycles += foldSetupCycles() + (spec_.rows + spec_.cols - 2) * int64_t{spec_.linkLatency} + busiest;
}

}  // namespace trsim
