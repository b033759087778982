#include "modules/structural/PeArithmetic.hpp"

#include <algorithm>

#include "modules/pe/MacPe.hpp"
#include "modules/pe/PragmaticPe.hpp"
#include "modules/pe/StripesPe.hpp"

namespace trsim {

PeStepOutcome PeArithmetic::step(const OperandSlice& w, const OperandSlice& x, int64_t slot) {
    PeStepOutcome s;
    int64_t cycles = 0;
    switch (spec_.pe) {
        case ArrayPe::Mac:
        case ArrayPe::DnaTeq:
            s.product = MacPe::step(0, w.values[0], x.values[0]);
            s.work = cycles = MacPe::kCyclesPerStep;
            break;
        case ArrayPe::Stripes: {
            StripesPe pe;
            pe.beginStep(w.values[0], x.values[0], static_cast<int>(slot));
            for (; !pe.done(); ++cycles) pe.tick();
            s.product = pe.endStep();
            s.work = slot;
            break;
        }
        case ArrayPe::Pragmatic: {
            PragmaticPe pe;
            const Terms& t = x.terms[0];
            pe.beginStep(w.values[0], t.data(), static_cast<int>(t.size()));
            for (; !pe.done(); ++cycles) pe.tick();
            s.product = pe.endStep();
            s.work = static_cast<int64_t>(t.size());
            break;
        }
        case ArrayPe::Tr:
        case ArrayPe::Laconic: {
            // The tMAC: every weight term of element k meets every data term of
            // element k, each pair counted into the coefficient counters, which
            // become the binary partial product at the end of the step.
            for (std::size_t k = 0; k < x.values.size(); ++k)
                for (const Term& wt : w.terms[k])
                    for (const Term& xt : x.terms[k]) {
                        counters_.addPair(wt, xt);
                        ++s.work;
                    }
            s.product = counters_.flush();
            cycles = (s.work + spec_.pairsPerCycle - 1) / spec_.pairsPerCycle;
            break;
        }
    }
    s.cycles = std::max<int64_t>(1, cycles);  // a PE with nothing to do still spends its step's cycle
    return s;
}

void PeArithmetic::count(const PeStepOutcome& s, ArrayCounters& c) const {
    c.activePeSteps++;
    c.macs += spec_.pe == ArrayPe::Tr ? 0 : 1;
    if (spec_.pe == ArrayPe::Tr || spec_.pe == ArrayPe::Laconic) {
        c.termPairs += s.work;
        c.groupsFlushed++;
    }
    if (spec_.pe == ArrayPe::Stripes || spec_.pe == ArrayPe::Pragmatic) c.serialSteps += s.work;
}

}  // namespace trsim
