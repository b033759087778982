// SCALE-Sim v2 style per-layer reports of a run, so a SCALE-Sim user can diff the two tools:
// DIR/COMPUTE_REPORT.csv and DIR/BANDWIDTH_REPORT.csv with SCALE-Sim's header, column order and
// meaning (its single_layer_sim.py calc_report_data). Each file is written to a temporary name and
// renamed, so a failure leaves no half-written report.
//
// COMPUTE_REPORT.csv   LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,
//   LayerID                0-based position of the layer in the run (SCALE-Sim: its topology row)
//   Total Cycles           trsim `cycles` - 1: SCALE-Sim reports the 0-based index of the last cycle
//   Stall Cycles           `stall_cycles` (cycles waiting for DRAM; SCALE-Sim: memory stalls)
//   Overall Util %         100 * useful work / (PEs * cycles): trsim `utilization` (MACs for mac; term
//                          pairs / pairs per cycle for tr and laconic; bit or term steps for stripes, pragmatic)
//   Mapping Efficiency %   100 * PEs holding an operand / PEs, averaged over folds: weight stationary maps
//                          K x N of each GEMM (sum over GEMMs = the weight tensor's size), output stationary
//                          M x N (= the output's size)
//   Compute Util %         100 * useful work / (PEs * compute_cycles): like Overall Util but without stalls
// BANDWIDTH_REPORT.csv  LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW,
//                       Avg IFMAP DRAM BW, Avg FILTER DRAM BW, Avg OFMAP DRAM BW,
//   SRAM columns           bytes between the buffers and the array per cycle (`array_data_bytes`,
//                          `array_weight_bytes`, `array_output_bytes` over `cycles`); SCALE-Sim counts words
//                          per cycle, the same for 1-byte operands; trsim's outputs are 4-byte partial sums
//   DRAM columns           `dram_data_bytes`, `dram_weight_bytes`, `dram_output_bytes` over `cycles`;
//                          SCALE-Sim divides by the window in which that operand's DRAM traffic happened
// With per_layer settings (sim/config/PerLayer.hpp) COMPUTE_REPORT.csv has one more, last column:
//   Layer Setting          the layer's operands as w=<enc>:g<group>:k<budget>:q<QT bits>;d=... (no commas)
#pragma once
#include <map>
#include <string>
#include <vector>

#include "sim/config/Config.hpp"
#include "sim/io/Trace.hpp"
#include "sim/run/StatsRegistry.hpp"

namespace trsim {

// `trace.layers` must be the layers the run simulated, in `layerOrder`. `layerSettings` (layer -> its
// setting text, ConfigLoader's operandSettingText), when given, adds the Layer Setting column. Creates DIR
// if missing; throws std::runtime_error naming the file that could not be written.
void writeScaleSimReports(const std::string& dir, const StatsRegistry& stats, const std::vector<std::string>& layerOrder,
                          const Trace& trace, const SimConfig& config,
                          const std::map<std::string, std::string>* layerSettings = nullptr);

}  // namespace trsim
