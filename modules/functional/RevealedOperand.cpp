#include "modules/functional/RevealedOperand.hpp"

#include <map>
#include <mutex>
#include <stdexcept>

namespace trsim {

RevealedOperand::RevealedOperand(const IntTensor& a, const OperandCoding& coding) {
    if (a.rank() != 2) throw std::invalid_argument("RevealedOperand: expected [rows, K], got " + shapeString(a.shape));
    if (coding.groupSize < 1) throw std::invalid_argument("RevealedOperand: group size must be >= 1");
    rows_ = a.dim(0);
    depth_ = a.dim(1);
    const std::size_t n = a.size();
    values_.resize(n);
    counts_.resize(n);
    offsets_.resize(n);
    std::vector<Terms> group;
    for (int64_t r = 0; r < rows_; ++r) {
        for (int64_t start = 0; start < depth_; start += coding.groupSize) {
            const int64_t end = std::min(depth_, start + coding.groupSize);
            group.clear();
            for (int64_t k = start; k < end; ++k) {
                group.push_back(encode(coding.encoding, a.data[idx(r, k)], coding.bits));
                encodedTerms_ += static_cast<int64_t>(group.back().size());
            }
            const std::vector<Terms> kept = selectTopTerms(group, coding.budget);
            for (int64_t k = start; k < end; ++k) {
                const Terms& t = kept[static_cast<std::size_t>(k - start)];
                offsets_[idx(r, k)] = static_cast<uint32_t>(terms_.size());
                counts_[idx(r, k)] = static_cast<uint8_t>(t.size());
                values_[idx(r, k)] = termsValue(t);
                terms_.insert(terms_.end(), t.begin(), t.end());
            }
        }
    }
}

RevealedOperand RevealedOperand::plain(const IntTensor& a) {
    if (a.rank() != 2) throw std::invalid_argument("RevealedOperand: expected [rows, K], got " + shapeString(a.shape));
    RevealedOperand r;
    r.rows_ = a.dim(0);
    r.depth_ = a.dim(1);
    r.values_ = a.data;
    r.counts_.assign(a.size(), 0);
    r.offsets_.assign(a.size(), 0);
    return r;
}

IntTensor RevealedOperand::valuesTensor() const {
    IntTensor t({rows_, depth_});
    t.data = values_;
    return t;
}

int maxTermsPerValue(Encoding e, int bits) {
    static std::mutex lock;
    static std::map<std::pair<int, int>, int> cache;
    const std::lock_guard<std::mutex> guard(lock);
    const auto key = std::make_pair(static_cast<int>(e), bits);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
    if (bits > 20) throw std::invalid_argument("maxTermsPerValue: bits > 20 not supported");
    int most = 0;
    for (int64_t m = 0; m < (int64_t{1} << bits); ++m) most = std::max(most, static_cast<int>(encode(e, m, bits).size()));
    cache[key] = most;
    return most;
}

}  // namespace trsim
