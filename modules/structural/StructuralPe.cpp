#include "modules/structural/StructuralPe.hpp"

#include <stdexcept>
#include <string>

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

void StructuralPe::onEdge() {
    if (control_.phase == ArrayPhase::Preload) {
        // Weights shift one row down per cycle; after `rows` cycles each PE holds its own.
        const OperandToken w = weightIn.read();
        weight_ = w.slice;
        weightOut.write(w);
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
        return;
    }
    if (above.valid && above.row != x.index)
        throw std::logic_error(std::string(name()) + ": partial sum of data row " + std::to_string(above.row) +
                               " met data row " + std::to_string(x.index));
    const PeStep s = rule_->sliceStep(*weight_, *x.slice, control_.slot, counters_);
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
        return;
    }
    if (x.index != w.index)
        throw std::logic_error(std::string(name()) + ": data slice " + std::to_string(x.index) +
                               " met weight slice " + std::to_string(w.index));
    const PeStep s = rule_->sliceStep(*w.slice, *x.slice, control_.slot, counters_);
    account(s);
    accumulator_ += s.product;
    if (traced_) psumOut.write(PsumToken{true, x.index, accumulator_});
}

}  // namespace trsim
