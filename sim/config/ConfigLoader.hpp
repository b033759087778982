// Loads and validates a simulation config: YAML -> SimConfig.
#pragma once
#include <string>
#include <vector>

#include "sim/config/Config.hpp"
#include "sim/config/ConfigError.hpp"

namespace trsim {

// `overrides` are "key.path=value" strings (the command's --set), applied to the
// YAML before validation so they are checked exactly like the file's own keys.
// Throws ConfigError listing every problem.
SimConfig loadConfig(const std::string& path, const std::vector<std::string>& overrides = {});

// The config's operands.weights and operands.data (bits, encoding, group_size, budget, quantize_bits
// when set) as one line of flow YAML: what a results file records as each layer's resolved operands.
std::string operandsYaml(const SimConfig& config);
// The same in one word without commas (CSV cells): w=<encoding>:g<group>:k<budget|none>:q<bits|none>;d=...
std::string operandSettingText(const SimConfig& config);

// Loads an energy table file (entries with value, unit and source).
EnergyTable loadEnergyTable(const std::string& path);

// Loads an area table file (entries with value, unit um2 or mm2, and source).
AreaTable loadAreaTable(const std::string& path);

}  // namespace trsim
