// Term comparator: keeps a group's `budget` largest terms (SPEC.md sections 1 and 3;
// the authors' concatenator_truncator.v). It sees the encoded values of one
// operand lane one at a time and emits, per group of `groupSize` values, the kept
// terms of every value: exactly selectTopTerms(group, budget).
//
// Timing, with cycles numbered by tick() calls from 0:
//   up to valuesPerCycle values can arrive every cycle (they are always
//   accepted; several encoder lanes feed one comparator, concatenated in order);
//   a group closes at the cycle its last value arrives (the groupSize-th value,
//   the last value of a segment, or a value arriving together with a flush; a
//   flush with no value closes the partial group at the flush cycle);
//   the group leaves at close + latencyCycles (latency() = latencyCycles).
// Closed groups wait in a pipeline, so the next group can fill meanwhile; with
// more than one value per cycle several groups can close, and leave, together.
//
// Comparisons (the energy action "term comparison"): a streaming comparator
// compares each entering term once against the group's running threshold, so a
// group with a budget costs one comparison per term that enters; with no budget
// the comparator is bypassed (the `sel` path of the Verilog) and costs none.
//
// TermComparatorCore is the plain C++ cycle behaviour; TermComparator wraps it
// as a clocked SystemC module.
#pragma once
#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <ostream>
#include <vector>

#include <systemc>

#include "modules/datapath/HeseEncoder.hpp"
#include "modules/functional/Term.hpp"

namespace trsim {

struct RevealedGroup {
    std::vector<Terms> kept;  // kept terms of each value of the group, in arrival order, largest first
    int available = 0;        // terms that entered, before truncation
    int comparisons = 0;      // see the header comment

    bool operator==(const RevealedGroup& o) const {
        return kept == o.kept && available == o.available && comparisons == o.comparisons;
    }
    bool operator!=(const RevealedGroup& o) const { return !(*this == o); }
};

// sc_fifo prints its contents with operator<<, so a payload type needs one.
std::ostream& operator<<(std::ostream& os, const RevealedGroup& g);

struct TermComparatorParams {
    int groupSize = 1;          // values per group (>= 1)
    std::optional<int> budget;  // terms kept per group; none = keep every term
    int latencyCycles = 1;      // cycles from a group's close to its output (>= 0)
    // Values per reduction segment (e.g. one row of K inputs); the group in
    // progress closes at every segment end, as revealValues() does at the end of
    // its data. 0 = one endless segment (close partial groups by flush only).
    int segmentLength = 0;
    int valuesPerCycle = 1;     // values taken per cycle (>= 1): the comparator's throughput
};

struct TimedRevealedGroup {
    RevealedGroup group;
    uint64_t firstArrivalCycle = 0;  // cycle the group's first value arrived
    uint64_t closeCycle = 0;         // cycle its last value arrived (or the flush)
    uint64_t outputCycle = 0;        // cycle it leaves the comparator
};

class TermComparatorCore {
public:
    // Throws std::invalid_argument on parameters out of range.
    explicit TermComparatorCore(const TermComparatorParams& params = {});

    // One clock cycle: `arriving` (if any) joins the open group; `flush` (end of
    // stream) then closes the open group even if it is short. Returns the group
    // leaving this cycle, if any (at most one). Terms must be largest first with
    // exponents 0..63 (std::invalid_argument otherwise).
    std::optional<TimedRevealedGroup> tick(std::optional<EncodedValue> arriving, bool flush = false);
    // The same with up to valuesPerCycle values arriving in order (std::invalid_argument
    // for more); returns every group leaving this cycle.
    std::vector<TimedRevealedGroup> tickMany(std::vector<EncodedValue> arriving, bool flush = false);

    int latency() const { return params_.latencyCycles; }
    const TermComparatorParams& params() const { return params_; }

    uint64_t cycle() const { return cycle_; }  // cycles ticked = number of the next cycle
    bool idle() const { return open_.empty() && pipeline_.empty(); }

    // Activity for the energy model.
    uint64_t groupsEmitted() const { return groupsEmitted_; }
    uint64_t termsIn() const { return termsIn_; }
    uint64_t termsKept() const { return termsKept_; }
    uint64_t comparisons() const { return comparisons_; }

private:
    static constexpr int kExponents = 64;

    void close(uint64_t now);
    std::vector<Terms> keep(int& keptCount) const;

    TermComparatorParams params_;
    std::vector<Terms> open_;                 // terms of the open group's values so far
    std::array<int, kExponents> perExponent_{};  // open group's terms counted per exponent
    int openTerms_ = 0;
    uint64_t openSince_ = 0;
    int segmentPosition_ = 0;                 // values seen in the current segment
    std::deque<TimedRevealedGroup> pipeline_; // closed groups waiting out the latency
    uint64_t cycle_ = 0;
    uint64_t groupsEmitted_ = 0;
    uint64_t termsIn_ = 0;
    uint64_t termsKept_ = 0;
    uint64_t comparisons_ = 0;
};

// Clocked wrapper: on every rising edge it takes up to valuesPerCycle values from `in`,
// ticks the core and writes a leaving group to `out`. Partial groups close at
// segment ends (TermComparatorParams::segmentLength). When `out` is full the
// comparator holds for the cycle (clock gated), so nothing is lost.
class TermComparator : public sc_core::sc_module {
public:
    sc_core::sc_in<bool> clk;
    sc_core::sc_fifo_in<EncodedValue> in;
    sc_core::sc_fifo_out<RevealedGroup> out;

    SC_HAS_PROCESS(TermComparator);
    TermComparator(sc_core::sc_module_name name, const TermComparatorParams& params = {});

    const TermComparatorCore& core() const { return core_; }
    uint64_t stallCycles() const { return stallCycles_; }

private:
    void onClock();

    TermComparatorCore core_;
    uint64_t stallCycles_ = 0;
};

}  // namespace trsim
