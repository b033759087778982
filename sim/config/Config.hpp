// Typed, validated simulation configuration. Built once from YAML by
// ConfigLoader; nothing else in trsim reads YAML.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "modules/functional/TermReveal.hpp"
#include "sim/config/LayerSelection.hpp"

namespace trsim {

enum class Dataflow { WeightStationary, OutputStationary };
std::string dataflowName(Dataflow d);

struct ArrayConfig {
    int rows = 32;
    int cols = 32;
    // array.area_mm2: the rows x cols were picked to fit this area budget
    // (sim/config/AreaModel.hpp); nullopt when rows and cols were given.
    std::optional<double> areaMm2;
    Dataflow dataflow = Dataflow::WeightStationary;
    // Cycles a value spends on a link between neighbouring PEs (pipeline
    // registers on the wire). The lock step waits for it: every step lasts
    // linkLatency - 1 cycles longer than its compute, and each hop of the ideal
    // fill and drain takes linkLatency cycles.
    int linkLatency = 1;
};

enum class TrScheduleKind { Fixed, Lockstep };
std::string trScheduleName(TrScheduleKind s);

// How a TR array keeps its weights in DRAM and the buffers (pe.weight_storage):
//  terms:  the kept terms, revealed offline, in k fixed slots per group (the
//          authors' design: its array takes weight terms, exponent and sign
//          fields, and has no encoder on the weight path);
//  values: the weights at their width; an encoder and a term comparator per
//          array column reveal them as they are loaded into the array.
enum class WeightStorage { Terms, Values };
std::string weightStorageName(WeightStorage s);

struct PeConfig {
    std::string kind = "tr";  // a registered PE kind (modules/pe/PeRegistry.hpp)
    // tMAC coefficient accumulator: one small counter per power of two
    // (coe_acc.v in the authors' Verilog uses 16 for 3-bit exponents; 8-bit HESE
    // operands reach exponent 8 each, so sums up to 16 need 17).
    int coefficientCounters = 17;
    TrScheduleKind schedule = TrScheduleKind::Fixed;
    int termPairsPerCycle = 1;  // the authors' tMAC: one term pair per cycle (laconic too)
    int dnateqExponentBits = 4; // dnateq: exponent bits of both operands
    WeightStorage weightStorage = WeightStorage::Terms;  // tr with a weight budget
};

// The run-time data path of a TR array: per array row, `lanesPerRow` HESE
// encoders feeding a term comparator that delivers the row's reduction slice.
// The authors' top level has 8 encoders per row (8*H for H rows).
struct DataPathConfig {
    int lanesPerRow = 8;
    int encoderBitsPerCycle = 0;  // 0: bit-parallel, one value per cycle; 1: bit-serial (hese_encoder.v)
    int encoderLatency = 2;       // register stages after the scan (hese_encoder.v: 2)
    int comparatorLatency = 1;    // register stages after a group closes (concatenator_truncator.v: 1)
    int comparatorValuesPerCycle = 8;  // values the comparator takes per cycle [lanesPerRow]
};

// fast: step-level core, proven equal to the others; detailed: one SystemC wait
// per clock cycle; structural: the array elaborated from PE, link, streamer and
// collector modules on one sc_clock (modules/structural/).
enum class SimMode { Fast, Detailed, Structural };
std::string simModeName(SimMode m);

// How layers are lowered onto the array.
enum class DepthwiseMapping {
    Packed,      // several channels per GEMM, block-diagonal weights (modules/array/DepthwisePacking.hpp)
    PerChannel,  // each channel its own GEMM
};
struct MappingConfig {
    DepthwiseMapping depthwise = DepthwiseMapping::Packed;
};

struct SimulationConfig {
    SimMode mode = SimMode::Fast;
    bool progress = true;          // progress lines on stderr
    std::string layers;            // which trace layers run (sim/config/LayerSelection.hpp); empty: all
    int threads = 1;               // threads preparing operands and checking layers (results do not depend on it)
};

// Default of simulation.threads: the machine's cores.
int defaultThreads();

struct BufferConfig {
    double weightsKib = 256;
    double dataKib = 256;
    double outputsKib = 128;
};

struct DramConfig {
    double bandwidthGBps = 12.8;  // GB/s, 1 GB = 1e9 bytes
};

// One entry of a table of per-component costs (configs/energy, configs/area): the
// value in the table's base unit, the unit as written, and where it comes from.
struct CostEntry {
    double value = 0;
    std::string unit;
    std::string source;
};

// A cost table read from a file; empty path: none configured.
struct CostTable {
    std::string path;
    std::map<std::string, CostEntry> entries;
    double valueOf(const std::string& name) const { return entries.at(name).value; }
};

// Energies per action, in pJ.
struct EnergyTable : CostTable {
    double pj(const std::string& name) const { return valueOf(name); }
};

// Conventional quantization (QT) of the trace's integers at load:
// operands.<operand>.quantize_bits, 2..16 magnitude bits, or none (the trace's
// integers as they are). The rule is modules/functional/Requantize.hpp.
struct QuantizeConfig {
    std::optional<int> weightBits;
    std::optional<int> dataBits;
};

// Primitive areas (configs/area/*.yaml), in um^2; empty path: no area model configured.
struct AreaTable : CostTable {
    double um2(const std::string& name) const { return valueOf(name); }
};

// The precision a layer's outputs leave the array at (operands.outputs.precision;
// sim/run/OutputPrecision.hpp resolves it per layer):
//  next_layer:   requantized by the array's output stage to the width the next
//                layer's data are stored at (the last layer: its own data width);
//  partial_sums: the 32-bit sums as they are, no output stage;
//  bits:         requantized to `bits` bits per value.
enum class OutputPrecisionKind { NextLayer, PartialSums, Bits };
struct OutputPrecisionConfig {
    OutputPrecisionKind kind = OutputPrecisionKind::NextLayer;
    int bits = 8;  // kind Bits only
};
std::string outputPrecisionText(const OutputPrecisionConfig& p);

// What the VCD waveform shows: step: per step, every PE's operand indices,
// partial sums and work (every mode); cycle: the clock and, per PE and cycle, its
// operands' values and kept terms, the term pair in progress, the coefficient
// counters and the partial sum (simulation.mode structural; docs/model/structural.md).
enum class VcdLevel { Step, Cycle };

struct OutputConfig {
    bool saveLayerOutputs = false;
    std::string vcdPath;  // empty: no waveform
    VcdLevel vcdLevel = VcdLevel::Step;
    bool termHistograms = true;  // per-layer term histograms (sim/run/TermHistograms.hpp)
};

// Where a run's model accuracy comes from when the trace's own values and its score cache lack the
// setting (accuracy.score; sim/cli/AccuracyScoring.hpp). It changes no simulated number: not hashed.
enum class AccuracyScoring {
    Auto,    // score the setting now (traces/score.py) and cache it beside the trace
    Cached,  // only what the trace and its cache hold (NaN and the command that scores it otherwise)
    Off,     // no accuracy at all
};
struct AccuracyConfig {
    AccuracyScoring score = AccuracyScoring::Auto;
};
std::string accuracyScoringName(AccuracyScoring s);

struct SimConfig;

// One entry of per_layer (sim/config/PerLayer.hpp): the layers it selects and the keys it sets there.
struct PerLayerEntry {
    std::string layers;                                    // the selection as written
    LayerSelection selection;
    std::vector<std::pair<std::string, std::string>> set;  // key, canonical value; in perLayerKeys() order
    std::shared_ptr<const SimConfig> values;               // the run's config with these keys set (copied from)
};

struct SimConfig {
    std::string configPath;
    std::string tracePath;  // resolved relative to the config file
    ArrayConfig array;
    PeConfig pe;
    DataPathConfig dataPath;
    OperandCoding weights;
    OperandCoding data;
    QuantizeConfig quantize;
    OutputPrecisionConfig outputPrecision;
    double clockMhz = 200;
    BufferConfig buffers;
    DramConfig dram;
    EnergyTable energy;
    AreaTable area;
    OutputConfig outputs;
    MappingConfig mapping;
    SimulationConfig simulation;
    AccuracyConfig accuracy;
    // Keys that differ per layer, applied in order (sim/config/PerLayer.hpp); empty: every layer runs the above.
    std::vector<PerLayerEntry> perLayer;

    // Canonical YAML of every resolved value (defaults filled in), and its hash:
    // two runs with the same hash simulate the same thing.
    std::string resolvedYaml;
    std::string hash;
};

// Energy actions every table must define (SPEC.md section 4).
const std::vector<std::string>& requiredEnergyEntries();
// Primitives every area table must define (SPEC.md section 6).
const std::vector<std::string>& requiredAreaEntries();

}  // namespace trsim
