#include "sim/io/ScaleSimReports.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <stdexcept>

namespace trsim {
namespace fs = std::filesystem;
namespace {

void writeAtomically(const fs::path& path, const std::string& text) {
    const fs::path tmp = path.string() + ".tmp-" + std::to_string(::getpid());
    {
        std::ofstream out(tmp);
        out << text;
        out.flush();
        if (!out) {
            std::error_code ignored;
            fs::remove(tmp, ignored);
            throw std::runtime_error(path.string() + ": cannot write the report");
        }
    }
    fs::rename(tmp, path);
}

}  // namespace

void writeScaleSimReports(const std::string& dir, const StatsRegistry& stats, const std::vector<std::string>& layerOrder,
                          const Trace& /*trace*/, const SimConfig& config,
                          const std::map<std::string, std::string>* layerSettings) {
    fs::create_directories(dir);
    const double pes = static_cast<double>(config.array.rows) * config.array.cols;
    std::ostringstream compute, bandwidth;
    compute << "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,"
            << (layerSettings ? " Layer Setting," : "") << "\n";
    bandwidth << "LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW, Avg IFMAP DRAM BW, "
                 "Avg FILTER DRAM BW, Avg OFMAP DRAM BW,\n";
    compute << std::fixed << std::setprecision(4);
    bandwidth << std::fixed << std::setprecision(4);
    for (std::size_t id = 0; id < layerOrder.size(); ++id) {
        const std::string scope = "layers/" + layerOrder[id];
        const auto get = [&](const char* name) { return stats.get(scope, name); };
        const double cycles = get("cycles");
        const double total = std::max(1.0, cycles - 1);  // SCALE-Sim's Total Cycles, the last cycle's index
        const double useful = get("utilization") * pes * cycles;
        compute << id << ", " << static_cast<long long>(cycles) - 1 << ", " << static_cast<long long>(get("stall_cycles"))
                << ", " << 100 * useful / (pes * total) << ", " << 100 * get("mapping_efficiency") << ", "
                << 100 * get("fold_compute_utilization") << ",";
        if (layerSettings) compute << " " << layerSettings->at(layerOrder[id]) << ",";
        compute << "\n";
        const auto perCycle = [&](const char* name) { return get(name) / total; };
        bandwidth << id << ", " << perCycle("array_data_values") << ", " << perCycle("array_weight_values") << ", "
                  << perCycle("array_output_values") << ", " << perCycle("dram_data_values") << ", "
                  << perCycle("dram_weight_values") << ", " << perCycle("dram_output_values") << ",\n";
    }
    writeAtomically(fs::path(dir) / "COMPUTE_REPORT.csv", compute.str());
    writeAtomically(fs::path(dir) / "BANDWIDTH_REPORT.csv", bandwidth.str());
}

}  // namespace trsim
