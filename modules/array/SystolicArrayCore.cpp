#include "modules/array/SystolicArrayCore.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "modules/pe/MacPe.hpp"
#include "modules/pe/TermPairColumn.hpp"
#include "modules/pe/PeKind.hpp"

namespace trsim {
namespace {

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

std::unique_ptr<SystolicArrayCore> makeArrayCore(const ArraySpec& spec) {
    if (!spec.pe) throw std::invalid_argument("SystolicArrayCore: the spec names no PE kind");
    return spec.pe->makeCore(spec);
}

SystolicArrayCore::SystolicArrayCore(const ArraySpec& spec, bool valueTiles) : spec_(spec), valueTiles_(valueTiles) {
    if (spec.rows < 1 || spec.cols < 1 || spec.reductionPerPe < 1 || spec.pairsPerCycle < 1)
        throw std::invalid_argument("SystolicArrayCore: rows, cols, reductionPerPe and pairsPerCycle must be >= 1");
}

void SystolicArrayCore::startJob(const RevealedOperand& x, const RevealedOperand& w, int64_t stepSlot) {
    if (x.depth() != w.depth())
        throw std::invalid_argument("SystolicArrayCore: data K=" + std::to_string(x.depth()) +
                                    " differs from weights K=" + std::to_string(w.depth()));
    slot_ = beginJob(x, w, stepSlot);
    x_ = &x;
    w_ = &w;
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
    dataSlices_.clear();  // the previous job's data
    dataSlices_.resize(static_cast<std::size_t>(slices_));
    peWork_.assign(static_cast<std::size_t>(spec_.rows) * spec_.cols, 0);
}

int64_t SystolicArrayCore::foldSetupCycles() const {
    // WS: weights shift down the columns, one row per cycle, before data flows.
    return (spec_.dataflow == ArrayDataflow::WeightStationary ? spec_.rows : 0) + spec_.dataPathLatency;
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
    if (valueTiles()) {
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

const DataSlice& SystolicArrayCore::dataSlice(int64_t k0, int64_t len, DataSliceLayout layout) {
    DataSlice& slice = dataSlices_[static_cast<std::size_t>(k0 / spec_.reductionPerPe)];
    if (slice.rows == M_ && slice.len == len && slice.layout == layout) return slice;
    slice.k0 = k0;
    slice.len = len;
    slice.rows = M_;
    slice.layout = layout;
    if (layout == DataSliceLayout::Pairs16) {
        const int64_t stride = pairs16Stride(M_);
        slice.pairStride = stride;
        const std::size_t size = static_cast<std::size_t>((len + 1) / 2 * 2 * stride);
        slice.pairValues.resize(size);
        slice.pairCounts.resize(size);
        // Row by row through the operand's row pointers (rows are depth() apart), at its stored width:
        // elements j and j + 1 of a row are one 32-bit pair of the slice, pair after pair 2 * stride apart.
        const int64_t depth = x_->depth(), pairs = len / 2;
        const std::size_t pairStep = static_cast<std::size_t>(2 * stride);
        const uint8_t* counts = x_->countsRow(0) + k0;
        x_->visitRow(0, [&](const auto* values) {
            values += k0;
            for (int64_t m = 0; m < M_; ++m) {
                const auto* v = values + m * depth;
                const uint8_t* c = counts + m * depth;
                int16_t* pairValues = &slice.pairValues[pairs16Index(m, 0, stride)];
                int16_t* pairCounts = &slice.pairCounts[pairs16Index(m, 0, stride)];
                for (int64_t p = 0; p < pairs; ++p) {
                    const std::size_t at = static_cast<std::size_t>(p) * pairStep;
                    pairValues[at] = static_cast<int16_t>(v[2 * p]);
                    pairValues[at + 1] = static_cast<int16_t>(v[2 * p + 1]);
                    pairCounts[at] = c[2 * p];
                    pairCounts[at + 1] = c[2 * p + 1];
                }
                if (len % 2 != 0) {  // an odd len's last pair ends in a zero
                    const std::size_t at = static_cast<std::size_t>(pairs) * pairStep;
                    pairValues[at] = static_cast<int16_t>(v[len - 1]);
                    pairValues[at + 1] = 0;
                    pairCounts[at] = c[len - 1];
                    pairCounts[at + 1] = 0;
                }
            }
        });
        // The padding rows M..stride - 1 (the kernels read them, never write them out) are zeros.
        for (int64_t p = 0; p < (len + 1) / 2; ++p) {
            const std::size_t from = static_cast<std::size_t>(p) * pairStep + static_cast<std::size_t>(2 * M_);
            std::fill_n(&slice.pairValues[from], 2 * (stride - M_), int16_t{0});
            std::fill_n(&slice.pairCounts[from], 2 * (stride - M_), int16_t{0});
        }
        return slice;
    }
    slice.values.resize(static_cast<std::size_t>(len * M_));
    slice.counts.resize(static_cast<std::size_t>(len * M_));
    for (int64_t m = 0; m < M_; ++m)
        for (int64_t j = 0; j < len; ++j) {
            const std::size_t i = static_cast<std::size_t>(j * M_ + m);
            slice.values[i] = static_cast<int32_t>(x_->value(m, k0 + j));
            slice.counts[i] = static_cast<uint8_t>(x_->termCount(m, k0 + j));
        }
    return slice;
}

int64_t SystolicArrayCore::finishFoldSteps() {
    int64_t cycles = 0;
    if (spec_.schedule == TrSchedule::Fixed) {
        // Every step lasts the slot; stepCycles checks that no PE overran it.
        const int32_t slowest = *std::max_element(stepSlowest_.begin(), stepSlowest_.end());
        cycles = stepCycles(slowest) * fold_.steps;
    } else {
        for (const int32_t s : stepSlowest_) cycles += stepCycles(s);
    }
    counters_.steps += fold_.steps - step_;
    counters_.computeCycles += cycles;
    step_ = fold_.steps;
    return cycles;
}

void SystolicArrayCore::finishStep(int64_t cycles) {
    counters_.steps++;
    counters_.computeCycles += cycles;
    ++step_;
}

int64_t SystolicArrayCore::stepValuesWeightStationary() {
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
    counters_.activePeSteps += active;
    finishStep(slot_ + hopCycles());
    return active;
}

// The step's length: the fixed slot (which no PE may overrun) or the slowest PE.
int64_t SystolicArrayCore::stepCycles(int64_t slowest) const {
    if (spec_.schedule == TrSchedule::Fixed && slowest > slot_)
        throw std::logic_error("fixed schedule: a step needs " + std::to_string(slowest) + " cycles but its slot is " +
                               std::to_string(slot_));
    const int64_t cycles = spec_.schedule == TrSchedule::Fixed ? slot_ : slowest;
    return std::max<int64_t>({cycles, spec_.minStepCycles, 1}) + hopCycles();
}

void SystolicArrayCore::endFold() {
    if (spec_.dataflow == ArrayDataflow::OutputStationary)
        for (int64_t r = 0; r < fold_.rowsUsed; ++r)
            for (int64_t c = 0; c < fold_.colsUsed; ++c)
                out_.at2(fold_.m0 + r, fold_.n0 + c) = psum_[static_cast<std::size_t>(r * spec_.cols + c)];
    int64_t busiest = *std::max_element(peBusy_.begin(), peBusy_.end());
    if (valueTiles()) {
        // The value loop keeps no per-PE tally: every used PE works once per data row.
        const int64_t work = valueStepWork();
        busiest = M_ * slot_;
        for (int64_t r = 0; r < fold_.rowsUsed; ++r)
            for (int64_t c = 0; c < fold_.colsUsed; ++c)
                peWork_[static_cast<std::size_t>(r * spec_.cols + c)] += M_ * work;
    }
    counters_.idealCycles += foldSetupCycles() + (spec_.rows + spec_.cols - 2) * int64_t{spec_.linkLatency} + busiest;
    if (nextFold_ == foldCount()) std::vector<DataSlice>().swap(dataSlices_);  // the job's last fold: free its data
}

}  // namespace trsim
