// Reads a layer trace (HDF5, format_version 1) into a Trace, checking the whole
// format on the way so that nothing downstream has to: attribute presence and
// types, dataset types and ranks, operand shape agreement, value ranges against
// the declared bit widths, and layer indices 0..n-1.
#pragma once
#include <string>

#include "sim/io/Trace.hpp"
#include "sim/io/TraceError.hpp"

namespace trsim {

// Throws TraceError at the first problem found.
Trace readTrace(const std::string& path);

// The same without the layers' operands (weights and inputs stay empty, unchecked): what the accuracy
// lookup reads (metric, /tr_accuracy, layer bits, the score cache), cheap even for large traces.
Trace readTraceSummary(const std::string& path);

}  // namespace trsim
