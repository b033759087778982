// The SC_THREAD loop both array models (SystolicArray, StructuralArray) run:
// take each GEMM job from `jobs`, execute it, hand it back on `done`.
#pragma once
#include <exception>
#include <systemc>

#include "modules/array/GemmJob.hpp"

namespace trsim {

// An exception from `execute` stops the simulation (the controller would wait
// for its job forever) and is kept in `error` for whoever called sc_start.
template <class Execute>
void serveGemmJobs(sc_core::sc_fifo_in<GemmJob*>& jobs, sc_core::sc_fifo_out<GemmJob*>& done,
                   std::exception_ptr& error, Execute execute) {
    for (;;) {
        GemmJob* job = jobs.read();
        try {
            execute(*job);
        } catch (...) {
            error = std::current_exception();
            sc_core::sc_stop();
            return;
        }
        done.write(job);
    }
}

}  // namespace trsim
