// Turns the validated config into the parameters the SystemC modules take, so
// that modules never see the config itself.
#pragma once
#include "modules/array/ArraySpec.hpp"
#include "modules/memory/MemorySystem.hpp"
#include "sim/config/Config.hpp"

namespace trsim {

ArraySpec arraySpecFromConfig(const SimConfig& c);
MemorySpec memorySpecFromConfig(const SimConfig& c);
// The config's PE kind (pe.kind, validated at load).
const PeKind& peKindOf(const SimConfig& c);

}  // namespace trsim
