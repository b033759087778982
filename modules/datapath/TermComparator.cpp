#include "modules/datapath/TermComparator.hpp"

#include <stdexcept>
#include <string>

namespace trsim {

std::ostream& operator<<(std::ostream& os, const RevealedGroup& g) {
    os << "{kept:";
    for (const Terms& t : g.kept) os << " [" << formatTerms(t) << "]";
    return os << " available " << g.available << " comparisons " << g.comparisons << "}";
}

TermComparatorCore::TermComparatorCore(const TermComparatorParams& params) : params_(params) {
    if (params.groupSize < 1)
        throw std::invalid_argument("TermComparator: groupSize must be >= 1, got " + std::to_string(params.groupSize));
    if (params.budget && *params.budget < 0)
        throw std::invalid_argument("TermComparator: budget must be >= 0, got " + std::to_string(*params.budget));
    if (params.latencyCycles < 0)
        throw std::invalid_argument("TermComparator: latencyCycles must be >= 0, got " +
                                    std::to_string(params.latencyCycles));
    if (params.segmentLength < 0)
        throw std::invalid_argument("TermComparator: segmentLength must be >= 0, got " +
                                    std::to_string(params.segmentLength));
}

std::optional<TimedRevealedGroup> TermComparatorCore::tick(std::optional<EncodedValue> arriving, bool flush) {
    const uint64_t now = cycle_;

    if (arriving) {
        // Check before changing anything so a bad value leaves the core as it was.
        for (std::size_t i = 0; i < arriving->terms.size(); ++i) {
            const int e = arriving->terms[i].exponent;
            if (e < 0 || e >= kExponents || (i > 0 && e > arriving->terms[i - 1].exponent))
                throw std::invalid_argument("TermComparator: terms of " + std::to_string(arriving->value) +
                                            " are not largest first within 2^0..2^63");
        }
        if (open_.empty()) openSince_ = now;
        for (const Term& t : arriving->terms) ++perExponent_[t.exponent];
        openTerms_ += static_cast<int>(arriving->terms.size());
        open_.push_back(std::move(arriving->terms));
        ++segmentPosition_;
        const bool segmentEnd = params_.segmentLength > 0 && segmentPosition_ == params_.segmentLength;
        if (segmentEnd) segmentPosition_ = 0;
        if (static_cast<int>(open_.size()) == params_.groupSize || segmentEnd) close(now);
    }
    if (flush) {
        if (!open_.empty()) close(now);
        segmentPosition_ = 0;  // the next stream starts a fresh segment
    }

    // Groups close at least one cycle apart and all wait the same latency, so
    // at most one can be due now.
    std::optional<TimedRevealedGroup> out;
    if (!pipeline_.empty() && pipeline_.front().outputCycle == now) {
        out = std::move(pipeline_.front());
        pipeline_.pop_front();
        ++groupsEmitted_;
    }
    ++cycle_;
    return out;
}

void TermComparatorCore::close(uint64_t now) {
    TimedRevealedGroup g;
    int keptCount = 0;
    g.group.kept = keep(keptCount);
    g.group.available = openTerms_;
    g.group.comparisons = params_.budget ? openTerms_ : 0;
    g.firstArrivalCycle = openSince_;
    g.closeCycle = now;
    g.outputCycle = now + static_cast<uint64_t>(params_.latencyCycles);

    termsIn_ += static_cast<uint64_t>(openTerms_);
    termsKept_ += static_cast<uint64_t>(keptCount);
    comparisons_ += static_cast<uint64_t>(g.group.comparisons);
    pipeline_.push_back(std::move(g));

    open_.clear();
    perExponent_.fill(0);
    openTerms_ = 0;
}

// Top-k by a per-exponent count rather than by merging: walking the counts from
// the top finds the threshold exponent below which nothing is kept and how many
// terms at the threshold still fit; those go to the lowest value indices, which
// is the spec's "sort by exponent, stable by value index, keep the first k".
std::vector<Terms> TermComparatorCore::keep(int& keptCount) const {
    if (!params_.budget) {
        keptCount = openTerms_;
        return open_;
    }
    int threshold = -1;  // exponents above it are all kept
    int quota = 0;       // terms at the threshold that are kept
    int left = *params_.budget;
    for (int e = kExponents - 1; e >= 0; --e) {
        if (perExponent_[e] >= left) {
            threshold = e;
            quota = left;
            break;
        }
        left -= perExponent_[e];
    }
    std::vector<Terms> kept(open_.size());
    keptCount = 0;
    for (std::size_t v = 0; v < open_.size(); ++v) {
        for (const Term& t : open_[v]) {
            const bool take = t.exponent > threshold || (t.exponent == threshold && quota > 0);
            if (!take) continue;
            if (t.exponent == threshold) --quota;
            kept[v].push_back(t);
            ++keptCount;
        }
    }
    return kept;
}

TermComparator::TermComparator(sc_core::sc_module_name name, const TermComparatorParams& params)
    : sc_core::sc_module(name), clk("clk"), in("in"), out("out"), core_(params) {
    SC_METHOD(onClock);
    sensitive << clk.pos();
    dont_initialize();
}

void TermComparator::onClock() {
    // At most one group leaves per cycle, so one free slot is all the core can need.
    if (out->num_free() == 0) {
        ++stallCycles_;
        return;
    }
    std::optional<EncodedValue> arriving;
    EncodedValue v;
    if (in->nb_read(v)) arriving = std::move(v);
    std::optional<TimedRevealedGroup> g = core_.tick(std::move(arriving));
    if (g) out->nb_write(g->group);
}

}  // namespace trsim
