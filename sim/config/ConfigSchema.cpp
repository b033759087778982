#include "sim/config/ConfigSchema.hpp"

#include <sstream>

#include "modules/functional/Encoding.hpp"
#include "modules/pe/PeRegistry.hpp"
#include "sim/config/Config.hpp"
#include "sim/config/PerLayer.hpp"
#include "sim/config/StrictYaml.hpp"

namespace trsim {
namespace {

using T = ConfigKeyType;

std::vector<ConfigKeyDoc> operandKeys(const std::string& op) {
    const std::string p = "operands." + op + ".";
    return {
        {p + "bits", T::Integer, "2..16", "", true, "magnitude bits of the " + op + " (sign-magnitude integers)"},
        {p + "encoding", T::Choice, joinWords(encodingNames()), "", true,
         "how a value becomes signed power-of-two terms (tr; pragmatic: data; laconic)"},
        {p + "group_size", T::Integer, "1..4096", "", true,
         "values per TR group along the reduction dimension (tr)"},
        {p + "budget", T::IntegerOrNone, "0..1048576", "", true, "terms kept per group (tr), or none: keep every term"},
        {p + "quantize_bits", T::IntegerOrNone, "2..16", "none", false,
         "conventional quantization (QT) to this many magnitude bits at load: per layer, shift s = max(0, bits of the "
         "largest magnitude - b), round half away from zero, clamp; the scale grows by 2^s. none: the trace's values"},
    };
}

std::vector<ConfigKeyDoc> buildKeys() {
    std::vector<ConfigKeyDoc> k{
        {"trace", T::Path, "", "", true, "HDF5 layer trace (traces/README.md), relative to the config file"},
        {"array.rows", T::Integer, "1..4096", "", true, "PE rows of the systolic array"},
        {"array.cols", T::Integer, "1..4096", "", true, "PE columns of the systolic array"},
        {"array.area_mm2", T::Number, "0.000001..1000000", "none", false,
         "instead of rows and cols: the largest square array of the kind whose PEs and row data path fit this many mm2 "
         "(needs area_table)"},
        {"array.dataflow", T::Choice, "weight_stationary, output_stationary", "weight_stationary", false,
         "what stays in the PEs during a fold"},
        {"array.link_latency", T::Integer, "1..64", "1", false,
         "cycles a value spends on a link between neighbouring PEs; every step lasts link_latency - 1 cycles longer"},
        {"pe.kind", T::Choice, joinWords(peKindNames()), "", true,
         "the PE of the array, one of the registered kinds (modules/pe/PeRegistry.hpp; list below)"},
        {"pe.coefficient_counters", T::Integer, "1..64", "17", false,
         "tMAC coefficient accumulator counters, one per exponent sum (must cover the encodings, checked)"},
        {"pe.schedule", T::Choice, "fixed, lockstep", "fixed", false,
         "fixed: every step gets the slot the budgets allow; lockstep: a step lasts as long as its busiest PE"},
        {"pe.term_pairs_per_cycle", T::Integer, "1..64", "1", false, "term pairs a tr or laconic PE does per cycle"},
        {"pe.dnateq_exponent_bits", T::Integer, "1..8", "4", false, "exponent bits of DNA-TEQ operands"},
        {"pe.weight_storage", T::Choice, "terms, values", "terms", false,
         "tr with a weight budget: terms stores the kept terms, k slots of (sign, exponent, index) per group (the "
         "authors' design); values stores the weights at their width and reveals them when loaded into the array "
         "(an encoder lane per group element and a term comparator per column, energy and area counted)"},
        {"data_path.lanes_per_row", T::Integer, "1..4096", "8", false,
         "HESE encoders per array row (the authors' top level: 8)"},
        {"data_path.encoder_bits_per_cycle", T::Integer, "0..64", "0", false,
         "0: bit-parallel encoder, one value per cycle; n: bit-serial, n bits per cycle"},
        {"data_path.encoder_latency", T::Integer, "0..1000", "2", false, "HESE encoder register stages (cycles)"},
        {"data_path.comparator_latency", T::Integer, "0..1000", "1", false, "term comparator register stages (cycles)"},
        {"data_path.comparator_values_per_cycle", T::Integer, "1..4096", "lanes_per_row", false,
         "values the term comparator takes per cycle; fewer than lanes_per_row only in structural mode"},
    };
    for (const char* op : {"weights", "data"})
        for (auto& d : operandKeys(op)) k.push_back(std::move(d));
    k.push_back({"operands.outputs.precision", T::Text, "", "next_layer", false,
                 "width of a layer's outputs as they leave the array: next_layer (requantized by the output stage to "
                 "the width the next layer stores its data at; the last layer: its own data width), partial_sums "
                 "(32-bit sums, no output stage), or bits per value 1..32 (sim/run/OutputPrecision.hpp)"});
    const std::vector<ConfigKeyDoc> rest{
        {"clock_mhz", T::Number, "1..100000", "", true, "array clock; converts cycles to time and DRAM GB/s to bytes per cycle"},
        {"buffers.weights_kib", T::Number, "0.125..1048576", "256", false, "on-chip weight buffer (KiB)"},
        {"buffers.data_kib", T::Number, "0.125..1048576", "256", false, "on-chip data buffer (KiB)"},
        {"buffers.outputs_kib", T::Number, "0.125..1048576", "128", false, "on-chip output (partial sum) buffer (KiB)"},
        {"dram.bandwidth_gb_per_s", T::Number, "0.001..100000", "12.8", false, "off-chip bandwidth, 1 GB = 1e9 bytes"},
        {"energy_table", T::Path, "", "", true, "YAML energy table (format below), relative to the config file"},
        {"area_table", T::Path, "", "\"\"", false,
         "YAML area table (configs/area/), relative to the config file; empty: no area stats, no sizing by area"},
        {"energy.ENTRY.value", T::Number, "0..1000000000", "the table's", false,
         "overrides entry ENTRY of the energy table (any entry it defines, e.g. energy.multiply_8b.value=0.25)"},
        {"energy.ENTRY.unit", T::Choice, "pJ, fJ, nJ", "the table's", false, "unit of the overriding value"},
        {"energy.ENTRY.source", T::Text, "", "the table's", false,
         "where the value comes from (default with a value: this config file and key)"},
        {"outputs.save_layer_outputs", T::Boolean, "", "false", false, "also store each layer's integer outputs"},
        {"outputs.vcd", T::Path, "", "\"\"", false,
         "VCD waveform of the array; time in 1 ps units at clock_mhz (period rounded to 1 ps); empty: none"},
        {"outputs.vcd_level", T::Choice, "step, cycle", "step", false,
         "what the VCD shows: step: per step, operand indices, partial sums and work (every mode); cycle: the clock "
         "and per PE and cycle its operands' values and kept terms, the term pair in progress, the coefficient "
         "counters and the partial sum (simulation.mode structural; pe.kind tr, laconic, mac, dnateq; "
         "docs/model/structural.md); not part of the config hash"},
        {"outputs.term_histograms", T::Boolean, "", "true", false,
         "per-layer term histograms (terms per value before and after TR, term pairs per group, kept exponents); "
         "about a third of a run's CPU time (VGG-16 on 32x32: 7.6 against 5.4 CPU s, 2026-12-07)"},
        {"simulation.mode", T::Choice, "fast, detailed, structural", "fast", false,
         "fast: step-level (proven equal); detailed: one SystemC wait per clock cycle; structural: the array "
         "as wired SystemC modules (a module per PE, links, row data paths; proven equal)"},
        {"simulation.progress", T::Boolean, "", "true", false, "progress lines on stderr (not part of the config hash)"},
        {"simulation.threads", T::Integer, "1..256", "cores", false,
         "threads preparing operands and checking layers beside the SystemC thread, and sharing a large fast fold's "
         "rows with it (results do not depend on it; not part of the config hash)"},
        {"mapping.depthwise", T::Choice, "packed, per_channel", "packed", false,
         "depthwise convolutions: several channels per GEMM with block-diagonal weights, or one GEMM per channel"},
        {"simulation.layers", T::Text, "", "\"\"", false,
         "layers to simulate: items separated by commas, each a NAME, a glob (b1_*), A:B (0-based, A <= index < B, "
         "either end may be left out; quote it in YAML) or a role (first, last, depthwise, se: section per_layer "
         "below); empty: all"},
        {"accuracy.score", T::Choice, "auto, cached, off", "auto", false,
         "the model accuracy of a setting the trace and its score cache lack: auto scores it now (traces/score.py on "
         "the trace's test set, cached beside the trace), cached reports NaN and the command that scores it, off "
         "reports none (not part of the config hash; docs/user-guide/import.md)"},
        {"per_layer", T::List, "", "[]", false,
         "keys that differ per layer: a list of {layers: SELECTION, set: {KEY: VALUE, ...}}, later entries win "
         "(section below; docs/per-layer.md)"},
    };
    k.insert(k.end(), rest.begin(), rest.end());
    return k;
}

}  // namespace

const std::vector<ConfigKeyDoc>& configKeys() {
    static const std::vector<ConfigKeyDoc> keys = buildKeys();
    return keys;
}

std::string configKeyTypeName(ConfigKeyType t) {
    switch (t) {
        case T::Integer: return "integer";
        case T::IntegerOrNone: return "integer or none";
        case T::Number: return "number";
        case T::Choice: return "choice";
        case T::Boolean: return "boolean";
        case T::Text: return "text";
        case T::Path: return "path";
        case T::List: return "list";
    }
    return "";
}

std::string configReferenceMarkdown() {
    std::ostringstream s;
    s << "# trsim config reference\n\n"
         "Generated by `trsim config --reference` from `sim/config/ConfigSchema.cpp`; "
         "`tests/config_schema_test.cpp` fails when this file, the table or the loader drift apart.\n\n"
         "A config is YAML, validated once at load (`sim/config/ConfigLoader.cpp`): unknown keys, wrong types and "
         "out-of-range values are errors naming the file, the key path and what is allowed, all problems at once. "
         "`--set key.path=value` overrides any key the same way (the value is parsed as YAML). Paths are relative "
         "to the config file.\n\n"
         "| key | type | allowed | default | description |\n|---|---|---|---|---|\n";
    for (const ConfigKeyDoc& k : configKeys()) {
        std::string allowed = k.allowed;
        if (k.type == T::IntegerOrNone) allowed += ", none";
        if (k.type == T::Boolean) allowed = "true, false";
        s << "| `" << k.key << "` | " << configKeyTypeName(k.type) << " | " << allowed << " | "
          << (k.required ? "required" : "`" + k.defaultValue + "`") << " | " << k.description << " |\n";
    }
    s << "\nPE kinds (`pe.kind`):\n\n```\n" << peKindHelp() << "```\n\n"
         "Cross-key rules are each PE kind's own (PeKind::validate), e.g. for `tr` and `laconic` "
         "`pe.coefficient_counters` must be at least the largest weight exponent plus the largest data exponent "
         "plus 1 (binary: bits - 1; hese, naf, booth4: bits).\n\n"
         "## Energy table (`energy_table`)\n\n"
         "```yaml\ndescription: free text\nentries:\n  NAME: {value: 0.2, unit: pJ, source: where it comes from, "
         "derivation: optional}\n```\n\n"
         "`unit` is one of pJ, fJ, nJ for energies per action, mW/mm2 or uW/mm2 for the leakage_* entries, KiB "
         "for the *_capacity entries; `value` 0..1e9; `source` must not be empty. Every table defines these "
         "entries:\n\n";
    for (const auto& name : requiredEnergyEntries()) s << "- `" << name << "`\n";
    std::vector<std::string> keys;
    for (const PerLayerKey& k : perLayerKeys()) keys.push_back("`" + k.key + "`");
    std::vector<std::string> wired;
    for (const std::string& k : structuralPerLayerKeys()) wired.push_back("`" + k + "`");
    s << "\n## Per-layer settings (`per_layer`)\n\n"
         "```yaml\nper_layer:\n  - layers: stem                  # SELECTION\n    set: {operands.weights.budget: none}\n"
         "  - layers: \"b3_*,last\"\n    set: {operands.weights.budget: 16, operands.data.budget: 3}\n```\n\n"
         "Each entry sets its keys in the layers it selects; later entries win. Keys that can differ per layer: "
      << joinWords(keys)
      << " (in `simulation.mode: structural` only " << joinWords(wired)
      << "). SELECTION is the `simulation.layers` syntax: items separated by commas, each a layer name, a "
         "glob (`b1_*`), an index range `A:B` (0-based, A <= i < B, of the whole trace), or a role: `first`, "
         "`last` (index 0 and n-1), `depthwise` (a conv with groups > 1 and groups == C), `se` (trace "
         "attribute `role` = se). Every item must select a layer of the trace, checked when a run starts (and "
         "by `trsim validate`). `--set 'per_layer=[{layers: stem, set: {operands.weights.budget: none}}]'` sets "
         "the whole list. See docs/per-layer.md.\n";
    return s.str();
}

}  // namespace trsim
