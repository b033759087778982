// mac: the bit-parallel INT MAC array (TPU-like; bit_parallel_mac.v), the
// baseline every other kind is compared with. One multiply-accumulate per PE
// per cycle on the trace's integers, whatever their values. Its energy and area
// follow the operand widths (a b-bit MAC for QT at b bits).
#include <algorithm>
#include <memory>

#include "modules/array/Controller.hpp"
#include "modules/array/PeArrayCore.hpp"
#include "modules/pe/MacPe.hpp"
#include "modules/pe/PeKind.hpp"
#include "modules/pe/PrecisionEnergy.hpp"
#include "sim/config/AreaModel.hpp"
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
    LayerOperands prepareLayer(const SimConfig&, const OperandTensor&, const OperandTensor&) const override { return {}; }
    double usefulWork(const ArrayCounters& k) const override { return static_cast<double>(k.macs); }
    // A multiply of the layer's magnitude widths and an accumulate (PrecisionEnergy.hpp).
    std::vector<EnergyAction> energyActions(const SimConfig&, const LayerOutcome& o) const override {
        return macEnergyActions(static_cast<double>(o.counters.macs), std::max(1, o.weightMagnitudeBits),
                                std::max(1, o.dataMagnitudeBits));
    }
    // A wb x db multiplier, the accumulator's adder, and registers for the
    // stationary weight, the passing data value and the partial sum.
    std::vector<AreaComponent> areaComponents(const SimConfig& c) const override {
        const int wb = weightDesignBits(c), db = dataDesignBits(c), acc = designAccumulatorBits(c);
        const AreaTable& t = c.area;
        return {{"pe", multiplierUm2(t, wb, db) + adderUm2(t, acc) + registerUm2(t, wb + db + acc),
                 static_cast<double>(c.array.rows) * c.array.cols}};
    }
};

}  // namespace

const PeKind& macPeKind() {
    static const MacKind kind;
    return kind;
}

}  // namespace trsim
