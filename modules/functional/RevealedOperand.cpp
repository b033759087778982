#include "modules/functional/RevealedOperand.hpp"

#include "modules/functional/HugePages.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace trsim {

RevealedOperand::RevealedOperand(const OperandTensor& a, const OperandCoding& coding, TermStorage storage,
                                 int threads) {
    if (a.rank() != 2) throw std::invalid_argument("RevealedOperand: expected [rows, K], got " + shapeString(a.shape));
    if (coding.groupSize < 1) throw std::invalid_argument("RevealedOperand: group size must be >= 1");
    const TermTable& table = TermTable::get(coding.encoding, coding.bits);
    rows_ = a.dim(0);
    depth_ = a.dim(1);
    const std::size_t n = a.size();
    narrow_ = storesNarrow(coding);
    if (narrow_) {
        reserveHugePages(values16_, n);
        values16_.resize(n);
    } else {
        reserveHugePages(values32_, n);
        values32_.resize(n);
    }
    reserveHugePages(counts_, n);
    counts_.resize(n);
    // How many terms TR keeps of each value, and each value after TR (the sum of its kept terms), a block
    // of rows at a time: blocks of a large operand on threads of their own, each touching its own fresh
    // memory first (a large fully connected layer's weights took a second on one thread).
    struct Block {
        int64_t first = 0, end = 0, encodedTerms = 0, keptTerms = 0;
        uint32_t keptExponents = 0;
        std::exception_ptr error;
    };
    auto revealBlock = [&](Block& b) {
        try {
            std::vector<int64_t> row(static_cast<std::size_t>(depth_));  // a row widened: what the reveal reads
            std::vector<int32_t> revealed(narrow_ ? row.size() : 0);      // a narrow row before narrowing
            for (int64_t r = b.first; r < b.end; ++r) {
                a.copyTo(idx(r, 0), row.size(), row.data());
                int32_t* values = narrow_ ? revealed.data() : &values32_[idx(r, 0)];
                uint8_t* counts = &counts_[idx(r, 0)];
                b.encodedTerms += revealByGroup(table, row.data(), row.size(), coding.groupSize, coding.budget,
                                                counts, values, b.keptExponents);
                if (narrow_) std::copy(revealed.begin(), revealed.end(), &values16_[idx(r, 0)]);  // |value| <= 2^14
                for (std::size_t k = 0; k < row.size(); ++k) b.keptTerms += counts[k];
            }
        } catch (...) {
            b.error = std::current_exception();
        }
    };
    // Blocks of about kValuesPerBlock values, taken in turn by up to `threads` threads: a thread whose
    // rows fault in fresh pages, or that shares its core, takes fewer blocks rather than leaving the
    // others idle at the end (a fixed half each had fc6's second half run alone for 0.2 s).
    constexpr std::size_t kValuesPerThread = std::size_t{1} << 22, kValuesPerBlock = std::size_t{1} << 20;
    const int64_t workers = std::max<int64_t>(
        1, std::min<int64_t>({threads, rows_, static_cast<int64_t>(n / kValuesPerThread)}));
    const int64_t blocks =
        workers == 1 ? 1 : std::min<int64_t>(rows_, std::max<int64_t>(workers, static_cast<int64_t>(n / kValuesPerBlock)));
    std::vector<Block> parts(static_cast<std::size_t>(blocks));
    for (int64_t i = 0; i < blocks; ++i) parts[i].first = rows_ * i / blocks, parts[i].end = rows_ * (i + 1) / blocks;
    {
        std::atomic<std::size_t> next{0};
        auto work = [&] {
            for (std::size_t i; (i = next++) < parts.size();) revealBlock(parts[i]);
        };
        std::vector<std::thread> helpers;
        for (int64_t t = 1; t < workers; ++t) helpers.emplace_back(work);
        work();
        for (std::thread& t : helpers) t.join();
    }
    uint32_t keptExponents = 0;
    for (const Block& b : parts) {
        // The first block's error is the one a single thread would have met first: rows are in order.
        if (b.error) std::rethrow_exception(b.error);
        encodedTerms_ += b.encodedTerms;
        keptTerms_ += b.keptTerms;
        keptExponents |= b.keptExponents;
    }
    const bool store = storesTerms_ = storage == TermStorage::Stored;
    if (store) {
        if (keptTerms_ > int64_t{UINT32_MAX})
            throw std::length_error("RevealedOperand: more than 2^32 kept terms in one operand");
        offsets_.resize(n);
        terms_.resize(static_cast<std::size_t>(keptTerms_));
        uint32_t next = 0;
        for (std::size_t i = 0; i < n; ++i) {
            offsets_[i] = next;
            next += counts_[i];
        }
        // A value's kept terms are its largest: a prefix of its terms, with its sign.
        std::vector<int64_t> row(static_cast<std::size_t>(depth_));
        for (int64_t r = 0; r < rows_; ++r) {
            a.copyTo(idx(r, 0), row.size(), row.data());
            for (int64_t k = 0; k < depth_; ++k) {
                const std::size_t i = idx(r, k);
                const int64_t v = row[static_cast<std::size_t>(k)];
                const int8_t sign = v < 0 ? -1 : 1;
                const Term* t = table.terms(table.magnitude(v));
                for (int j = 0; j < counts_[i]; ++j)
                    terms_[offsets_[i] + j] = Term{static_cast<int8_t>(sign * t[j].sign), t[j].exponent};
            }
        }
    }
    // A kept value keeps its largest term, so the largest kept exponent is the largest of kept values' terms.
    largestExponent_ = keptExponents ? 31 - __builtin_clz(keptExponents) : 0;
}

RevealedOperand::RevealedOperand(RevealedParts parts)
    : rows_(parts.rows),
      depth_(parts.depth),
      encodedTerms_(parts.encodedTerms),
      keptTerms_(parts.keptTerms),
      largestExponent_(parts.keptExponents ? 31 - __builtin_clz(parts.keptExponents) : 0),
      narrow_(parts.narrow),
      values16_(std::move(parts.values16)),
      values32_(std::move(parts.values32)),
      counts_(std::move(parts.counts)) {
    const std::size_t n = static_cast<std::size_t>(rows_ * depth_);
    if (counts_.size() != n || (narrow_ ? values16_.size() : values32_.size()) != n)
        throw std::invalid_argument("RevealedOperand: parts of " + std::to_string(counts_.size()) +
                                    " values for [" + std::to_string(rows_) + ", " + std::to_string(depth_) + "]");
}

RevealedOperand RevealedOperand::plain(const OperandTensor& a) {
    if (a.rank() != 2) throw std::invalid_argument("RevealedOperand: expected [rows, K], got " + shapeString(a.shape));
    RevealedOperand r;
    r.rows_ = a.dim(0);
    r.depth_ = a.dim(1);
    r.narrow_ = a.bytesPerValue() <= 2;
    a.visit([&](const auto* v) {
        if (r.narrow_) {
            r.values16_.resize(a.size());
            std::copy_n(v, a.size(), r.values16_.begin());
        } else {
            r.values32_.resize(a.size());
            std::copy_n(v, a.size(), r.values32_.begin());  // operands fit 32 bits
        }
    });
    r.counts_.assign(a.size(), 0);
    r.offsets_.assign(a.size(), 0);
    return r;
}

IntTensor RevealedOperand::valuesTensor() const {
    IntTensor t({rows_, depth_});
    visitRow(0, [&](const auto* values) { std::copy_n(values, t.size(), t.data.begin()); });
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
