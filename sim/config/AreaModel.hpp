// Silicon area of a configured array, from the primitives of an area table
// (configs/area/*.yaml), and sizing an array to an area budget.
//
// Primitives (um^2): add(n) linear through the 8- and 32-bit adder anchors;
// mult(a, b) a power law in the partial-product count a*b through the 8- and
// 32-bit multiplier anchors; reg(n) = n flip-flops; mux(n) = n 2:1 muxes (or
// gates); an up/down counter of n bits = add(n) + reg(n).
// Components are built for the design's operand widths: wb, db =
// operands.*.quantize_bits if set, else operands.*.bits (magnitude bits; signs
// are sign-magnitude, one XOR, not counted), with an accumulator of
// wb + db + 16 bits (8 x 8: 32). What each PE kind is made of is in its file
// (modules/pe/*Kind.cpp, areaComponents); SRAM is (weights + data + outputs KiB)
// x sram_kib for every kind.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "modules/pe/PeKind.hpp"
#include "sim/config/Config.hpp"

namespace trsim {

double adderUm2(const AreaTable& t, int bits);
double multiplierUm2(const AreaTable& t, int aBits, int bBits);
double registerUm2(const AreaTable& t, double bits);
double muxUm2(const AreaTable& t, double count);
double counterUm2(const AreaTable& t, int bits);

// The widths a design is built for (see above).
int weightDesignBits(const SimConfig& c);
int dataDesignBits(const SimConfig& c);
int designAccumulatorBits(const SimConfig& c);

struct AreaBreakdown {
    std::vector<AreaComponent> parts;  // the kind's components (PEs, data path)
    double sramMm2 = 0;
    double logicMm2() const;      // everything but SRAM: what array.area_mm2 budgets
    double totalMm2() const { return logicMm2() + sramMm2; }
};

// nullopt when the config has no area table or its PE kind has no area model.
std::optional<AreaBreakdown> areaOf(const SimConfig& c);

// array.area_mm2: the largest square array whose logic (PEs and row data paths)
// fits the budget; SRAM is outside it, every design gets the same buffers:
// n = max { n : logic(n x n) <= budget }. Sets rows = cols = n; throws
// ConfigError naming `file` and the key when not even one PE fits or the kind
// has no area model.
void sizeArrayToArea(SimConfig& c, const std::string& file);

}  // namespace trsim
