#include "modules/pe/PeRegistry.hpp"

#include <stdexcept>

namespace trsim {

// Each built-in kind's file defines its accessor.
const PeKind& macPeKind();
const PeKind& trPeKind();
const PeKind& stripesPeKind();
const PeKind& pragmaticPeKind();
const PeKind& laconicPeKind();
const PeKind& dnateqPeKind();

namespace {

struct Registry {
    std::vector<const PeKind*> kinds{&macPeKind(),       &trPeKind(),      &stripesPeKind(),
                                     &pragmaticPeKind(), &laconicPeKind(), &dnateqPeKind()};
    std::vector<std::unique_ptr<const PeKind>> added;  // owned kinds from registerPeKind
};

Registry& registry() {
    static Registry r;
    return r;
}

}  // namespace

const std::vector<const PeKind*>& peKinds() { return registry().kinds; }

std::vector<std::string> peKindNames() {
    std::vector<std::string> names;
    for (const PeKind* k : peKinds()) names.push_back(k->name());
    return names;
}

const PeKind& peKind(const std::string& name) {
    for (const PeKind* k : peKinds())
        if (k->name() == name) return *k;
    std::string allowed;
    for (const std::string& n : peKindNames()) allowed += (allowed.empty() ? "" : ", ") + n;
    throw std::invalid_argument("unknown PE kind '" + name + "' (allowed: " + allowed + ")");
}

void registerPeKind(std::unique_ptr<const PeKind> kind) {
    for (const PeKind* k : peKinds())
        if (k->name() == kind->name()) throw std::invalid_argument("PE kind '" + kind->name() + "' is already registered");
    registry().kinds.push_back(kind.get());
    registry().added.push_back(std::move(kind));
}

std::string peKindHelp() {
    std::string help;
    for (const PeKind* k : peKinds()) {
        std::string name = k->name();
        name.resize(std::max<std::size_t>(name.size() + 1, 11), ' ');
        help += "  " + name + k->description() + "\n";
    }
    return help;
}

}  // namespace trsim
