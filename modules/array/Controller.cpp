#include "modules/array/Controller.hpp"

#include <algorithm>
#include <stdexcept>

#include "modules/array/DepthwisePacking.hpp"
#include "modules/functional/TermTable.hpp"
#include "modules/functional/Requantize.hpp"

namespace trsim {
namespace {

// Entries [first, first + count) of dimension 1 of a rank-4 tensor ([B, C, H, W] inputs).
OperandTensor sliceDim1(const OperandTensor& t, int64_t first, int64_t count) {
    const int64_t plane = t.dim(2) * t.dim(3);
    OperandTensor out({t.dim(0), count, t.dim(2), t.dim(3)}, t.widthLimit());
    out.visit([&](auto* to) {
        t.visit([&](const auto* from) {
            for (int64_t b = 0; b < t.dim(0); ++b)
                std::copy_n(from + (b * t.dim(1) + first) * plane, count * plane, to + b * count * plane);
        });
    });
    return out;
}

// Terms of every value of `t` in `table`'s encoding, before TR.
int64_t encodedTerms(const OperandTensor& t, const TermTable& table) {
    return t.visit([&](const auto* v) {
        int64_t terms = 0;
        for (std::size_t i = 0; i < t.size(); ++i) terms += table.count(table.magnitude(v[i]));
        return terms;
    });
}

}  // namespace

Controller::Controller(const sc_core::sc_module_name& name, std::vector<LayerTask> layers, ControllerSetup setup)
    : sc_core::sc_module(name),
      toArray("to_array"),
      fromArray("from_array"),
      layers_(std::move(layers)),
      setup_(std::move(setup)) {
    if (!setup_.prepare || !setup_.onLayerDone)
        throw std::invalid_argument(std::string("Controller '") + name.operator const char*() +
                                    "': setup.prepare and setup.onLayerDone are required");
    SC_THREAD(run);
}

void Controller::run() {
    // SystemC would turn an exception escaping a process into a report; keep the
    // original so the caller sees what went wrong.
    // With the last layer done nothing is left to happen and sc_start returns by itself.
    std::size_t layer = 0;
    try {
        if (!layers_.empty()) next_ = startPreparing(0);
        for (; layer < layers_.size(); ++layer) {
            std::future<PreparedLayer> current = std::move(next_);
            if (layer + 1 < layers_.size()) next_ = startPreparing(layer + 1);
            current_ = current.get();  // releases the future's shared state
            setup_.onLayerDone(layer, runLayer(layer, current_));
            if (setup_.shared) setup_.shared->withdraw(layer);  // its readers that started hold the weights themselves
        }
        current_ = PreparedLayer{};
    } catch (const std::out_of_range& e) {
        // A value wider than its encoding's bits (TermTable, encode) names no layer by itself.
        error_ = std::make_exception_ptr(std::out_of_range(
            "layer '" + layers_[layer].name + "': " + e.what() +
            " (the layer's operands as its PEs get them, against operands.weights.bits and operands.data.bits)"));
        sc_core::sc_stop();
    } catch (...) {
        error_ = std::current_exception();
        sc_core::sc_stop();
    }
}

std::future<PreparedLayer> Controller::startPreparing(std::size_t index) const {
    if (setup_.shared) setup_.shared->announce(index);  // before the task is queued: SharedWeights' contract
    auto task = [this, index] { return prepareAndShare(index); };
    if (setup_.runner) return setup_.runner(task);
    return std::async(std::launch::deferred, task);
}

void Controller::runGemm(const PreparedLayer& layer, const PreparedLayer::Gemm& gemm, LayerOutcome& outcome,
                         IntTensor& result) {
    GemmJob job;
    job.x = &gemm.x;
    job.w = gemm.w.get();
    job.xValues = gemm.xValues.size() == 0 ? nullptr : &gemm.xValues;
    job.layer = static_cast<int64_t>(currentLayer_);
    job.stepSlot = layer.stepSlot;
    job.stored = layer.stored;
    const auto& own = layers_[currentLayer_].array;
    job.array = own ? &*own : nullptr;
    toArray.write(&job);
    fromArray.read();  // the array hands back the same job when it is done
    outcome.gemms++;
    outcome.totalCycles += job.totalCycles;
    outcome.stallCycles += job.stallCycles;
    outcome.counters += job.counters;
    outcome.traffic += job.traffic;
    outcome.foldAverages += job.foldAverages;
    if (outcome.peWork.empty()) outcome.peWork.assign(job.peWork.size(), 0);
    for (std::size_t i = 0; i < job.peWork.size(); ++i) outcome.peWork[i] += job.peWork[i];
    if (layer.dataCoded) outcome.dataKeptTerms += gemm.x.keptTerms();
    if (layer.weightsCoded) outcome.weightKeptTerms += gemm.w->keptTerms();
    result = std::move(job.output);
}

PreparedLayer Controller::prepareAndShare(std::size_t index) const {
    try {
        return prepareLayer(index);
    } catch (...) {
        if (setup_.shared) setup_.shared->withdraw(index);  // readers waiting for the weights reveal their own
        throw;
    }
}

// Everything a layer needs before the array can run it; touches no SystemC
// state, so it may run on another thread. The weights are revealed first and
// offered to the layer's other readers (setup_.shared) before the data are revealed.
PreparedLayer Controller::prepareLayer(std::size_t index) const {
    const LayerTask& task = layers_[index];
    PreparedLayer prepared;
    const LayerOperands operands = setup_.prepare(index, *task.inputs, *task.weights);
    const OperandTensor& x = operands.inputsOr(*task.inputs);
    const OperandTensor& w = operands.weightsOr(*task.weights);
    const auto& xc = operands.dataCoding;
    const auto& wc = operands.weightCoding;
    prepared.stepSlot = operands.stepSlot;
    prepared.dataCoded = xc.has_value();
    prepared.weightsCoded = wc.has_value();
    prepared.stored = StoredWidths{operands.weightStoredBits.value_or(packedBinaryBits(w)),
                                   operands.dataStoredBits.value_or(packedBinaryBits(x)), task.outputBits};
    prepared.weightMagnitudeBits = bitLength(largestMagnitude(w));
    prepared.dataMagnitudeBits = bitLength(largestMagnitude(x));
    if (xc) {
        // The data path (encoder, and the term comparator for TR) sits where a layer's
        // values are produced, so each value of the layer's input is encoded
        // once, however many times im2col repeats it in the GEMM.
        prepared.dataValues = static_cast<int64_t>(x.size());
        prepared.dataEncodedTerms = encodedTerms(x, TermTable::get(xc->encoding, xc->bits));
    }
    if (wc && operands.weightsRevealedAtLoad) {
        // What an encoder on the weight path would see (pe.weight_storage: values).
        prepared.weightValues = static_cast<int64_t>(w.size());
        prepared.weightEncodedTerms = encodedTerms(w, TermTable::get(wc->encoding, wc->bits));
    }
    const TermStorage terms = setup_.detail == OperandDetail::Counts ? TermStorage::CountsOnly : TermStorage::Stored;
    auto revealWeights = [&](const OperandTensor& wg) {
        return std::make_shared<const RevealedOperand>(wc ? RevealedOperand(wg, *wc, terms, setup_.revealThreads)
                                                          : RevealedOperand::plain(wg));
    };
    auto share = [&](const RevealedWeights& groups) {
        if (!setup_.shared) return;
        if (wc)
            setup_.shared->publish(index, *wc, groups);
        else
            setup_.shared->withdraw(index);  // exact weights: the readers have nothing to reveal
    };
    auto addGemm = [&](const OperandTensor& xg, std::shared_ptr<const RevealedOperand> wg) {
        // Run-time revealed data keeps its values too when the structural array streams
        // them through its rows' encoders and comparators.
        prepared.gemms.push_back({xc ? RevealedOperand(xg, *xc, terms, setup_.revealThreads) : RevealedOperand::plain(xg),
                                  std::move(wg),
                                  xc && setup_.detail == OperandDetail::TermsAndData ? xg : OperandTensor()});
    };
    if (!task.isConv) {
        const RevealedWeights revealed{revealWeights(w)};
        share(revealed);
        addGemm(x, revealed[0]);
        return prepared;
    }
    if (setup_.packDepthwiseFor && isDepthwise(w, task.conv)) {
        if (setup_.shared) setup_.shared->withdraw(index);  // packed weights are not the layer's channel groups
        // Lowered a packed GEMM's channels at a time: a wide layer's im2col is never whole.
        const int64_t channels = task.conv.groups, filters = w.dim(0) / channels;
        const DepthwisePlan plan =
            planDepthwise(w.dim(2) * w.dim(3), filters, task.array ? *task.array : *setup_.packDepthwiseFor, xc, wc);
        for (int64_t first = 0; first < channels; first += plan.channelsPerGemm) {
            const int64_t count = std::min(plan.channelsPerGemm, channels - first);
            ConvParams part = task.conv;
            part.groups = static_cast<int>(count);
            LoweredConv lowered = lowerConv(sliceDim1(x, first, count), w.slice0(first * filters, count * filters), part);
            const PackedGemm packed = packDepthwise(lowered, 0, count, plan.tapStride);
            addGemm(packed.x, revealWeights(packed.w));
            prepared.shape.batch = lowered.batch, prepared.shape.outH = lowered.outH, prepared.shape.outW = lowered.outW;
            prepared.shape.outChannels = w.dim(0);
        }
        return prepared;
    }
    // Data TR groups of one value (the authors' data_terms): a value keeps the same terms wherever im2col
    // puts it, so the fast array's data are revealed once per input value and lowered already revealed
    // (revealConvData: the same operand), not revealed again at every copy (nine of a 3x3 kernel).
    const bool dataPerValue = xc && xc->groupSize == 1 && terms == TermStorage::CountsOnly;
    LoweredConv lowered = lowerConv(x, w, task.conv, /*lowerData=*/!dataPerValue);
    RevealedWeights revealed;
    for (OperandTensor& wg : lowered.w) {
        revealed.push_back(revealWeights(wg));
        wg = OperandTensor();  // the revealed operands are all the array needs
    }
    share(revealed);
    for (std::size_t g = 0; g < lowered.x.size(); ++g) {
        if (dataPerValue)
            prepared.gemms.push_back({revealConvData(x, w, task.conv, static_cast<int>(g), *xc), revealed[g], {}});
        else
            addGemm(lowered.x[g], revealed[g]);
        lowered.x[g] = OperandTensor();
    }
    prepared.shape = std::move(lowered);
    return prepared;
}

LayerOutcome Controller::runLayer(std::size_t index, const PreparedLayer& prepared) {
    const LayerTask& task = layers_[index];
    currentLayer_ = index;
    LayerOutcome outcome;
    outcome.dataValues = prepared.dataValues;
    outcome.stored = prepared.stored;
    outcome.weightMagnitudeBits = prepared.weightMagnitudeBits;
    outcome.dataMagnitudeBits = prepared.dataMagnitudeBits;
    outcome.dataEncodedTerms = prepared.dataEncodedTerms;
    outcome.weightValues = prepared.weightValues;
    outcome.weightEncodedTerms = prepared.weightEncodedTerms;
    if (!task.isConv) {
        if (setup_.onProgress) setup_.onProgress(index, 0, 1);
        runGemm(prepared, prepared.gemms[0], outcome, outcome.output);
        return outcome;
    }
    std::vector<IntTensor> parts(prepared.gemms.size());
    for (std::size_t g = 0; g < prepared.gemms.size(); ++g) {
        if (setup_.onProgress)
            setup_.onProgress(index, static_cast<int64_t>(g), static_cast<int64_t>(prepared.gemms.size()));
        runGemm(prepared, prepared.gemms[g], outcome, parts[g]);
    }
    outcome.output = raiseConvOutput(parts, prepared.shape);
    return outcome;
}

}  // namespace trsim
