#include "modules/array/SharedWeights.hpp"

namespace trsim {

void SharedWeights::announce(std::size_t layer) {
    const std::lock_guard<std::mutex> hold(lock_);
    entries_[layer] = Entry{};
}

void SharedWeights::publish(std::size_t layer, const OperandCoding& coding, const RevealedWeights& groups) {
    {
        const std::lock_guard<std::mutex> hold(lock_);
        Entry& e = entries_[layer];
        e.published = true;
        e.coding = coding;
        e.groups.assign(groups.begin(), groups.end());
    }
    changed_.notify_all();
}

void SharedWeights::withdraw(std::size_t layer) {
    {
        const std::lock_guard<std::mutex> hold(lock_);
        entries_.erase(layer);
    }
    changed_.notify_all();
}

std::optional<RevealedWeights> SharedWeights::find(std::size_t layer, const OperandCoding& coding) const {
    std::unique_lock<std::mutex> hold(lock_);
    auto it = entries_.find(layer);
    while (it != entries_.end() && !it->second.published) {
        changed_.wait(hold);
        it = entries_.find(layer);  // a withdrawal erases the entry
    }
    if (it == entries_.end() || !(it->second.coding == coding)) return std::nullopt;
    RevealedWeights groups;
    for (const std::weak_ptr<const RevealedOperand>& g : it->second.groups) {
        groups.push_back(g.lock());
        if (!groups.back()) return std::nullopt;  // the controller has released the layer
    }
    return groups;
}

}  // namespace trsim
