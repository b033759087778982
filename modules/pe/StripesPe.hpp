// Stripes PE (bit-serial activations, Judd et al. MICRO 2016; DNNsim
// core/src/BitPragmatic-family "Stripes"): the weight is held in parallel and
// the activation arrives one bit per cycle, LSB first, for `precision` cycles
// whatever its value (the precision is per layer, profiled from the data).
#pragma once
#include <cstdint>

namespace trsim {

class StripesPe {
public:
    // Fast: the product and the cycles it takes.
    static int64_t fastProduct(int64_t weight, int64_t data) { return weight * data; }

    void beginStep(int64_t weight, int64_t data, int precision) {
        weight_ = weight;
        magnitude_ = data < 0 ? -data : data;
        negative_ = data < 0;
        precision_ = precision;
        bit_ = 0;
        acc_ = 0;
    }
    // One cycle: one activation bit; true after the last.
    bool tick() {
        if (bit_ < precision_) {
            if ((magnitude_ >> bit_) & 1) acc_ += weight_ * (int64_t{1} << bit_);
            ++bit_;
        }
        return done();
    }
    bool done() const { return bit_ >= precision_; }
    int64_t endStep() const { return negative_ ? -acc_ : acc_; }

private:
    int64_t weight_ = 0, magnitude_ = 0, acc_ = 0;
    bool negative_ = false;
    int precision_ = 0, bit_ = 0;
};

}  // namespace trsim
