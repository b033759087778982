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
    if (params.valuesPerCycle < 1)
        throw std::invalid_argument("TermComparator: valuesPerCycle must be >= 1, got " +
                                    std::to_string(params.valuesPerCycle));
    if (params.segmentLength < 0)
        throw std::invalid_argument("TermComparator: segmentLength must be >= 0, got " +
                                    std::to_string(params.segmentLength));
}

std::optional<TimedRevealedGroup> TermComparatorCore::tick(std::optional<EncodedValue> arriving, bool flush) {
    std::vector<EncodedValue> values;
    if (arriving) values.push_back(std::move(*arriving));
    std::vector<TimedRevealedGroup> out = tickMany(std::move(values), flush);
    // One value per call closes at most one group, so at most one leaves.
    if (out.empty()) return std::nullopt;
    return std::move(out.front());
}

std::vector<TimedRevealedGroup> TermComparatorCore::tickMany(std::vector<EncodedValue> arriving, bool flush) {
    const uint64_t now = cycle_;
    if (static_cast<int>(arriving.size()) > params_.valuesPerCycle)
        throw std::invalid_argument("TermComparator: " + std::to_string(arriving.size()) +
                                    " values in one cycle, more than valuesPerCycle = " +
                                    std::to_string(params_.valuesPerCycle));
    // Check before changing anything so a bad value leaves the core as it was.
    for (const EncodedValue& v : arriving)
        for (std::size_t i = 0; i < v.terms.size(); ++i) {
            const int e = v.terms[i].exponent;
            if (e < 0 || e >= kExponents || (i > 0 && e > v.terms[i - 1].exponent))
                throw std::invalid_argument("TermComparator: terms of " + std::to_string(v.value) +
                                            " are not largest first within 2^0..2^63");
        }
    for (EncodedValue& v : arriving) {
        if (open_.empty()) openSince_ = now;
        for (const Term& t : v.terms) ++perExponent_[t.exponent];
        openTerms_ += static_cast<int>(v.terms.size());
        open_.push_back(std::move(v.terms));
        ++segmentPosition_;
        const bool segmentEnd = params_.segmentLength > 0 && segmentPosition_ == params_.segmentLength;
        if (segmentEnd) segmentPosition_ = 0;
        if (static_cast<int>(open_.size()) == params_.groupSize || segmentEnd) close(now);
    }
    if (flush) {
        if (!open_.empty()) close(now);
        segmentPosition_ = 0;  // the next stream starts a fresh segment
    }

    // Every closed group waits the same latency, so the due ones are at the front.
    std::vector<TimedRevealedGroup> out;
    while (!pipeline_.empty() && pipeline_.front().outputCycle == now) {
        out.push_back(std::move(pipeline_.front()));
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
    // As many groups as values can leave in one cycle; hold unless they all fit.
    if (out->num_free() < core_.params().valuesPerCycle) {
        ++stallCycles_;
        return;
    }
    std::vector<EncodedValue> arriving;
    EncodedValue v;
    while (static_cast<int>(arriving.size()) < core_.params().valuesPerCycle && in->nb_read(v))
        arriving.push_back(std::move(v));
    for (TimedRevealedGroup& g : core_.tickMany(std::move(arriving))) out->nb_write(g.group);
}

}  // namespace trsim
