// The PE kinds trsim knows, by name. The built-in kinds are an explicit list in
// PeRegistry.cpp (one line per kind): a kind that registered itself from a
// static initializer in its own file could be dropped by the linker, since
// nothing references that object file of the static library. Programs that add
// a kind of their own (e.g. a test) call registerPeKind before loading a config.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "modules/pe/PeKind.hpp"

namespace trsim {

// Every kind, built-in first, in registration order.
const std::vector<const PeKind*>& peKinds();
std::vector<std::string> peKindNames();
// The kind called `name`; std::invalid_argument naming the allowed kinds otherwise.
const PeKind& peKind(const std::string& name);
// Adds a kind; std::invalid_argument if its name is taken.
void registerPeKind(std::unique_ptr<const PeKind> kind);
// "  mac        one line\n" for every kind: the --help text.
std::string peKindHelp();

}  // namespace trsim
