#include "sim/cli/SummaryTable.hpp"

#include <iomanip>
#include <ostream>

namespace trsim {

void printSummaryTable(std::ostream& out, const StatsRegistry& stats, const std::vector<std::string>& layerOrder) {
    std::size_t nameWidth = 5;
    for (const auto& n : layerOrder) nameWidth = std::max(nameWidth, n.size());
    const auto row = [&](const std::string& name, const std::string& scope) {
        const double work = stats.get(scope, "term_pairs") > 0 ? stats.get(scope, "term_pairs") : stats.get(scope, "macs");
        out << std::left << std::setw(static_cast<int>(nameWidth)) << name << std::right << std::setw(14)
            << static_cast<long long>(stats.get(scope, "cycles")) << std::setw(12)
            << static_cast<long long>(stats.get(scope, "stall_cycles")) << std::setw(8) << std::fixed
            << std::setprecision(3) << stats.get(scope, "utilization") << std::setw(16) << static_cast<long long>(work)
            << std::setw(13) << std::setprecision(3) << stats.get(scope, "energy_total_pj") * 1e-6 << std::setw(13)
            << stats.get(scope, "energy_on_chip_pj") * 1e-6 << std::setw(11) << std::setprecision(5);
        if (stats.has(scope, "error_rel_l2")) out << stats.get(scope, "error_rel_l2");
        else out << "";
        out << std::setw(12) << std::setprecision(1) << stats.get(scope, "time_us") << std::setw(9)
            << std::setprecision(2) << stats.get(scope, "wall_seconds") << "\n" << std::defaultfloat;
    };
    out << std::left << std::setw(static_cast<int>(nameWidth)) << "layer" << std::right << std::setw(14) << "cycles"
        << std::setw(12) << "stalls" << std::setw(8) << "util" << std::setw(16) << "pairs|MACs" << std::setw(13)
        << "energy uJ" << std::setw(13) << "on-chip uJ" << std::setw(11) << "rel err" << std::setw(12) << "time us"
        << std::setw(9) << "wall s" << "\n";
    for (const auto& name : layerOrder) row(name, "layers/" + name);
    row("total", "run");
    if (stats.has("run", "area_total_mm2"))
        out << "area " << std::fixed << std::setprecision(3) << stats.get("run", "area_total_mm2") << " mm2: "
            << static_cast<int>(stats.get("run", "array_rows")) << "x" << static_cast<int>(stats.get("run", "array_cols"))
            << " PEs " << stats.get("run", "area_pe_mm2") << ", logic " << stats.get("run", "area_logic_mm2")
            << ", SRAM " << stats.get("run", "area_sram_mm2") << "\n"
            << std::defaultfloat;
    // Model quality belongs to the whole network under this config, not to a layer.
    if (stats.has("run", "accuracy")) {
        const Stat& a = stats.stat("run", "accuracy");
        out << a.unit << ": " << std::setprecision(4) << std::fixed << a.value << std::defaultfloat
            << " (the trace's model under this config)\n";
    } else {
        out << "accuracy: - (the trace has no value for this config)\n";
    }
}

}  // namespace trsim
