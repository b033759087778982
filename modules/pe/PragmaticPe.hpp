// Bit-Pragmatic PE (Albericio et al. MICRO 2017): the weight is held in
// parallel and the activation's terms (its "oneffsets" in the chosen encoding)
// arrive one per cycle; each shifts the weight and adds it. A value with no
// terms still takes a cycle.
#pragma once
#include <cstdint>

#include "modules/functional/Term.hpp"

namespace trsim {

class PragmaticPe {
public:
    void beginStep(int64_t weight, const Term* dataTerms, int count) {
        weight_ = weight;
        terms_ = dataTerms;
        count_ = count;
        next_ = 0;
        acc_ = 0;
    }
    // One cycle: one data term; true once all are in.
    bool tick() {
        if (next_ < count_) {
            const Term& t = terms_[next_++];
            acc_ += t.sign * weight_ * (int64_t{1} << t.exponent);
        }
        return done();
    }
    bool done() const { return next_ >= count_; }
    int64_t endStep() const { return acc_; }

private:
    int64_t weight_ = 0, acc_ = 0;
    const Term* terms_ = nullptr;
    int count_ = 0, next_ = 0;
};

}  // namespace trsim
