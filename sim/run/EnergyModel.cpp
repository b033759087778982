#include "sim/run/EnergyModel.hpp"

#include <cmath>

#include "modules/pe/PeKind.hpp"
#include "sim/config/AreaModel.hpp"
#include "sim/config/ArrayFromConfig.hpp"

namespace trsim {

const std::vector<std::string>& energyComponents() {
    static const std::vector<std::string> names{"pe_compute", "pe_clock", "encoder", "comparator",
                                                "output_stage", "sram",   "dram",    "static"};
    return names;
}

double sramAccessPj(const EnergyTable& t, const std::string& entry, double capacityKib) {
    return t.pj(entry) * std::sqrt(capacityKib / t.valueOf("sram_reference_capacity"));
}

double leakagePowerMw(const SimConfig& c) {
    const auto area = areaOf(c);
    if (!area) return 0;
    return area->logicMm2() * c.energy.valueOf("leakage_logic") + area->sramMm2 * c.energy.valueOf("leakage_sram");
}

std::vector<ActionEnergy> layerEnergy(const SimConfig& c, const LayerOutcome& o, double cycles) {
    const EnergyTable& e = c.energy;
    std::vector<ActionEnergy> a;
    const auto add = [&](const std::string& component, const std::string& action, const std::string& entry,
                         const std::string& unit, double count, double pjEach) {
        if (count > 0) a.push_back({component, action, entry, unit, count, pjEach});
    };
    static const char* const kindComponent[] = {"pe_compute", "encoder", "comparator"};
    for (const EnergyAction& k : peKindOf(c).energyActions(c, o))
        add(kindComponent[static_cast<int>(k.component)], k.actionName(), k.entry, "actions", k.count,
            k.scale * e.pj(k.entry));
    const double pes = static_cast<double>(c.array.rows) * c.array.cols;
    add("pe_clock", "pe_cycle", "pe_cycle", "PE-cycles", pes * cycles, e.pj("pe_cycle"));
    add("encoder", "hese_encode", "hese_encode", "values", static_cast<double>(o.dataValues), e.pj("hese_encode"));
    add("output_stage", "requantize_output", "requantize_output", "values",
        static_cast<double>(o.traffic.outputsRequantized), e.pj("requantize_output"));
    const struct {
        const char* buffer;
        double kib;
        int64_t reads, writes;
    } buffers[] = {
        {"weights", c.buffers.weightsKib, o.traffic.sramReadsByBuffer.weights, o.traffic.sramWritesByBuffer.weights},
        {"data", c.buffers.dataKib, o.traffic.sramReadsByBuffer.data, o.traffic.sramWritesByBuffer.data},
        {"outputs", c.buffers.outputsKib, o.traffic.sramReadsByBuffer.outputs, o.traffic.sramWritesByBuffer.outputs},
    };
    for (const auto& b : buffers) {
        add("sram", std::string("sram_read_") + b.buffer, "sram_read_64b", "64-bit words", static_cast<double>(b.reads),
            sramAccessPj(e, "sram_read_64b", b.kib));
        add("sram", std::string("sram_write_") + b.buffer, "sram_write_64b", "64-bit words",
            static_cast<double>(b.writes), sramAccessPj(e, "sram_write_64b", b.kib));
    }
    add("dram", "dram_read", "dram_bit", "bits", 8.0 * static_cast<double>(o.traffic.dramReadBytes), e.pj("dram_bit"));
    add("dram", "dram_write", "dram_bit", "bits", 8.0 * static_cast<double>(o.traffic.dramWriteBytes), e.pj("dram_bit"));
    // mW over one clock period of 1/clock_mhz us: mW * us = nJ.
    if (const auto area = areaOf(c)) {
        const double cyclePs = 1e3 / c.clockMhz;  // pJ per mW per cycle
        add("static", "leakage_logic", "leakage_logic", "cycles", cycles,
            area->logicMm2() * e.valueOf("leakage_logic") * cyclePs);
        add("static", "leakage_sram", "leakage_sram", "cycles", cycles, area->sramMm2 * e.valueOf("leakage_sram") * cyclePs);
    }
    return a;
}

}  // namespace trsim
