// SCALE-Sim v2 style per-layer reports of a run, so a SCALE-Sim user can diff the two tools:
// DIR/COMPUTE_REPORT.csv and DIR/BANDWIDTH_REPORT.csv with SCALE-Sim's header, column order and
// meaning (its single_layer_sim.py calc_report_data). Each file is written to a temporary name and
// renamed, so a failure leaves no half-written report.
//
// Each column follows SCALE-Sim v2's own definition (scalesim/single_layer_sim.py calc_report_data,
// scalesim/compute/systolic_compute_{ws,os}.py), with "one MAC" generalized to the PE kind's unit of
// work (MACs for mac; term pairs / pairs per cycle for tr and laconic; bit or term steps for stripes,
// pragmatic), so every percentage stays within 0..100 for every kind.
//
// COMPUTE_REPORT.csv   LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,
//   LayerID                0-based position of the layer in the run (SCALE-Sim: its topology row)
//   Total Cycles           trsim `cycles` - 1: SCALE-Sim reports ofmap_serviced_cycles[-1], the 0-based
//                          index of the last cycle; includes the stalls
//   Stall Cycles           `stall_cycles` (cycles waiting for DRAM; SCALE-Sim: memory stalls)
//   Overall Util %         100 * num_compute / (Total Cycles * PEs), num_compute the useful work in PE-cycles
//                          (SCALE-Sim: ofmap pixels * window size MACs; `utilization` * PEs * `cycles` here)
//   Mapping Efficiency %   100 * the mean over folds of PEs holding an operand / PEs (SCALE-Sim:
//                          row_used * col_used / (R * C) per fold, averaged without weights); `mapping_efficiency`
//   Compute Util %         100 * the mean over folds of useful work / (PEs * the fold's cycles as SCALE-Sim
//                          counts them: 2R + 2C + T - 3 weight stationary, T + R + C - 2 output stationary for
//                          one-cycle steps; trsim: the fold's compute cycles, + C - 1 weight stationary);
//                          `fold_compute_utilization` (modules/array/GemmJob.hpp, FoldAverages)
// BANDWIDTH_REPORT.csv  LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW,
//                       Avg IFMAP DRAM BW, Avg FILTER DRAM BW, Avg OFMAP DRAM BW,
//   SRAM columns           words (values) between the buffers and the array over Total Cycles, as SCALE-Sim's
//                          ifmap_reads, filter_reads, ofmap_writes / total_cycles: `array_data_values`,
//                          `array_weight_values`, `array_output_values` (every fold's partial sums counted)
//   DRAM columns           `dram_data_values`, `dram_weight_values`, `dram_output_values` over Total Cycles;
//                          SCALE-Sim divides each by the window its operand's DRAM traffic spans (stop - start
//                          + 1), which trsim does not track: with double buffering that window is most of the
//                          layer, so these are a lower bound of SCALE-Sim's
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
