#include "sim/io/ScaleSimReports.hpp"

#include <unistd.h>

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

const TraceLayer& layerNamed(const Trace& trace, const std::string& name) {
    for (const TraceLayer& l : trace.layers)
        if (l.name == name) return l;
    throw std::runtime_error("SCALE-Sim reports: layer '" + name + "' is not in the trace");
}

}  // namespace

void writeScaleSimReports(const std::string& dir, const StatsRegistry& stats, const std::vector<std::string>& layerOrder,
                          const Trace& trace, const SimConfig& config,
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
        const TraceLayer& l = layerNamed(trace, layerOrder[id]);
        const double cycles = get("cycles"), computeCycles = get("compute_cycles");
        const double weights = static_cast<double>(IntTensor::elementCount(l.weights.shape));  // values may be released
        const double reduction = weights / static_cast<double>(l.weights.dim(0));  // K of each GEMM
        const double mapped = config.array.dataflow == Dataflow::WeightStationary ? weights : get("dense_macs") / reduction;
        const double useful = get("utilization") * pes * cycles;
        compute << id << ", " << static_cast<long long>(cycles) - 1 << ", " << static_cast<long long>(get("stall_cycles"))
                << ", " << 100 * get("utilization") << ", " << 100 * mapped / (get("folds") * pes) << ", "
                << (computeCycles > 0 ? 100 * useful / (pes * computeCycles) : 0.0) << ",";
        if (layerSettings) compute << " " << layerSettings->at(layerOrder[id]) << ",";
        compute << "\n";
        const auto perCycle = [&](const char* name) { return cycles > 0 ? get(name) / cycles : 0.0; };
        bandwidth << id << ", " << perCycle("array_data_bytes") << ", " << perCycle("array_weight_bytes") << ", "
                  << perCycle("array_output_bytes") << ", " << perCycle("dram_data_bytes") << ", "
                  << perCycle("dram_weight_bytes") << ", " << perCycle("dram_output_bytes") << ",\n";
    }
    writeAtomically(fs::path(dir) / "COMPUTE_REPORT.csv", compute.str());
    writeAtomically(fs::path(dir) / "BANDWIDTH_REPORT.csv", bandwidth.str());
}

}  // namespace trsim
