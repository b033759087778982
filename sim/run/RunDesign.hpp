// The SystemC design of one run and the thread pool that works for it, owned
// together so that they are taken apart in a safe order.
//
// Lifetime contract: the pool's tasks point into the design (the controller
// hands "prepare the next layer" to the pool with a pointer to itself) and into
// whatever the caller declared before the RunDesign (the trace, its quantized
// operands, the per-layer configs). Members are destroyed in reverse order of
// declaration, so `pool` is declared last: whether the run ends normally or
// unwinds from an error, the pool finishes its queued tasks and joins its
// workers before the controller, the arrays or the FIFOs are destroyed, and
// before anything the caller declared earlier. A caller must therefore declare
// what the tasks read before its RunDesign, never after.
#pragma once
#include <memory>
#include <systemc>

#include "modules/array/Controller.hpp"
#include "modules/array/SharedWeights.hpp"
#include "modules/array/SystolicArray.hpp"
#include "modules/structural/StructuralArray.hpp"
#include "sim/run/ThreadPool.hpp"

namespace trsim {

// The structural array is left to the process's exit, never destroyed: SystemC unregisters each of its
// ports, channels and child objects with a linear search of the kernel's registries, so destroying a
// large array is quadratic (about 41 s on 256x256 after the last layer). The kernel that holds them lives
// until exit anyway and cannot elaborate a second array; the caller writes the results first.
struct LeftToExit {
    void operator()(StructuralArray*) const {}
};

struct RunDesign {
    // `threads` as simulation.threads: more than one gives the pool workers; else
    // tasks run when their result is first asked for, on the asking thread.
    explicit RunDesign(int threads) : pool(threads > 1 ? threads : 0) {}

    std::unique_ptr<SystolicArray> array;         // fast and detailed modes
    std::unique_ptr<StructuralArray, LeftToExit> structural;  // structural mode (see LeftToExit)
    std::unique_ptr<Controller> controller;
    std::unique_ptr<sc_core::sc_fifo<GemmJob*>> toArray, fromArray;
    SharedWeights sharedWeights;  // the controller's revealed weights for the pool's references and histograms
    ThreadPool pool;  // last: joined first (see above)
};

}  // namespace trsim
