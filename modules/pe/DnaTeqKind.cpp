// dnateq: DNA-TEQ (exponentially quantized operands). Both operands of a layer
// become exponential levels fitted to that layer (weights offline, data by the
// converter in front of the array, pe.dnateq_exponent_bits each); a PE does one
// exponent-add MAC per cycle, so the array times like mac.
#include <memory>

#include "modules/array/Controller.hpp"
#include "modules/array/PeArrayCore.hpp"
#include "modules/functional/ExponentialQuantizer.hpp"
#include "modules/pe/MacPe.hpp"
#include "modules/pe/PeKind.hpp"
#include "sim/config/Config.hpp"

namespace trsim {
namespace {

class DnaTeqKind final : public PeKind {
public:
    std::string name() const override { return "dnateq"; }
    std::string description() const override {
        return "DNA-TEQ: exponentially quantized operands (pe.dnateq_exponent_bits), one exponent-add MAC per cycle";
    }
    void configureArray(const SimConfig&, ArraySpec&) const override {}  // one-cycle fixed steps: the defaults
    std::unique_ptr<SystolicArrayCore> makeCore(const ArraySpec& spec) const override {
        return std::make_unique<PeArrayCore<MacStepRule>>(spec);
    }
    LayerOperands prepareLayer(const SimConfig& c, const OperandTensor& inputs, const OperandTensor& weights) const override {
        LayerOperands o;
        o.inputs = quantizeExponentialFitted(inputs.widened(), c.pe.dnateqExponentBits);
        o.weights = quantizeExponentialFitted(weights.widened(), c.pe.dnateqExponentBits);
        // Stored as a sign and an exponent code per value.
        o.weightStoredBits = o.dataStoredBits = storedDataBits(c);
        return o;
    }
    std::optional<double> storedDataBits(const SimConfig& c) const override { return c.pe.dnateqExponentBits + 1; }
    double usefulWork(const ArrayCounters& k) const override { return static_cast<double>(k.macs); }
    std::vector<EnergyAction> energyActions(const SimConfig&, const LayerOutcome& o) const override {
        return {{EnergyComponent::PeCompute, "exponent_mac", static_cast<double>(o.counters.macs)}};
    }
    // The traces hold no DNA-TEQ accuracy.
    std::optional<double> accuracy(const Trace&, const SimConfig&) const override { return std::nullopt; }
    std::optional<std::string> accuracyOperand(const OperandCoding&) const override { return std::nullopt; }
};

}  // namespace

const PeKind& dnateqPeKind() {
    static const DnaTeqKind kind;
    return kind;
}

}  // namespace trsim
