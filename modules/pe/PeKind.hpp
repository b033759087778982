// A PE kind: everything that makes one processing element design differ from
// another, behind one interface, so that the array, the controller, the stats
// and the energy model hold no kind-specific branch. Each kind is one file in
// modules/pe/ (MacKind.cpp, TrKind.cpp, ...) listed once in PeRegistry.cpp.
//
// Contract of a kind:
//  - operands: prepareLayer turns a layer's trace tensors into what its PEs
//    consume (replaced values, e.g. exponential levels; term codings revealed
//    per GEMM; the layer's step slot), and the functional reference is exact
//    arithmetic on exactly those operands;
//  - step rule and arithmetic: makeCore returns the array core compiled for the
//    kind's step rule (PeArrayCore<Rule>, static dispatch in the hot loop; the
//    Rule's members are listed in modules/array/PeArrayCore.hpp): a step's
//    product, its work, its cycles alone, and the fixed slot or lock step
//    (configureArray sets ArraySpec::schedule and the slot); the same rule steps
//    each PE module of the structural array on the operand slices at its ports;
//  - work: the rule counts MACs, term pairs, coefficient flushes and serial
//    steps into ArrayCounters; usefulWork/workPerPeCycle turn them into
//    utilization;
//  - energy: energyActions names the energy-table entries the kind's PEs and
//    its data path spend, with their counts;
//  - area: areaComponents lists what one array of the kind is made of (its PEs
//    and its data path per row), each component's area derived from the area
//    table's primitives at the design's operand widths; none: no area model;
//  - statistics: recordStats adds the kind's own stats to a layer's scope, each
//    with its name, unit and description;
//  - config: validate checks the kind's own keys once, at load; accuracy looks
//    the configuration's model quality up in the trace.
// Kinds are stateless singletons; everything a run needs comes from the config.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace trsim {

struct ArraySpec;
struct ArrayCounters;
struct LayerOperands;
struct LayerOutcome;
struct SimConfig;
struct Trace;
class OperandTensor;
struct OperandCoding;
class StatsRegistry;
class SystolicArrayCore;

// Where an energy action is reported (the layer's energy_<component>_pj stat,
// sim/run/EnergyModel.hpp).
enum class EnergyComponent { PeCompute, Encoder, Comparator };

// `count` actions, each costing `scale` times the energy-table entry `entry`
// (e.g. a 4 x 4 multiply: 16/64 of multiply_8b). `name` names the action in the
// results' per-action breakdown (default: the entry).
struct EnergyAction {
    EnergyAction(EnergyComponent component_, std::string entry_, double count_, double scale_ = 1,
                 std::string name_ = {})
        : component(component_), entry(std::move(entry_)), count(count_), scale(scale_), name(std::move(name_)) {}
    EnergyComponent component;
    std::string entry;
    double count = 0;
    double scale = 1;
    std::string name;
    const std::string& actionName() const { return name.empty() ? entry : name; }
};

// `count` instances of one component of `eachUm2` square micrometres (a PE, an
// encoder lane, a term comparator), built from the area table's primitives
// (sim/config/AreaModel.hpp).
struct AreaComponent {
    std::string name;  // "pe", "hese_encoder_lane", "term_comparator", ...
    double eachUm2 = 0;
    double count = 0;
    double mm2() const { return eachUm2 * count * 1e-6; }
};

// Reports one config problem: the key path and what is wrong and allowed.
using ConfigProblem = std::function<void(const std::string& key, const std::string& message)>;

class PeKind {
public:
    virtual ~PeKind() = default;

    // The pe.kind value, and one line for --help.
    virtual std::string name() const = 0;
    virtual std::string description() const = 0;

    // Checks the kind's own config keys against the rest of the config; called
    // once by the loader on an otherwise valid config.
    virtual void validate(const SimConfig&, const ConfigProblem&) const {}

    // Fills the kind's part of the array spec (schedule, slot, reduction per
    // PE, data path timing); the caller has set shape and dataflow.
    virtual void configureArray(const SimConfig& config, ArraySpec& spec) const = 0;
    // The array core with this kind's step rule (spec.pe must be this kind).
    virtual std::unique_ptr<SystolicArrayCore> makeCore(const ArraySpec& spec) const = 0;

    // The operands the PEs consume for one layer (fc/lstm [M,K]/[N,K]; conv [B,C,H,W]/[N,C/g,KH,KW]).
    virtual LayerOperands prepareLayer(const SimConfig& config, const OperandTensor& inputs,
                                       const OperandTensor& weights) const = 0;

    // Whether the kind's data are revealed at run time by the array's data path
    // (data_path.*: HESE encoder lanes and a term comparator per row, whose
    // timing configureArray puts in the spec). The structural array then streams
    // the raw data through that path (modules/structural/RowDataPath.hpp).
    virtual bool revealsDataAtRunTime() const { return false; }

    // A layer's useful work in PE work units (MACs, bits, terms, term pairs),
    // and how many of those units a PE completes per cycle at most.
    virtual double usefulWork(const ArrayCounters& counters) const = 0;
    virtual double workPerPeCycle(const SimConfig&) const { return 1; }

    // Bits per stored data value when the kind stores data otherwise than packed
    // binary (DNA-TEQ: exponent codes); nullopt: packed at the layer's precision.
    // A layer's outputs are written at the width its next layer stores data at.
    virtual std::optional<double> storedDataBits(const SimConfig&) const { return std::nullopt; }

    // Energy-table actions of a layer beyond PE clocking, data encoding, the
    // output stage, memory and leakage (sim/run/EnergyModel.hpp adds those).
    virtual std::vector<EnergyAction> energyActions(const SimConfig& config, const LayerOutcome& outcome) const = 0;

    // The components of one array of this kind (config.area must be loaded);
    // empty (the default): the kind has no area model.
    virtual std::vector<AreaComponent> areaComponents(const SimConfig&) const { return {}; }

    // Extra per-layer statistics of the kind (name, unit, description each).
    virtual void recordStats(StatsRegistry&, const std::string& /*scope*/, const SimConfig&,
                             const LayerOutcome&) const {}

    // The trace's model quality for this configuration, when the trace has it
    // (called without QT; sim/run/AccuracyKey.cpp looks further in the score cache).
    virtual std::optional<double> accuracy(const Trace& trace, const SimConfig& config) const;
    // How the kind's arithmetic on one operand is named in the accuracy setting
    // key (sim/run/AccuracyKey.hpp): "exact" for exact products of the operands,
    // "<encoding>:g<g>:k<k>" for revealed terms under a budget; nullopt when the
    // scorer (traces/score.py) does not model the kind's arithmetic.
    virtual std::optional<std::string> accuracyOperand(const OperandCoding&) const { return std::string("exact"); }
};

}  // namespace trsim
