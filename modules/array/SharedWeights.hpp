// A run's revealed weights, shared between the controller, which reveals each layer's weights for the
// array, and the layer's other readers (the functional reference and the term histograms), so that a
// layer's weights are revealed once rather than by each of them.
//
// Contract (thread-safe; the run's pool starts tasks in the order they were submitted):
//  - the controller announces a layer on its own thread before it queues the layer's preparation, and
//    publishes (or withdraws) the layer from that preparation, once its weights are revealed;
//  - a reader asks after submitting its task later than the announcement, so a reader that finds the
//    layer announced waits only for a preparation that has already started (no deadlock);
//  - the board keeps no operand alive: it hands out the controller's operands while the controller
//    still holds them, and nothing otherwise (never announced, preparation failed, packed depthwise
//    layers, released after the layer left the array, another coding). A reader given nothing reveals
//    the weights itself: results never depend on whether the weights were shared.
#pragma once
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "modules/functional/Reference.hpp"
#include "modules/functional/RevealedOperand.hpp"

namespace trsim {

class SharedWeights {
public:
    // The layer's preparation is about to be queued: readers wait for it from now on.
    void announce(std::size_t layer);
    // The layer's weights as the array gets them, one operand per channel group, revealed with `coding`.
    void publish(std::size_t layer, const OperandCoding& coding, const RevealedWeights& groups);
    // Nothing to share for the layer (any more): readers stop waiting and reveal their own.
    void withdraw(std::size_t layer);
    // The layer's weights revealed with `coding`, waiting while the layer is announced but not yet
    // published; nullopt when there is nothing to share (see above).
    std::optional<RevealedWeights> find(std::size_t layer, const OperandCoding& coding) const;

private:
    struct Entry {
        bool published = false;
        OperandCoding coding;
        std::vector<std::weak_ptr<const RevealedOperand>> groups;
    };
    mutable std::mutex lock_;
    mutable std::condition_variable changed_;
    std::map<std::size_t, Entry> entries_;
};

}  // namespace trsim
