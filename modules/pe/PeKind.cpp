#include "modules/pe/PeKind.hpp"

#include "sim/config/Config.hpp"
#include "sim/io/Trace.hpp"

namespace trsim {

// Kinds that compute exactly on the trace's integers have its 8-bit quality.
std::optional<double> PeKind::accuracy(const Trace& trace, const SimConfig&) const { return trace.int8Metric; }

}  // namespace trsim
