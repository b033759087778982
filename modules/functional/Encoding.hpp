// Encoders from sign-magnitude integers to signed power-of-two terms.
// Every encoder works on the magnitude and applies the value's sign to all of
// its terms (the sign-magnitude convention of the TR paper). Terms come out
// ordered by exponent, largest first; no exponent repeats within one value.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "modules/functional/Term.hpp"

namespace trsim {

enum class Encoding { Binary, Hese, Naf, Booth4 };

// Names used in configs and on the command line: binary, hese, naf, booth4.
std::string encodingName(Encoding e);
std::optional<Encoding> parseEncoding(const std::string& name);
const std::vector<std::string>& encodingNames();

// Largest exponent an encoding can produce for a `bits`-bit magnitude
// (HESE, NAF and Booth can carry one position past the top bit).
int maxExponent(Encoding e, int bits);

// Terms of `value`, whose magnitude must fit in `bits` bits (1..62);
// throws std::out_of_range otherwise.
Terms encode(Encoding e, int64_t value, int bits);

// The individual encoders on a magnitude (no range check; magnitude >= 0).
Terms encodeBinary(uint64_t magnitude);
Terms encodeHese(uint64_t magnitude);
Terms encodeNaf(uint64_t magnitude);
Terms encodeBooth4(uint64_t magnitude);

}  // namespace trsim
