#include "modules/datapath/HeseEncoder.hpp"

#include <stdexcept>
#include <string>

#include "modules/functional/Encoding.hpp"

namespace trsim {
namespace {

int bitAt(uint64_t m, int i) { return (i < 0 || i > 63) ? 0 : static_cast<int>((m >> i) & 1u); }

// The HESE digit (-1, 0, +1) at exponent e. SPEC.md section 2 states HESE per
// window (b[i+1], b[i], b[i-1]); seen from the output side a digit at e comes
// either from window i = e (010 -> +1, 110 -> -1) or from window i = e - 1
// (011 -> +1 one place up). The two cannot both fire (they need different b[e]),
// so each digit is a function of four bits and the scan can produce any number
// of digits per cycle independently.
int heseDigit(uint64_t m, int e) {
    const int above = bitAt(m, e + 1), here = bitAt(m, e), below = bitAt(m, e - 1);
    if (here == 1) {
        if (below == 1) return 0;  // inside a run (111) or its start (011, counted one place up)
        return above == 0 ? +1 : -1;
    }
    return (below == 1 && bitAt(m, e - 2) == 1) ? +1 : 0;
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const EncodedValue& v) {
    return os << v.value << " [" << formatTerms(v.terms) << "]";
}

HeseEncoderCore::HeseEncoderCore(const HeseEncoderParams& params) : params_(params) {
    if (params.bits < 1 || params.bits > 62)
        throw std::invalid_argument("HeseEncoder: bits must be 1..62, got " + std::to_string(params.bits));
    if (params.bitsPerCycle < 0)
        throw std::invalid_argument("HeseEncoder: bitsPerCycle must be >= 0, got " +
                                    std::to_string(params.bitsPerCycle));
    if (params.latencyCycles < 0)
        throw std::invalid_argument("HeseEncoder: latencyCycles must be >= 0, got " +
                                    std::to_string(params.latencyCycles));
    const int digits = params.bits + 1;
    digitsPerCycle_ = (params.bitsPerCycle == 0 || params.bitsPerCycle > digits) ? digits : params.bitsPerCycle;
    cyclesPerValue_ = (digits + digitsPerCycle_ - 1) / digitsPerCycle_;
}

EncoderTick HeseEncoderCore::tick(std::optional<int64_t> offered) {
    EncoderTick result;
    const uint64_t now = cycle_;

    if (!scan_ && offered) {
        const int64_t v = *offered;
        // Negate in unsigned arithmetic so INT64_MIN is rejected, not undefined.
        const uint64_t mag = v < 0 ? uint64_t{0} - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
        if (mag >> params_.bits)
            throw std::out_of_range("HeseEncoder: value " + std::to_string(v) + " does not fit in " +
                                    std::to_string(params_.bits) + " magnitude bits");
        scan_ = Scan{v, mag, params_.bits, {}, now};
        result.accepted = true;
    }

    if (scan_) {
        ++scanCycles_;
        const int8_t sign = scan_->value < 0 ? -1 : 1;
        for (int n = 0; n < digitsPerCycle_ && scan_->nextDigit >= 0; ++n, --scan_->nextDigit) {
            const int d = heseDigit(scan_->magnitude, scan_->nextDigit);
            if (d != 0)
                scan_->terms.push_back({static_cast<int8_t>(d * sign), static_cast<int8_t>(scan_->nextDigit)});
        }
        if (scan_->nextDigit < 0) {
            ++valuesEncoded_;
            termsEmitted_ += scan_->terms.size();
            pipeline_.push_back({{scan_->value, std::move(scan_->terms)},
                                 scan_->acceptCycle,
                                 now + static_cast<uint64_t>(params_.latencyCycles)});
            scan_.reset();
        }
    }

    // Values finish their scans at least one cycle apart and all wait the same
    // number of stages, so at most one can be due now.
    if (!pipeline_.empty() && pipeline_.front().outputCycle == now) {
        result.output = std::move(pipeline_.front());
        pipeline_.pop_front();
    }

    ++cycle_;
    return result;
}

HeseEncoder::HeseEncoder(sc_core::sc_module_name name, const HeseEncoderParams& params)
    : sc_core::sc_module(name), clk("clk"), in("in"), out("out"), core_(params) {
    SC_METHOD(onClock);
    sensitive << clk.pos();
    dont_initialize();
}

void HeseEncoder::onClock() {
    // At most one value leaves per cycle, so one free slot is all the core can need.
    if (out->num_free() == 0) {
        ++stallCycles_;
        return;
    }
    std::optional<int64_t> offered;
    int64_t v = 0;
    if (core_.ready() && in->nb_read(v)) offered = v;
    EncoderTick t = core_.tick(offered);
    if (t.output) out->nb_write(t.output->encoded);
}

}  // namespace trsim
