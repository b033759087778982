// A signed power-of-two term: value = sign * 2^exponent.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace trsim {

struct Term {
    int8_t sign = 1;      // +1 or -1
    int8_t exponent = 0;  // >= 0

    int64_t value() const { return static_cast<int64_t>(sign) * (int64_t{1} << exponent); }
    bool operator==(const Term& o) const { return sign == o.sign && exponent == o.exponent; }
    bool operator!=(const Term& o) const { return !(*this == o); }
};

using Terms = std::vector<Term>;

// Sum of the terms' values.
int64_t termsValue(const Terms& terms);

// "+2^5 -2^3 +2^2 -2^0"; empty string for no terms.
std::string formatTerms(const Terms& terms);

}  // namespace trsim
