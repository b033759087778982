#include "modules/pe/PeKind.hpp"

#include "sim/config/Config.hpp"
#include "sim/io/Trace.hpp"

namespace trsim {

std::vector<AreaComponent> PeKind::areaComponents(const SimConfig& c) const {
    return {{"pe_" + name(), static_cast<double>(c.array.rows) * c.array.cols}};
}

// Kinds that compute exactly on the trace's integers have its 8-bit quality.
std::optional<double> PeKind::accuracy(const Trace& trace, const SimConfig&) const { return trace.int8Metric; }

}  // namespace trsim
