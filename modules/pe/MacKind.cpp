// mac: the bit-parallel INT MAC array (TPU-like; bit_parallel_mac.v), the
// baseline every other kind is compared with. One multiply-accumulate per PE
// per cycle on the trace's integers, whatever their values.
#include <memory>

#include "modules/array/Controller.hpp"
#include "modules/array/PeArrayCore.hpp"
#include "modules/pe/MacPe.hpp"
#include "modules/pe/PeKind.hpp"
#include "sim/config/Config.hpp"

namespace trsim {
namespace {

class MacKind final : public PeKind {
public:
    std::string name() const override { return "mac"; }
    std::string description() const override { return "bit-parallel INT MAC (TPU-like): one multiply-accumulate per cycle"; }
    void configureArray(const SimConfig&, ArraySpec&) const override {}  // one-cycle fixed steps: the defaults
    std::unique_ptr<SystolicArrayCore> makeCore(const ArraySpec& spec) const override {
        return std::make_unique<PeArrayCore<MacStepRule>>(spec);
    }
    LayerOperands prepareLayer(const SimConfig&, const IntTensor&, const IntTensor&) const override { return {}; }
    double usefulWork(const ArrayCounters& k) const override { return static_cast<double>(k.macs); }
    std::vector<EnergyAction> energyActions(const SimConfig&, const LayerOutcome& o) const override {
        return {{EnergyComponent::PeCompute, "mac_int8", static_cast<double>(o.counters.macs)}};
    }
};

}  // namespace

const PeKind& macPeKind() {
    static const MacKind kind;
    return kind;
}

}  // namespace trsim
