// Raised when a trace file cannot be read or breaks the trace format. what()
// names the file, then the layer and the dataset or attribute at fault, e.g.
// "t.h5: layer 'fc1': dataset 'weights': expected rank 2 ([N,K]) for type fc, got [3,4,5]".
#pragma once
#include <stdexcept>
#include <string>

namespace trsim {

class TraceError : public std::runtime_error {
public:
    explicit TraceError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace trsim
