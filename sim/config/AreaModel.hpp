// Silicon area of a configured array, from the primitives of an area table
// (configs/area/*.yaml), and sizing an array to an area budget.
//
// Primitives (um^2): add(n) linear through the 8- and 32-bit adder anchors;
// mult(a, b) a power law in the partial-product count a*b through the 8- and
// 32-bit multiplier anchors; reg(n) = n flip-flops; a counter of n bits =
// add(n) + reg(n). Components are built for the design's operand widths:
// wb, db = operands.*.quantize_bits if set, else operands.*.bits (magnitude
// bits; signs are handled sign-magnitude, one XOR, not counted), with an
// accumulator of wb + db + 16 bits (8 x 8: 32):
//   mac        mult(wb, db) + add(acc) + reg(wb + db + acc)
//   stripes    wb gating muxes + add(acc) + reg(wb + 1 + acc)     (bit-serial data)
//   pragmatic  barrel shifter: (wb + E) x ceil(log2(E + 1)) muxes, E = the data
//              encoding's largest exponent; add(acc) + reg(wb + term + acc)
//   tr         tMAC: exponent adder add(bits of Ew + Ed) + C coefficient counters
//              of bitLength(slot pairs) + 1 bits (up/down) + flush adder add(acc)
//              + reg(stored weight group + data term + acc); the weight group is
//              held as it is stored (OperandStorage.hpp: k term slots, or g
//              binary values)
//   laconic    the tMAC without a budget: counters sized for g = 1 term pairs
//   dnateq     not modelled (no area stats; array.area_mm2 is an error)
// Data path per array row: tr has lanes_per_row HESE encoder lanes and, with a
// data budget, a term comparator; pragmatic and laconic one encoder lane (one
// data value per step per row). Encoder lane: 2 (b + 1) muxes of window logic +
// reg(b + maxTerms x (1 + exponent bits)), maxTerms = the encoding's most terms per value.
// Comparator: k x (add(E bits) + reg(1 + E bits + index bits)) for the top k.
// SRAM: (weights + data + outputs KiB) x sram_kib.
#pragma once
#include <optional>
#include <string>

#include "sim/config/Config.hpp"

namespace trsim {

struct AreaBreakdown {
    double peUm2 = 0;            // one PE
    double rowDataPathUm2 = 0;   // encoders and comparator in front of one array row
    double arrayMm2 = 0;         // rows x cols PEs
    double dataPathMm2 = 0;      // rows x the row data path
    double sramMm2 = 0;          // the three on-chip buffers
    double totalMm2() const { return arrayMm2 + dataPathMm2 + sramMm2; }
};

// Primitive areas in um^2 (see above).
double adderUm2(const AreaTable& t, int bits);
double multiplierUm2(const AreaTable& t, int aBits, int bBits);
double registerUm2(const AreaTable& t, double bits);

// nullopt when the config has no area table or its PE kind has no area model.
std::optional<AreaBreakdown> areaOf(const SimConfig& c);

// array.area_mm2: the largest square array whose PEs and row data paths fit the
// budget (SRAM is outside it: every design gets the same buffers):
// n = max { n : n^2 * PE + n * row data path <= budget }. Sets rows = cols = n;
// throws ConfigError naming `file` and the key when not even one PE fits.
void sizeArrayToArea(SimConfig& c, const std::string& file);

}  // namespace trsim
