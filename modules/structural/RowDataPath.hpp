// The run-time data path of one array row (tr): `lanes` HESE encoders fed from
// the data buffer, concatenated in order into a term comparator that keeps each
// data group's budget and assembles the row's operand slices for its west edge.
// It runs the tested cycle behaviour of the data path modules
// (HeseEncoderCore, TermComparatorCore, modules/datapath/) chained directly, on
// the array's clock, only while it has work (its process sleeps between folds).
//
// Timing (cycle 0 = the first clock edge after start()): the lanes take a batch
// of up to `lanes` consecutive values of a slice every C cycles (C = the
// encoder's cycles per value; a slice starts a new batch at lane 0), so slice m
// has its last batch in at (B_m - 1) * C, where B_m counts the batches of slices
// 0..m, and leaves the encoders C - 1 + encoder latency later; the comparator
// takes up to `valuesPerCycle` values per cycle in order, closes a group on its
// last value (or the slice's end) and hands it on comparator latency later.
// With valuesPerCycle >= lanes nothing waits: slice m is complete at
// B_m * C - 1 + encoder latency + comparator latency, which is the fold latency
// and step floor of ArraySpec (minStepCycles, dataPathLatency).
#pragma once
#include <cstdint>
#include <deque>
#include <vector>

#include <systemc>

#include "modules/datapath/HeseEncoder.hpp"
#include "modules/datapath/TermComparator.hpp"
#include "modules/structural/LinkTokens.hpp"

namespace trsim {

struct RowDataPathSpec {
    int lanes = 8;
    HeseEncoderParams encoder;
    TermComparatorParams comparator;  // groupSize and budget of the data; valuesPerCycle
};

class RowDataPath : public sc_core::sc_module {
public:
    sc_core::sc_in<bool> clk;

    SC_HAS_PROCESS(RowDataPath);
    RowDataPath(const sc_core::sc_module_name& name, const RowDataPathSpec& spec);

    // Streams these slices (raw data values, in order) from the next clock edge on.
    void start(std::vector<std::vector<int64_t>> slices);
    // Slices completed so far; slice i stays valid until the next start().
    int64_t slicesReady() const { return static_cast<int64_t>(ready_); }
    const OperandSlice* slice(int64_t i) const { return &slices_[static_cast<std::size_t>(i)]; }

    // Encoder handshake (values the lanes took this cycle), comparator handshake
    // (values it took, groups it handed on) and the slices ready.
    void traceSignals(sc_core::sc_trace_file* tf);

private:
    void onClock();  // SC_METHOD: one cycle while streaming
    void tick();
    bool finished() const { return ready_ == slices_.size(); }

    RowDataPathSpec spec_;
    std::vector<HeseEncoderCore> lanes_;
    TermComparatorCore comparator_;
    sc_core::sc_event startEvent_;
    bool running_ = false;
    std::vector<std::vector<int64_t>> input_;  // the slices' raw values
    std::size_t feedSlice_ = 0, feedPos_ = 0;  // next value offered to the lanes
    std::deque<EncodedValue> concatenated_;    // lane outputs waiting for the comparator, in order
    std::size_t takeSlice_ = 0, takePos_ = 0;  // next value the comparator takes
    std::vector<OperandSlice> slices_;         // assembled in order from the comparator's groups
    std::size_t ready_ = 0;
    bool traced_ = false;
    sc_core::sc_signal<int> lanesTook_, comparatorTook_, groupsOut_, readySignal_;
};

}  // namespace trsim
