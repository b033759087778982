// A layer's energy as a list of actions, each with a count, an energy per action
// and the component it belongs to. The components are disjoint and
// energy_total_pj is their sum (LayerStats.cpp records both, and the actions
// under /layers/<layer>/actions/<action>/):
//  pe_compute   the kind's arithmetic (PeKind::energyActions: MACs at the
//               layer's widths, term pairs and coefficient flushes, ...)
//  pe_clock     pe_cycle for every PE every cycle
//  encoder      HESE encoding of data values (and of weights loaded into the
//               array when tr stores them as values)
//  comparator   term comparisons (data TR; weights stored as values)
//  output_stage requantize_output per final output below 32 bits (OutputPrecision.hpp)
//  sram         64-bit reads and writes of each buffer, at the buffer's size:
//               sram_{read,write}_64b * sqrt(capacity / sram_reference_capacity)
//  dram         dram_bit per bit read or written
//  static       leakage: (area_logic_mm2 * leakage_logic + area_sram_mm2 *
//               leakage_sram) times the layer's time (cycles / clock_mhz);
//               none without an area model (no area_table, or dnateq)
// energy_on_chip_pj is every component but dram.
#pragma once
#include <string>
#include <vector>

#include "modules/array/Controller.hpp"
#include "sim/config/Config.hpp"

namespace trsim {

struct ActionEnergy {
    std::string component;  // pe_compute, pe_clock, encoder, comparator, output_stage, sram, dram, static
    std::string action;     // the name in /layers/<layer>/actions/
    std::string entry;      // the energy-table entry it is priced from
    std::string unit;       // what `count` counts
    double count = 0;
    double pjEach = 0;
    double pj() const { return count * pjEach; }
};

// The components in the order the results list them.
const std::vector<std::string>& energyComponents();

// Energy of one 64-bit access of a buffer of `capacityKib` (entry sram_read_64b or sram_write_64b).
double sramAccessPj(const EnergyTable& t, const std::string& entry, double capacityKib);

// Leakage power of the configured design in mW; 0 without an area model.
double leakagePowerMw(const SimConfig& c);

// Every action of one layer that ran `cycles` cycles (compute and stalls).
std::vector<ActionEnergy> layerEnergy(const SimConfig& c, const LayerOutcome& o, double cycles);

}  // namespace trsim
