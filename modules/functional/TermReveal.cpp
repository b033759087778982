#include "modules/functional/TermReveal.hpp"

#include <algorithm>
#include <stdexcept>

namespace trsim {

std::vector<Terms> selectTopTerms(const std::vector<Terms>& group, std::optional<int> budget) {
    if (budget && *budget < 0) throw std::invalid_argument("selectTopTerms: negative budget");
    std::vector<Terms> kept(group.size());
    if (!budget) return group;
    // Per-value cursors into already-sorted term lists: a k-way merge by exponent.
    std::vector<std::size_t> next(group.size(), 0);
    for (int taken = 0; taken < *budget; ++taken) {
        int best = -1;
        for (std::size_t v = 0; v < group.size(); ++v) {
            if (next[v] >= group[v].size()) continue;
            if (best < 0 || group[v][next[v]].exponent > group[best][next[best]].exponent) best = static_cast<int>(v);
        }
        if (best < 0) break;  // fewer terms than the budget: keep them all
        kept[best].push_back(group[best][next[best]++]);
    }
    return kept;
}

void revealValues(const int64_t* values, std::size_t n, const OperandCoding& coding, int64_t* out, int* termsOut) {
    if (coding.groupSize < 1) throw std::invalid_argument("revealValues: group size must be >= 1");
    std::vector<Terms> group;
    for (std::size_t start = 0; start < n; start += coding.groupSize) {
        const std::size_t end = std::min(n, start + static_cast<std::size_t>(coding.groupSize));
        group.clear();
        for (std::size_t i = start; i < end; ++i) group.push_back(encode(coding.encoding, values[i], coding.bits));
        const std::vector<Terms> kept = selectTopTerms(group, coding.budget);
        for (std::size_t i = start; i < end; ++i) {
            out[i] = termsValue(kept[i - start]);
            if (termsOut) termsOut[i] = static_cast<int>(kept[i - start].size());
        }
    }
}

}  // namespace trsim
