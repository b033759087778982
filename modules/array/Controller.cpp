#include "modules/array/Controller.hpp"

#include <algorithm>

#include "modules/functional/ExponentialQuantizer.hpp"
#include "modules/functional/TermTable.hpp"

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
        std::future<PreparedLayer> next;
        if (!layers_.empty()) next = startPreparing(0);
        for (std::size_t i = 0; i < layers_.size(); ++i) {
            std::future<PreparedLayer> current = std::move(next);
            if (i + 1 < layers_.size()) next = startPreparing(i + 1);
            onLayerDone_(i, runLayer(i, current.get()));
        }
    } catch (...) {
        error_ = std::current_exception();
        sc_core::sc_stop();
    }
}

std::future<PreparedLayer> Controller::startPreparing(std::size_t index) const {
    auto task = [this, index] { return prepareLayer(index); };
    if (options_.prepareRunner) return options_.prepareRunner(task);
    return std::async(std::launch::deferred, task);
}

void Controller::runGemm(const PreparedLayer::Gemm& gemm, int64_t stepSlot, LayerOutcome& outcome,
                         IntTensor& result) {
    GemmJob job;
    job.x = &gemm.x;
    job.w = &gemm.w;
    job.stepSlot = stepSlot;
    toArray.write(&job);
    fromArray.read();  // the array hands back the same job when it is done
    outcome.gemms++;
    outcome.totalCycles += job.totalCycles;
    outcome.stallCycles += job.stallCycles;
    outcome.counters += job.counters;
    outcome.traffic += job.traffic;
    if (outcome.peWork.empty()) outcome.peWork.assign(job.peWork.size(), 0);
    for (std::size_t i = 0; i < job.peWork.size(); ++i) outcome.peWork[i] += job.peWork[i];
    if (options_.dataCoding) outcome.dataKeptTerms += gemm.x.keptTerms();
    if (options_.weightCoding) outcome.weightKeptTerms += gemm.w.keptTerms();
    result = std::move(job.output);
}

PreparedLayer Controller::prepareLayer(std::size_t index) const {
    const LayerTask& task = layers_[index];
    PreparedLayer prepared;
    // DNA-TEQ: both operands become exponential levels fitted to this layer
    // (weights offline, data by the converter in front of the array).
    const bool dnateq = options_.dnateqExponentBits > 0;
    const IntTensor inputs = dnateq ? quantizeExponentialFitted(*task.inputs, options_.dnateqExponentBits) : IntTensor();
    const IntTensor weights = dnateq ? quantizeExponentialFitted(*task.weights, options_.dnateqExponentBits) : IntTensor();
    const IntTensor& x = dnateq ? inputs : *task.inputs;
    const IntTensor& w = dnateq ? weights : *task.weights;
    // Stripes: steps last the layer's data precision (the bits its largest magnitude needs).
    if (options_.dataPrecisionSteps) {
        int64_t largest = 0;
        for (int64_t v : x.data) largest = std::max(largest, v < 0 ? -v : v);
        for (prepared.stepSlot = 1; (largest >> prepared.stepSlot) != 0;) ++prepared.stepSlot;
    }
    if (options_.dataCoding) {
        // The data path (encoder, and the term comparator for TR) sits where a layer's
        // values are produced, so each value of the layer's input is encoded
        // once, however many times im2col repeats it in the GEMM.
        prepared.dataValues = static_cast<int64_t>(x.size());
        const TermTable& table = TermTable::get(options_.dataCoding->encoding, options_.dataCoding->bits);
        for (int64_t v : x.data) prepared.dataEncodedTerms += table.count(table.magnitude(v));
    }
    const auto& xc = options_.dataCoding;
    const auto& wc = options_.weightCoding;
    auto reveal = [&](const IntTensor& xg, const IntTensor& wg) {
        prepared.gemms.push_back({xc ? RevealedOperand(xg, *xc) : RevealedOperand::plain(xg),
                                  wc ? RevealedOperand(wg, *wc) : RevealedOperand::plain(wg)});
    };
    if (!task.isConv) {
        reveal(x, w);
        return prepared;
    }
    LoweredConv lowered = lowerConv(x, w, task.conv);
    for (std::size_t g = 0; g < lowered.x.size(); ++g) {
        reveal(lowered.x[g], lowered.w[g]);
        lowered.x[g] = IntTensor();  // the revealed operands are all the array needs
        lowered.w[g] = IntTensor();
    }
    prepared.shape = std::move(lowered);
    return prepared;
}

LayerOutcome Controller::runLayer(std::size_t index, PreparedLayer prepared) {
    const LayerTask& task = layers_[index];
    LayerOutcome outcome;
    outcome.dataValues = prepared.dataValues;
    outcome.dataEncodedTerms = prepared.dataEncodedTerms;
    const int64_t gemms = static_cast<int64_t>(prepared.gemms.size());
    if (!task.isConv) {
        onProgress_(index, 0, 1);
        runGemm(prepared.gemms[0], prepared.stepSlot, outcome, outcome.output);
        return outcome;
    }
    std::vector<IntTensor> parts(prepared.gemms.size());
    for (std::size_t g = 0; g < prepared.gemms.size(); ++g) {
        onProgress_(index, static_cast<int64_t>(g), gemms);
        runGemm(prepared.gemms[g], prepared.stepSlot, outcome, parts[g]);
    }
    outcome.output = raiseConvOutput(parts, prepared.shape);
    return outcome;
}

}  // namespace trsim
