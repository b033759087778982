// HESE encoder, one operand lane (SPEC.md sections 2-3; the authors' hese_encoder.v).
//
// A sign-magnitude value enters and is scanned MSB to LSB over its `bits + 1`
// digit positions (HESE can carry one position past the top bit), `bitsPerCycle`
// positions per cycle, then passes `latencyCycles` pipeline registers.
//
// Timing, with cycles numbered by tick() calls from 0:
//   C = cyclesPerValue() = ceil((bits + 1) / bitsPerCycle)
//   a value accepted at cycle a leaves at cycle a + C - 1 + latencyCycles
//   (latency() = C - 1 + latencyCycles); the next value can be accepted at a + C,
//   so a back-to-back stream runs at one value per C cycles with no bubbles.
// Defaults (bitsPerCycle = bits + 1, latencyCycles = 2): one value per cycle,
// out two cycles after it went in. bitsPerCycle = 1 is the bit-serial encoder of
// the authors' Verilog (one digit per cycle, two register stages).
//
// HeseEncoderCore is the cycle behaviour in plain C++ (unit tests and the fast
// array model call it directly); HeseEncoder wraps it as a clocked SystemC module.
#pragma once
#include <cstdint>
#include <deque>
#include <optional>
#include <ostream>

#include <systemc>

#include "modules/functional/Term.hpp"

namespace trsim {

// A value with its terms (largest first): what the encoder hands the comparator.
struct EncodedValue {
    int64_t value = 0;
    Terms terms;

    bool operator==(const EncodedValue& o) const { return value == o.value && terms == o.terms; }
    bool operator!=(const EncodedValue& o) const { return !(*this == o); }
};

// sc_fifo prints its contents with operator<<, so a payload type needs one.
std::ostream& operator<<(std::ostream& os, const EncodedValue& v);

struct HeseEncoderParams {
    int bits = 8;           // magnitude bits of the sign-magnitude input (1..62)
    int bitsPerCycle = 0;   // digit positions scanned per cycle; 0 (or > bits) = bits + 1, one value per cycle
    int latencyCycles = 2;  // register stages after the scan (>= 0)
};

struct TimedEncodedValue {
    EncodedValue encoded;
    uint64_t acceptCycle = 0;  // cycle the value was taken from the input
    uint64_t outputCycle = 0;  // cycle its terms leave the encoder
};

// What one clock cycle did.
struct EncoderTick {
    bool accepted = false;                   // the offered value was taken
    std::optional<TimedEncodedValue> output; // a value whose terms leave this cycle (at most one)
};

class HeseEncoderCore {
public:
    // Throws std::invalid_argument on parameters out of range.
    explicit HeseEncoderCore(const HeseEncoderParams& params = {});

    // True when a value offered to the next tick() is taken.
    bool ready() const { return !scan_.has_value(); }

    // One clock cycle. `offered` is taken only when ready(); a value whose
    // magnitude does not fit in `bits` throws std::out_of_range and leaves the
    // core as it was (the cycle does not happen).
    EncoderTick tick(std::optional<int64_t> offered);

    int cyclesPerValue() const { return cyclesPerValue_; }
    int latency() const { return cyclesPerValue_ - 1 + params_.latencyCycles; }
    const HeseEncoderParams& params() const { return params_; }

    uint64_t cycle() const { return cycle_; }  // cycles ticked = number of the next cycle
    bool idle() const { return !scan_ && pipeline_.empty(); }

    // Activity for the energy model.
    uint64_t valuesEncoded() const { return valuesEncoded_; }
    uint64_t termsEmitted() const { return termsEmitted_; }
    uint64_t scanCycles() const { return scanCycles_; }  // cycles with a value being scanned

private:
    struct Scan {
        int64_t value = 0;
        uint64_t magnitude = 0;
        int nextDigit = 0;  // next digit position to look at, counting down to 0
        Terms terms;
        uint64_t acceptCycle = 0;
    };

    HeseEncoderParams params_;
    int digitsPerCycle_ = 1;
    int cyclesPerValue_ = 1;
    std::optional<Scan> scan_;
    std::deque<TimedEncodedValue> pipeline_;  // scanned values waiting out the register stages
    uint64_t cycle_ = 0;
    uint64_t valuesEncoded_ = 0;
    uint64_t termsEmitted_ = 0;
    uint64_t scanCycles_ = 0;
};

// Clocked wrapper: on every rising edge it takes a value from `in` if the core
// is ready and one is there, ticks the core, and writes a finished value to `out`.
// When `out` is full the whole encoder holds (its clock is gated for that cycle),
// so nothing is lost and the core never needs an output buffer.
class HeseEncoder : public sc_core::sc_module {
public:
    sc_core::sc_in<bool> clk;
    sc_core::sc_fifo_in<int64_t> in;
    sc_core::sc_fifo_out<EncodedValue> out;

    SC_HAS_PROCESS(HeseEncoder);
    HeseEncoder(sc_core::sc_module_name name, const HeseEncoderParams& params = {});

    const HeseEncoderCore& core() const { return core_; }
    uint64_t stallCycles() const { return stallCycles_; }

private:
    void onClock();

    HeseEncoderCore core_;
    uint64_t stallCycles_ = 0;
};

}  // namespace trsim
