#include "modules/functional/TermTable.hpp"

#include <array>
#include <mutex>
#include <stdexcept>
#include <string>

namespace trsim {

TermTable::TermTable(Encoding e, int bits) : bits_(bits) {
    const uint64_t n = uint64_t{1} << bits;
    offsets_.resize(n);
    counts_.resize(n);
    masks_.resize(n);
    static_assert(kMaxBits + 1 < 32, "exponent masks are 32 bits");
    for (uint64_t m = 0; m < n; ++m) {
        const Terms t = encode(e, static_cast<int64_t>(m), bits);
        offsets_[m] = static_cast<uint32_t>(terms_.size());
        counts_[m] = static_cast<uint8_t>(t.size());
        for (const Term& term : t) {
            const uint32_t bit = uint32_t{1} << term.exponent;
            if (masks_[m] & bit)
                throw std::logic_error("TermTable: " + encodingName(e) + " gives " + std::to_string(m) +
                                       " two terms of exponent " + std::to_string(term.exponent));
            masks_[m] |= bit;
        }
        maxTerms_ = std::max(maxTerms_, static_cast<int>(t.size()));
        terms_.insert(terms_.end(), t.begin(), t.end());
        int64_t sum = 0;
        prefixSums_.push_back(0);  // no term kept: keptValue() without a branch on kept == 0
        for (const Term& term : t) prefixSums_.push_back(static_cast<int32_t>(sum += term.value()));
    }
}

const TermTable& TermTable::get(Encoding e, int bits) {
    if (bits < 1 || bits > kMaxBits)
        throw std::out_of_range("TermTable: bits must be 1.." + std::to_string(kMaxBits) + ", got " +
                                std::to_string(bits));
    static std::mutex lock;
    static std::array<std::array<std::unique_ptr<TermTable>, kMaxBits + 1>, 4> tables;
    const std::lock_guard<std::mutex> guard(lock);
    std::unique_ptr<TermTable>& slot = tables[static_cast<std::size_t>(e)][static_cast<std::size_t>(bits)];
    if (!slot) slot.reset(new TermTable(e, bits));
    return *slot;
}

void TermTable::throwTooWide(int64_t value) const {
    throw std::out_of_range("value " + std::to_string(value) + " does not fit in a " + std::to_string(bits_) +
                            "-bit sign-magnitude number (|value| <= " + std::to_string((int64_t{1} << bits_) - 1) +
                            ")");
}

}  // namespace trsim
