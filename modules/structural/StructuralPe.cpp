#include "modules/structural/StructuralPe.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

namespace trsim {

StructuralPe::StructuralPe(const sc_core::sc_module_name& name, const ArraySpec& spec, StepControl& control)
    : sc_core::sc_module(name),
      dataIn("data_in"),
      dataOut("data_out"),
      weightIn("weight_in"),
      weightOut("weight_out"),
      psumIn("psum_in"),
      psumOut("psum_out"),
      spec_(spec),
      control_(control),
      rule_(makeArrayCore(spec)),
      pairsSignal_("term_pairs"),
      busySignal_("busy") {
    SC_METHOD(onEdge);
    sensitive << control.act;
    dont_initialize();
}

void StructuralPe::beginFold() {
    accumulator_ = 0;
    foldBusy_ = 0;
}

void StructuralPe::beginJob() {
    work_ = 0;
    counters_ = ArrayCounters{};
}

void StructuralPe::traceSignals(sc_core::sc_trace_file* tf) {
    traced_ = true;
    const std::string n = name();
    sc_core::sc_trace(tf, dataIn, n + ".operand_in");
    sc_core::sc_trace(tf, psumOut, n + ".psum");
    sc_core::sc_trace(tf, pairsSignal_, n + ".term_pairs");
    sc_core::sc_trace(tf, busySignal_, n + ".busy");
}

namespace {

// Object names must not hold the hierarchy's dots: "array_pe_0_0_acc" (traced as "array.pe_0_0.acc").
template <typename T>
std::unique_ptr<sc_core::sc_signal<T>> signal(const std::string& pe, const std::string& what) {
    std::string object = pe + "_" + what;
    std::replace(object.begin(), object.end(), '.', '_');
    return std::make_unique<sc_core::sc_signal<T>>(object.c_str());
}

template <typename T>
void traceAll(sc_core::sc_trace_file* tf, std::vector<std::unique_ptr<sc_core::sc_signal<T>>>& out,
              std::size_t n, const std::string& pe, const std::string& name, const std::string& suffix) {
    for (std::size_t i = 0; i < n; ++i) {
        const std::string what = name + std::to_string(i) + suffix;
        out.push_back(signal<T>(pe, what));
        sc_core::sc_trace(tf, *out.back(), pe + "." + what);
    }
}

template <typename T>
void show(sc_core::sc_signal<T>& s, const T& v) {
    if (s.read() != v) s.write(v);
}

}  // namespace

void StructuralPe::OperandView::take(const OperandSlice* slice, std::size_t elements) {
    values.assign(elements, 0);
    plus.assign(elements, 0);
    minus.assign(elements, 0);
    if (!slice) return;
    for (std::size_t k = 0; k < elements && k < slice->values.size(); ++k) {
        values[k] = slice->values[k];
        for (const Term& t : slice->termsAt(k))
            if (t.exponent < 32) (t.sign > 0 ? plus : minus)[k] |= uint32_t{1} << t.exponent;
    }
}

void StructuralPe::stepTaken(const OperandSlice* x, int64_t base) {
    dataView_.take(x, static_cast<std::size_t>(spec_.reductionPerPe));
    stepBase_ = base;
    stepStart_ = sc_core::sc_time_stamp();
    stepped_ = true;
}

void StructuralPe::traceCycleSignals(sc_core::sc_trace_file* tf) {
    if (!rule_->tracesSliceSteps())
        throw std::logic_error(std::string(name()) + ": this PE kind has no cycle-level waveform");
    cycleLevel_ = true;
    const std::string n = name();  // trace names: hierarchical, as the step-level ones
    const auto elements = static_cast<std::size_t>(spec_.reductionPerPe);
    dataView_.take(nullptr, elements);
    weightView_.take(nullptr, elements);
    traceAll(tf, dataSig_, elements, n, "data_", "");
    traceAll(tf, dataPlusSig_, elements, n, "data_", "_plus");
    traceAll(tf, dataMinusSig_, elements, n, "data_", "_minus");
    traceAll(tf, weightSig_, elements, n, "weight_", "");
    traceAll(tf, weightPlusSig_, elements, n, "weight_", "_plus");
    traceAll(tf, weightMinusSig_, elements, n, "weight_", "_minus");
    const auto lanes = static_cast<std::size_t>(std::max(1, spec_.pairsPerCycle));
    // One lane: pair_element, ...; several: pair0_element, pair1_element, ...
    const std::pair<Signals<int64_t>*, const char*> pairSignals[] = {
        {&pairElementSig_, "element"}, {&pairWeightSig_, "w"}, {&pairDataSig_, "x"}, {&pairCounterSig_, "counter"}};
    for (std::size_t l = 0; l < lanes; ++l) {
        const std::string pair = lanes == 1 ? "pair_" : "pair" + std::to_string(l) + "_";
        for (const auto& [sigs, what] : pairSignals) {
            sigs->push_back(signal<int64_t>(n, pair + what));
            sc_core::sc_trace(tf, *sigs->back(), n + "." + pair + what);
        }
    }
    traceAll(tf, counterSig_, static_cast<std::size_t>(rule_->tracedCounters()), n, "coe_", "");
    const std::pair<std::unique_ptr<sc_core::sc_signal<int64_t>>*, const char*> scalars[] = {
        {&accSig_, "acc"}, {&psumInSig_, "psum_in"}, {&psumOutSig_, "psum_out"}, {&stepCycleSig_, "step_cycle"}};
    for (const auto& [sig, what] : scalars) {
        *sig = signal<int64_t>(n, what);
        sc_core::sc_trace(tf, **sig, n + "." + what);
    }
}

void StructuralPe::showCycle(const sc_core::sc_time& now, const sc_core::sc_time& period) {
    for (std::size_t k = 0; k < weightSig_.size(); ++k) {
        show(*weightSig_[k], weightView_.values[k]);
        show(*weightPlusSig_[k], weightView_.plus[k]);
        show(*weightMinusSig_[k], weightView_.minus[k]);
    }
    if (!stepped_) return;
    for (std::size_t k = 0; k < dataSig_.size(); ++k) {
        show(*dataSig_[k], dataView_.values[k]);
        show(*dataPlusSig_[k], dataView_.plus[k]);
        show(*dataMinusSig_[k], dataView_.minus[k]);
    }
    // Cycle `cycle` of the step shows its ops [cycle * lanes, (cycle + 1) * lanes).
    const auto cycle = static_cast<int64_t>((now - stepStart_) / period + 0.5);
    const auto lanes = static_cast<int64_t>(pairElementSig_.size());
    const auto& ops = stepTrace_.ops;
    if (cycle == 0)  // the step's first edge: the counters start from zero (flushed after the last step)
        for (auto& c : counterSig_) show<int64_t>(*c, 0);
    int64_t acc = 0;
    const int64_t done = std::min<int64_t>(static_cast<int64_t>(ops.size()), (cycle + 1) * lanes);
    if (done > 0) acc = ops[static_cast<std::size_t>(done - 1)].sum;
    for (int64_t l = 0; l < lanes; ++l) {
        const int64_t i = cycle * lanes + l;
        const auto lane = static_cast<std::size_t>(l);
        if (i < static_cast<int64_t>(ops.size())) {
            const TracedOp& op = ops[static_cast<std::size_t>(i)];
            show<int64_t>(*pairElementSig_[lane], op.element);
            show(*pairWeightSig_[lane], op.weight);
            show(*pairDataSig_[lane], op.data);
            show<int64_t>(*pairCounterSig_[lane], op.counter);
            if (op.counter >= 0 && op.counter < static_cast<int>(counterSig_.size()))
                show(*counterSig_[static_cast<std::size_t>(op.counter)], op.counterValue);
        } else {  // idle: no op in progress on this lane
            show<int64_t>(*pairElementSig_[lane], -1);
            show<int64_t>(*pairWeightSig_[lane], 0);
            show<int64_t>(*pairDataSig_[lane], 0);
            show<int64_t>(*pairCounterSig_[lane], -1);
        }
    }
    show(*stepCycleSig_, cycle);
    show(*accSig_, acc);
    show(*psumInSig_, stepBase_);
    show(*psumOutSig_, stepBase_ + acc);
}

void StructuralPe::onEdge() {
    if (control_.phase == ArrayPhase::Preload) {
        // Weights shift one row down per cycle; after `rows` cycles each PE holds its own.
        const OperandToken w = weightIn.read();
        weight_ = w.slice;
        weightOut.write(w);  // (a slice passing during preload may be a finished fold's: never read here)
        return;
    }
    if (spec_.dataflow == ArrayDataflow::WeightStationary)
        stepWeightStationary();
    else
        stepOutputStationary();
}

void StructuralPe::account(const PeStep& s) {
    control_.report(s.cycles);
    foldBusy_ += s.cycles;
    work_ += s.work;
    if (traced_) {
        pairsSignal_.write(s.work);
        busySignal_.write(true);
    }
}

void StructuralPe::stepWeightStationary() {
    const OperandToken x = dataIn.read();
    const PsumToken above = psumIn.read();
    dataOut.write(x);
    if (!x.valid() || !weight_) {
        psumOut.write(above);  // a row without work in this fold passes sums through
        if (traced_) busySignal_.write(false);
        if (cycleLevel_) {
            stepTrace_.clear();
            weightView_.take(weight_, static_cast<std::size_t>(spec_.reductionPerPe));
            stepTaken(nullptr, above.valid ? above.value : 0);
        }
        return;
    }
    if (above.valid && above.row != x.index)
        throw std::logic_error(std::string(name()) + ": partial sum of data row " + std::to_string(above.row) +
                               " met data row " + std::to_string(x.index));
    const PeStep s =
        rule_->sliceStep(*weight_, *x.slice, control_.slot, counters_, cycleLevel_ ? &stepTrace_ : nullptr);
    if (cycleLevel_) {
        weightView_.take(weight_, static_cast<std::size_t>(spec_.reductionPerPe));  // the fold's: held and valid
        stepTaken(x.slice, above.valid ? above.value : 0);
    }
    account(s);
    psumOut.write(PsumToken{true, x.index, (above.valid ? above.value : 0) + s.product});
}

void StructuralPe::stepOutputStationary() {
    const OperandToken x = dataIn.read();
    const OperandToken w = weightIn.read();
    dataOut.write(x);
    weightOut.write(w);
    if (!x.valid() || !w.valid()) {
        if (traced_) busySignal_.write(false);
        if (cycleLevel_) {
            stepTrace_.clear();
            weightView_.take(nullptr, static_cast<std::size_t>(spec_.reductionPerPe));
            stepTaken(nullptr, accumulator_);
        }
        return;
    }
    if (x.index != w.index)
        throw std::logic_error(std::string(name()) + ": data slice " + std::to_string(x.index) +
                               " met weight slice " + std::to_string(w.index));
    const PeStep s =
        rule_->sliceStep(*w.slice, *x.slice, control_.slot, counters_, cycleLevel_ ? &stepTrace_ : nullptr);
    if (cycleLevel_) {
        weightView_.take(w.slice, static_cast<std::size_t>(spec_.reductionPerPe));
        stepTaken(x.slice, accumulator_);
    }
    account(s);
    accumulator_ += s.product;
    if (traced_) psumOut.write(PsumToken{true, x.index, accumulator_});
}

}  // namespace trsim
