#include "modules/array/Controller.hpp"

#include <algorithm>

#include "modules/functional/ExponentialQuantizer.hpp"
#include "modules/functional/Requantize.hpp"

namespace trsim {

Controller::Controller(const sc_core::sc_module_name& name, std::vector<LayerTask> layers, ControllerOptions options,
                       LayerDone onLayerDone, Progress onProgress)
    : sc_core::sc_module(name),
      toArray("to_array"),
      fromArray("from_array"),
      layers_(std::move(layers)),
      options_(std::move(options)),
      onLayerDone_(std::move(onLayerDone)),
      onProgress_(std::move(onProgress)) {
    SC_THREAD(run);
}

void Controller::run() {
    // SystemC would turn an exception escaping a process into a report; keep the
    // original so the caller sees what went wrong.
    // With the last layer done nothing is left to happen and sc_start returns by itself.
    try {
        for (std::size_t i = 0; i < layers_.size(); ++i) onLayerDone_(i, runLayer(i));
    } catch (...) {
        error_ = std::current_exception();
        sc_core::sc_stop();
    }
}

void Controller::runGemm(const IntTensor& x, const IntTensor& w, int64_t stepSlot, LayerOutcome& outcome,
                         IntTensor& result) {
    const auto& xc = options_.dataCoding;
    const auto& wc = options_.weightCoding;
    const RevealedOperand rx = xc ? RevealedOperand(x, *xc) : RevealedOperand::plain(x);
    const RevealedOperand rw = wc ? RevealedOperand(w, *wc) : RevealedOperand::plain(w);
    GemmJob job;
    job.x = &rx;
    job.w = &rw;
    job.stepSlot = stepSlot;
    job.stored = outcome.stored;
    toArray.write(&job);
    fromArray.read();  // the array hands back the same job when it is done
    outcome.gemms++;
    outcome.totalCycles += job.totalCycles;
    outcome.stallCycles += job.stallCycles;
    outcome.counters += job.counters;
    outcome.traffic += job.traffic;
    if (outcome.peWork.empty()) outcome.peWork.assign(job.peWork.size(), 0);
    for (std::size_t i = 0; i < job.peWork.size(); ++i) outcome.peWork[i] += job.peWork[i];
    if (xc) outcome.dataKeptTerms += rx.keptTerms();
    if (wc) outcome.weightKeptTerms += rw.keptTerms();
    result = std::move(job.output);
}

StoredWidths Controller::storedWidths(const IntTensor& x, const IntTensor& w) const {
    StoredWidths s;
    // PE-KIND: move into plug-in. DNA-TEQ stores a sign and an exponent code per value.
    if (options_.dnateqExponentBits > 0) {
        s.weightBits = s.dataBits = options_.dnateqExponentBits + 1;
        return s;
    }
    const auto& wc = options_.weightCoding;
    s.weightBits = wc && wc->budget ? keptTermBitsPerValue(*wc) : packedBinaryBits(w);
    s.dataBits = packedBinaryBits(x);
    return s;
}

LayerOutcome Controller::runLayer(std::size_t index) {
    const LayerTask& task = layers_[index];
    LayerOutcome outcome;
    // DNA-TEQ: both operands become exponential levels fitted to this layer
    // (weights offline, data by the converter in front of the array).
    const bool dnateq = options_.dnateqExponentBits > 0;
    const IntTensor inputs = dnateq ? quantizeExponentialFitted(*task.inputs, options_.dnateqExponentBits) : IntTensor();
    const IntTensor weights = dnateq ? quantizeExponentialFitted(*task.weights, options_.dnateqExponentBits) : IntTensor();
    const IntTensor& x = dnateq ? inputs : *task.inputs;
    const IntTensor& w = dnateq ? weights : *task.weights;
    outcome.stored = storedWidths(x, w);
    outcome.weightMagnitudeBits = bitLength(largestMagnitude(w));
    outcome.dataMagnitudeBits = bitLength(largestMagnitude(x));
    // Stripes: steps last the layer's data precision (the bits its largest magnitude needs).
    int64_t stepSlot = 0;
    if (options_.dataPrecisionSteps) stepSlot = std::max(1, outcome.dataMagnitudeBits);
    if (options_.dataCoding) {
        // The data path (encoder, and the term comparator for TR) sits where a layer's
        // values are produced, so each value of the layer's input is encoded
        // once, however many times im2col repeats it in the GEMM.
        outcome.dataValues = static_cast<int64_t>(x.size());
        for (int64_t v : x.data)
            outcome.dataEncodedTerms +=
                static_cast<int64_t>(encode(options_.dataCoding->encoding, v, options_.dataCoding->bits).size());
    }
    if (!task.isConv) {
        onProgress_(index, 0, 1);
        runGemm(x, w, stepSlot, outcome, outcome.output);
        return outcome;
    }
    const LoweredConv lowered = lowerConv(x, w, task.conv);
    std::vector<IntTensor> parts(lowered.x.size());
    for (std::size_t g = 0; g < lowered.x.size(); ++g) {
        onProgress_(index, static_cast<int64_t>(g), static_cast<int64_t>(lowered.x.size()));
        runGemm(lowered.x[g], lowered.w[g], stepSlot, outcome, parts[g]);
    }
    outcome.output = raiseConvOutput(parts, lowered);
    return outcome;
}

}  // namespace trsim
