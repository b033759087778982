#include "modules/structural/RowDataPath.hpp"

#include <algorithm>
#include <string>

namespace trsim {

RowDataPath::RowDataPath(const sc_core::sc_module_name& name, const RowDataPathSpec& spec)
    : sc_core::sc_module(name),
      clk("clk"),
      spec_(spec),
      lanes_(static_cast<std::size_t>(spec.lanes), HeseEncoderCore(spec.encoder)),
      comparator_(spec.comparator),
      lanesTook_("lanes_took"),
      comparatorTook_("comparator_took"),
      groupsOut_("groups_out"),
      readySignal_("slices_ready") {
    SC_METHOD(onClock);
    sensitive << startEvent_;
    dont_initialize();
}

void RowDataPath::traceSignals(sc_core::sc_trace_file* tf) {
    traced_ = true;
    const std::string n = name();
    sc_core::sc_trace(tf, lanesTook_, n + ".encoders_took");
    sc_core::sc_trace(tf, comparatorTook_, n + ".comparator_took");
    sc_core::sc_trace(tf, groupsOut_, n + ".comparator_groups_out");
    sc_core::sc_trace(tf, readySignal_, n + ".slices_ready");
}

void RowDataPath::start(std::vector<std::vector<int64_t>> slices) {
    input_ = std::move(slices);
    slices_.assign(input_.size(), OperandSlice{});
    feedSlice_ = feedPos_ = takeSlice_ = takePos_ = 0;
    ready_ = 0;
    concatenated_.clear();
    running_ = !input_.empty();
    if (running_) startEvent_.notify(sc_core::SC_ZERO_TIME);
}

void RowDataPath::onClock() {
    // Woken by start(): the first cycle is the next clock edge.
    if (!running_) return;
    if (!clk.posedge()) {
        next_trigger(clk.posedge_event());
        return;
    }
    tick();
    if (finished())
        running_ = false;  // sleep until the next start()
    else
        next_trigger(clk.posedge_event());
}

void RowDataPath::tick() {
    // Encoders: a new batch of the current slice when every lane is free.
    const bool lanesFree = std::all_of(lanes_.begin(), lanes_.end(), [](const HeseEncoderCore& l) { return l.ready(); });
    int took = 0;
    for (std::size_t l = 0; l < lanes_.size(); ++l) {
        std::optional<int64_t> offered;
        if (lanesFree && feedSlice_ < input_.size() && feedPos_ + l < input_[feedSlice_].size())
            offered = input_[feedSlice_][feedPos_ + l];
        EncoderTick t = lanes_[l].tick(offered);
        took += t.accepted ? 1 : 0;
        // Lanes of one batch finish together, so lane order is value order.
        if (t.output) concatenated_.push_back(std::move(t.output->encoded));
    }
    if (took > 0) {
        feedPos_ += static_cast<std::size_t>(took);
        if (feedPos_ == input_[feedSlice_].size()) {
            ++feedSlice_;
            feedPos_ = 0;
        }
    }
    // Comparator: up to valuesPerCycle values, never past the end of a slice (which closes its last group).
    std::vector<EncodedValue> arriving;
    bool sliceEnd = false;
    while (!concatenated_.empty() && static_cast<int>(arriving.size()) < spec_.comparator.valuesPerCycle && !sliceEnd) {
        arriving.push_back(std::move(concatenated_.front()));
        concatenated_.pop_front();
        if (++takePos_ == input_[takeSlice_].size()) {
            sliceEnd = true;
            ++takeSlice_;
            takePos_ = 0;
        }
    }
    const int taken = static_cast<int>(arriving.size());
    const std::vector<TimedRevealedGroup> out = comparator_.tickMany(std::move(arriving), sliceEnd);
    for (const TimedRevealedGroup& g : out) {
        OperandSlice& s = slices_[ready_];
        for (const Terms& kept : g.group.kept) {
            s.values.push_back(termsValue(kept));
            s.terms.push_back(kept);
        }
        if (s.values.size() == input_[ready_].size()) ++ready_;
    }
    if (traced_) {
        lanesTook_.write(took);
        comparatorTook_.write(taken);
        groupsOut_.write(static_cast<int>(out.size()));
        readySignal_.write(static_cast<int>(ready_));
    }
}

}  // namespace trsim
