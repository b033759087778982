#include "modules/functional/Term.hpp"

namespace trsim {

int64_t termsValue(const Terms& terms) {
    int64_t sum = 0;
    for (const Term& t : terms) sum += t.value();
    return sum;
}

std::string formatTerms(const Terms& terms) {
    std::string out;
    for (const Term& t : terms) {
        if (!out.empty()) out += ' ';
        out += (t.sign < 0 ? "-2^" : "+2^");
        out += std::to_string(t.exponent);
    }
    return out;
}

}  // namespace trsim
