// The short terminal summary of a run, read from the StatsRegistry (the same
// numbers the HDF5 file holds).
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

#include "sim/run/StatsRegistry.hpp"

namespace trsim {

void printSummaryTable(std::ostream& out, const StatsRegistry& stats, const std::vector<std::string>& layerOrder);

}  // namespace trsim
