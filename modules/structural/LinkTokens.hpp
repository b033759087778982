// What travels on the structural array's wires (modules/structural/): a PE
// step's operand slice (modules/pe/OperandSlice.hpp; data terms as the encoder
// and term comparator left them, weight terms as the offline TR pass did) and
// partial sums.
#pragma once
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <systemc>

#include "modules/pe/OperandSlice.hpp"

namespace trsim {

// An operand on a link: the slice (owned by the fold's operand buffer, which
// outlives every token of the fold) and its index, data row m (weight
// stationary) or reduction slice j (output stationary). No slice: a bubble.
struct OperandToken {
    const OperandSlice* slice = nullptr;
    int64_t index = -1;

    bool valid() const { return slice != nullptr; }
    bool operator==(const OperandToken& o) const { return slice == o.slice && index == o.index; }
};

// A partial sum moving down a column (weight stationary), tagged with its data row.
struct PsumToken {
    bool valid = false;
    int64_t row = -1;
    int64_t value = 0;

    bool operator==(const PsumToken& o) const { return valid == o.valid && row == o.row && value == o.value; }
};

// sc_signal prints and traces its value type; the waveform shows the operand's
// index (-1 for a bubble) and the partial sum's value and validity. The
// references point into the signal's own storage, so they stay valid.
inline std::ostream& operator<<(std::ostream& os, const OperandToken& t) { return os << "operand " << t.index; }
inline std::ostream& operator<<(std::ostream& os, const PsumToken& t) {
    return os << "psum " << (t.valid ? std::to_string(t.value) : std::string("-"));
}
inline void sc_trace(sc_core::sc_trace_file* tf, const OperandToken& t, const std::string& name) {
    sc_core::sc_trace(tf, t.index, name);
}
inline void sc_trace(sc_core::sc_trace_file* tf, const PsumToken& t, const std::string& name) {
    sc_core::sc_trace(tf, t.value, name);
    sc_core::sc_trace(tf, t.valid, name + "_valid");
}

}  // namespace trsim
