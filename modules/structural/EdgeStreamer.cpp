#include "modules/structural/EdgeStreamer.hpp"

#include <algorithm>
#include <stdexcept>


namespace trsim {

EdgeStreamer::EdgeStreamer(const sc_core::sc_module_name& name, const ArraySpec& spec)
    : sc_core::sc_module(name), west("west", static_cast<std::size_t>(spec.rows)),
      north("north", static_cast<std::size_t>(spec.cols)), spec_(spec) {}

void EdgeStreamer::beginJob(const RevealedOperand& x, const RevealedOperand& w, const OperandTensor* xValues) {
    x_ = &x;
    w_ = &w;
    xValues_ = xValues;
    if (!paths_.empty() && !xValues)
        throw std::invalid_argument("EdgeStreamer: the data paths need the job's data before encoding");
    const int64_t slices = (x.depth() + spec_.reductionPerPe - 1) / spec_.reductionPerPe;
    span_ = spec_.dataflow == ArrayDataflow::WeightStationary ? x.rows() : slices;
}

OperandSlice EdgeStreamer::slice(const RevealedOperand& a, int64_t row, int64_t k0, bool withTerms) const {
    OperandSlice s;
    const int64_t len = std::min<int64_t>(spec_.reductionPerPe, a.depth() - k0);
    for (int64_t k = k0; k < k0 + len; ++k) {
        s.values.push_back(a.value(row, k));
        if (withTerms) s.terms.emplace_back(a.terms(row, k), a.terms(row, k) + a.termCount(row, k));
    }
    return s;
}

void EdgeStreamer::beginFold(const FoldShape& fold) {
    fold_ = fold;
    const int64_t g = spec_.reductionPerPe;
    // Coded operands carry their kept terms to the PEs; plain ones only values.
    const bool dataTerms = x_->encodedTerms() > 0, weightTerms = w_->encodedTerms() > 0;
    data_.clear();
    weights_.clear();
    const bool streamed = !paths_.empty();
    if (spec_.dataflow == ArrayDataflow::WeightStationary) {
        for (int64_t r = 0; r < fold.rowsUsed && !streamed; ++r)
            for (int64_t m = 0; m < span_; ++m) data_.push_back(slice(*x_, m, fold.red0 + r * g, dataTerms));
        for (int64_t r = 0; r < fold.rowsUsed; ++r)
            for (int64_t c = 0; c < fold.colsUsed; ++c)
                weights_.push_back(slice(*w_, fold.n0 + c, fold.red0 + r * g, weightTerms));
    } else {
        for (int64_t r = 0; r < fold.rowsUsed && !streamed; ++r)
            for (int64_t j = 0; j < span_; ++j) data_.push_back(slice(*x_, fold.m0 + r, j * g, dataTerms));
        for (int64_t c = 0; c < fold.colsUsed; ++c)
            for (int64_t j = 0; j < span_; ++j) weights_.push_back(slice(*w_, fold.n0 + c, j * g, weightTerms));
    }
}

void EdgeStreamer::startDataPaths() {
    const int64_t g = spec_.reductionPerPe, K = xValues_ ? xValues_->dim(1) : 0;
    const bool ws = spec_.dataflow == ArrayDataflow::WeightStationary;
    for (int64_t r = 0; r < fold_.rowsUsed && !paths_.empty(); ++r) {
        // WS: row r streams slice r of every data row; OS: every slice of data row m0 + r.
        std::vector<std::vector<int64_t>> slices;
        for (int64_t i = 0; i < span_; ++i) {
            const int64_t m = ws ? i : fold_.m0 + r;
            const int64_t k0 = ws ? fold_.red0 + r * g : i * g;
            const int64_t len = std::min<int64_t>(g, K - k0);
            std::vector<int64_t>& slice = slices.emplace_back(static_cast<std::size_t>(len));
            xValues_->copyTo(static_cast<std::size_t>(m * K + k0), slice.size(), slice.data());
        }
        paths_[static_cast<std::size_t>(r)]->start(std::move(slices));
    }
}

bool EdgeStreamer::dataReady(int64_t step) const {
    if (paths_.empty()) return true;
    for (int64_t r = 0; r < fold_.rowsUsed; ++r) {
        const int64_t index = step - r;
        if (index >= 0 && index < span_ && paths_[static_cast<std::size_t>(r)]->slicesReady() <= index) return false;
    }
    return true;
}

const OperandSlice* EdgeStreamer::dataSlice(int64_t row, int64_t index) const {
    if (row >= fold_.rowsUsed || index < 0 || index >= span_) return nullptr;
    if (!paths_.empty()) return paths_[static_cast<std::size_t>(row)]->slice(index);
    return &data_[static_cast<std::size_t>(row * span_ + index)];
}

void EdgeStreamer::drivePreload(int64_t cycle) {
    // The top edge carries row rows-1-cycle's weights; they settle after `rows` shifts.
    const int64_t r = spec_.rows - 1 - cycle;
    for (int64_t c = 0; c < spec_.cols; ++c) {
        const bool used = r >= 0 && r < fold_.rowsUsed && c < fold_.colsUsed;
        north[static_cast<std::size_t>(c)].write(
            used ? OperandToken{&weights_[static_cast<std::size_t>(r * fold_.colsUsed + c)], r} : OperandToken{});
    }
}

void EdgeStreamer::driveStep(int64_t step) {
    for (int64_t r = 0; r < spec_.rows; ++r) {
        const int64_t index = step - r;
        const OperandSlice* s = dataSlice(r, index);
        west[static_cast<std::size_t>(r)].write(s ? OperandToken{s, index} : OperandToken{});
    }
    if (spec_.dataflow == ArrayDataflow::WeightStationary) return;
    for (int64_t c = 0; c < spec_.cols; ++c) {
        const int64_t j = step - c;
        const bool used = c < fold_.colsUsed && j >= 0 && j < span_;
        north[static_cast<std::size_t>(c)].write(
            used ? OperandToken{&weights_[static_cast<std::size_t>(c * span_ + j)], j} : OperandToken{});
    }
}

void EdgeStreamer::driveBubbles() {
    for (auto& p : west) p.write(OperandToken{});
    for (auto& p : north) p.write(OperandToken{});
}

}  // namespace trsim
