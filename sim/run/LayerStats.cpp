#include "sim/run/LayerStats.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "modules/pe/PeKind.hpp"
#include "sim/config/ArrayFromConfig.hpp"
#include "sim/run/EnergyModel.hpp"

namespace trsim {

OutputError outputError(const IntTensor& actual, const IntTensor& exact) {
    OutputError e;
    long double diff2 = 0, ref2 = 0;
    for (std::size_t i = 0; i < exact.size(); ++i) {
        const long double d = static_cast<long double>(actual.data[i] - exact.data[i]);
        diff2 += d * d;
        ref2 += static_cast<long double>(exact.data[i]) * static_cast<long double>(exact.data[i]);
        e.maxAbs = std::max(e.maxAbs, static_cast<double>(std::fabs(static_cast<double>(d))));
    }
    e.relativeL2 = ref2 > 0 ? static_cast<double>(std::sqrt(diff2 / ref2)) : (diff2 > 0 ? INFINITY : 0.0);
    return e;
}

namespace {

const std::map<std::string, std::string>& componentDescriptions() {
    static const std::map<std::string, std::string> d{
        {"pe_compute", "the PE kind's arithmetic: MACs, term pairs plus coefficient flushes, serial bit or term steps, exponent MACs"},
        {"pe_clock", "PE registers and clock, every PE every cycle"},
        {"encoder", "HESE encoding of data values (and of weights loaded into the array, pe.weight_storage: values)"},
        {"comparator", "term comparator: data TR (and weight TR at load, pe.weight_storage: values)"},
        {"output_stage", "the array's output stage requantizing final outputs (operands.outputs.precision)"},
        {"sram", "on-chip buffer reads and writes, each buffer at its size's access energy"},
        {"dram", "off-chip DRAM traffic"},
        {"static", "leakage of the design's logic and SRAM area over the layer's time"},
    };
    return d;
}

// Components, their sums and each action under <scope>/actions/<action>/ (EnergyModel.hpp).
void recordEnergy(StatsRegistry& s, const std::string& scope, const SimConfig& c, const LayerOutcome& o, double cycles) {
    const std::vector<ActionEnergy> actions = layerEnergy(c, o, cycles);
    std::map<std::string, double> byComponent;
    for (const ActionEnergy& a : actions) {
        byComponent[a.component] += a.pj();
        const std::string group = scope + "/actions/" + a.action;
        s.set(group, "count", a.count, a.unit, "how many times the layer did this action");
        s.set(group, "pj_each", a.pjEach, "pJ", "energy of one action: energy-table entry " + a.entry +
                                                    (a.component == "sram" ? ", at the buffer's capacity" : "") +
                                                    (a.component == "static" ? ": leakage power times one cycle" : ""));
        s.set(group, "energy_pj", a.pj(), "pJ", "count * pj_each, part of energy_" + a.component + "_pj");
    }
    double total = 0;
    for (const std::string& component : energyComponents()) {
        const double pj = byComponent[component];
        total += pj;
        s.set(scope, "energy_" + component + "_pj", pj, "pJ", componentDescriptions().at(component));
    }
    s.set(scope, "energy_on_chip_pj", total - byComponent["dram"], "pJ",
          "every component but DRAM: PE compute and clock, encoder, comparator, output stage, SRAM, static");
    s.set(scope, "energy_total_pj", total, "pJ", "sum of the energy_<component>_pj components");
}

}  // namespace

void recordLayer(StatsRegistry& s, const std::string& scope, const SimConfig& c, const LayerOutcome& o,
                 const LayerShape& shape, const OutputError& error) {
    const ArrayCounters& k = o.counters;
    const double pes = static_cast<double>(c.array.rows) * c.array.cols;
    const double cycles = static_cast<double>(o.totalCycles);
    const double peCycles = pes * cycles;
    const PeKind& kind = peKindOf(c);

    s.set(scope, "cycles", cycles, "cycles", "total cycles of the layer: compute plus memory stalls");
    s.set(scope, "compute_cycles", static_cast<double>(k.computeCycles), "cycles",
          "cycles the array computed (weight preload, data path fill, steps with fill and drain)");
    s.set(scope, "stall_cycles", static_cast<double>(o.stallCycles), "cycles",
          "cycles the array waited for DRAM (operands not yet loaded, final write-back)");
    s.set(scope, "ideal_cycles", static_cast<double>(k.idealCycles), "cycles",
          "compute cycles if every PE could run alone (no lock step, no fixed slots)");
    s.set(scope, "sync_loss_cycles", static_cast<double>(k.computeCycles - k.idealCycles), "cycles",
          "compute cycles lost to synchronisation: compute_cycles - ideal_cycles");
    s.set(scope, "time_us", cycles / c.clockMhz, "us", "layer latency at the configured clock");
    s.set(scope, "pe_cycles", peCycles, "PE-cycles", "PEs times cycles: the work the array could have done");
    s.set(scope, "dense_macs", static_cast<double>(shape.denseMacs), "MACs",
          "multiply-accumulates of the layer at full precision (M*K*N summed over GEMMs)");
    s.set(scope, "macs", static_cast<double>(k.macs), "MACs",
          "value products the PEs completed (kinds that work element by element; tr works on groups)");
    s.set(scope, "term_pairs", static_cast<double>(k.termPairs), "term pairs",
          "term-pair products done by term-pair PEs (tr, laconic; the TR paper's cost metric)");
    s.set(scope, "serial_steps", static_cast<double>(k.serialSteps), "steps",
          "activation bits (stripes) or activation terms (pragmatic) shifted in");
    const double useful = kind.usefulWork(k) / kind.workPerPeCycle(c);
    s.set(scope, "utilization", peCycles > 0 ? useful / peCycles : 0, "fraction",
          "useful work (MACs, bits or terms, or term pairs / pairs per cycle) over PE-cycles available");
    s.set(scope, "folds", static_cast<double>(k.folds), "folds", "array tiles the layer's GEMMs needed");
    s.set(scope, "gemms", static_cast<double>(o.gemms), "GEMMs", "GEMMs the layer was lowered to");
    s.set(scope, "dram_read_bytes", static_cast<double>(o.traffic.dramReadBytes), "bytes", "bytes read from DRAM");
    s.set(scope, "dram_write_bytes", static_cast<double>(o.traffic.dramWriteBytes), "bytes", "bytes written to DRAM");
    s.set(scope, "sram_read_words", static_cast<double>(o.traffic.sramReadWords), "64-bit words",
          "on-chip buffer reads");
    s.set(scope, "sram_write_words", static_cast<double>(o.traffic.sramWriteWords), "64-bit words",
          "on-chip buffer writes");
    const struct {
        const char* name;
        int64_t bytes;
        const char* description;
    } byOperand[] = {
        {"dram_weight_bytes", o.traffic.dramByOperand.weights, "weight bytes read from DRAM"},
        {"dram_data_bytes", o.traffic.dramByOperand.data, "data (ifmap) bytes read from DRAM"},
        {"dram_output_bytes", o.traffic.dramByOperand.outputs, "output and partial-sum bytes written to and read back from DRAM"},
        {"array_weight_bytes", o.traffic.arrayByOperand.weights, "weight bytes the buffers fed into the array"},
        {"array_data_bytes", o.traffic.arrayByOperand.data, "data (ifmap) bytes the buffers fed into the array"},
        {"array_output_bytes", o.traffic.arrayByOperand.outputs, "output and partial-sum bytes the array wrote to the buffers"},
    };
    for (const auto& b : byOperand) s.set(scope, b.name, static_cast<double>(b.bytes), "bytes", b.description);
    const struct {
        const char* name;
        int64_t values;
        const char* description;
    } valuesByOperand[] = {
        {"dram_weight_values", o.traffic.dramValues.weights, "weight values read from DRAM"},
        {"dram_data_values", o.traffic.dramValues.data, "data (ifmap) values read from DRAM"},
        {"dram_output_values", o.traffic.dramValues.outputs, "output and partial-sum values written to and read back from DRAM"},
        {"array_weight_values", o.traffic.arrayValues.weights, "weight values the buffers fed into the array"},
        {"array_data_values", o.traffic.arrayValues.data, "data (ifmap) values the buffers fed into the array"},
        {"array_output_values", o.traffic.arrayValues.outputs, "output and partial-sum values the array wrote to the buffers"},
    };
    for (const auto& v : valuesByOperand) s.set(scope, v.name, static_cast<double>(v.values), "values", v.description);
    s.set(scope, "output_stored_bits", o.stored.outputBits, "bits/value",
          "bits per final output value the array writes (operands.outputs.precision; 32: partial sums as they are)");
    s.set(scope, "data_values_encoded", static_cast<double>(o.dataValues), "values",
          "values turned into terms in front of the array (tr, laconic, pragmatic)");
    s.set(scope, "weight_terms", static_cast<double>(o.weightKeptTerms), "terms", "weight terms the PEs held (tr: after TR; laconic: all)");
    s.set(scope, "data_terms", static_cast<double>(o.dataKeptTerms), "terms",
          "data terms the PEs consumed, im2col repeats counted (tr: after TR; laconic, pragmatic: all)");

    s.set(scope, "weight_stored_bits", o.stored.weightBits, "bits/value",
          "bits per weight in DRAM and the buffers: packed at the layer's precision, or TR kept-term slots");
    s.set(scope, "data_stored_bits", o.stored.dataBits, "bits/value",
          "bits per data value in DRAM and the buffers, packed at the layer's precision");
    s.set(scope, "weight_magnitude_bits", o.weightMagnitudeBits, "bits",
          "bits of the largest weight magnitude the array got (after QT)");
    s.set(scope, "data_magnitude_bits", o.dataMagnitudeBits, "bits",
          "bits of the largest data magnitude the array got (after QT)");

    recordEnergy(s, scope, c, o, cycles);

    // SCALE-Sim's per-fold averages (modules/array/GemmJob.hpp, FoldAverages).
    const FoldAverages& f = o.foldAverages;
    s.set(scope, "mapping_efficiency", f.folds > 0 ? f.mappingSum / f.folds : 0, "fraction",
          "PEs holding an operand over PEs, averaged over folds (SCALE-Sim's Mapping Efficiency)");
    s.set(scope, "fold_compute_utilization", f.folds > 0 ? f.computeSum / f.folds / kind.workPerPeCycle(c) : 0,
          "fraction",
          "useful work over the PEs' capacity in each fold's cycles as SCALE-Sim counts them, averaged over folds "
          "(SCALE-Sim's Compute Util)");

    s.set(scope, "error_rel_l2", error.relativeL2, "fraction",
          "||output - exact|| / ||exact|| against exact integer arithmetic (no TR)");
    s.set(scope, "error_max_abs", error.maxAbs, "integer units", "largest |output - exact| over the layer's outputs");
    kind.recordStats(s, scope, c, o);
}

void recordLayerSetting(StatsRegistry& s, const std::string& scope, const SimConfig& c) {
    const auto orNan = [](const std::optional<int>& v) { return v ? static_cast<double>(*v) : std::nan(""); };
    const struct {
        const char* op;
        const OperandCoding& coding;
        const std::optional<int>& qt;
    } operands[] = {{"weight", c.weights, c.quantize.weightBits}, {"data", c.data, c.quantize.dataBits}};
    for (const auto& o : operands) {
        const std::string op = o.op, key = op == "weight" ? "operands.weights." : "operands.data.";
        s.set(scope, op + "_group_size", o.coding.groupSize, "values", "the layer's " + key + "group_size");
        s.set(scope, op + "_budget", orNan(o.coding.budget), "terms",
              "the layer's " + key + "budget: terms kept per group (NaN: none, every term)");
        s.set(scope, op + "_quantize_bits", orNan(o.qt), "bits",
              "the layer's " + key + "quantize_bits (NaN: none, the trace's integers)");
    }
}

LayerMap peUtilizationMap(const std::string& layer, const SimConfig& c, const LayerOutcome& o) {
    LayerMap map;
    map.layer = layer;
    map.name = "pe_utilization";
    map.unit = "fraction";
    map.description = "share of the layer's cycles each PE did useful work (MACs, or term pairs / pairs per cycle)";
    map.shape = {c.array.rows, c.array.cols};
    const double perPe = static_cast<double>(o.totalCycles) * peKindOf(c).workPerPeCycle(c);
    map.data.resize(static_cast<std::size_t>(c.array.rows) * c.array.cols, 0.0);
    for (std::size_t i = 0; i < map.data.size() && i < o.peWork.size(); ++i)
        map.data[i] = perPe > 0 ? static_cast<double>(o.peWork[i]) / perPe : 0.0;
    return map;
}

void recordRunTotals(StatsRegistry& s, const std::vector<std::string>& layerScopes, double wallSeconds,
                     int64_t peCount) {
    std::vector<std::string> summed{"cycles",   "compute_cycles", "stall_cycles", "ideal_cycles", "time_us",
                                    "dense_macs", "macs",         "term_pairs",   "serial_steps"};
    for (const std::string& component : energyComponents()) summed.push_back("energy_" + component + "_pj");
    for (const char* name : {"energy_on_chip_pj", "energy_total_pj", "dram_read_bytes", "dram_write_bytes"})
        summed.push_back(name);
    for (const std::string& name : summed) {
        for (const auto& scope : layerScopes) {
            const Stat& st = s.stat(scope, name);
            s.add("run", name, st.value, st.unit, "sum over layers: " + st.description);
        }
    }
    // Per-action counts and energies over the run (run/actions/<action>/).
    const std::vector<std::string> scopes = s.scopes();
    for (const auto& layer : layerScopes) {
        const std::string prefix = layer + "/actions/";
        for (const auto& scope : scopes) {
            if (scope.compare(0, prefix.size(), prefix) != 0) continue;
            const std::string group = "run/actions/" + scope.substr(prefix.size());
            for (const char* name : {"count", "energy_pj"}) {
                const Stat& st = s.stat(scope, name);
                s.add(group, name, st.value, st.unit, "sum over layers: " + st.description);
            }
        }
    }
    const double cycles = s.get("run", "cycles");
    s.set("run", "utilization",
          cycles > 0 ? [&] {
              double useful = 0;
              for (const auto& scope : layerScopes) useful += s.get(scope, "utilization") * s.get(scope, "pe_cycles");
              return useful / (cycles * static_cast<double>(peCount));
          }()
                     : 0.0,
          "fraction", "useful work over PE-cycles, whole run");
    s.set("run", "wall_seconds", wallSeconds, "s", "host time the simulation took");
    s.set("run", "simulated_pe_cycles_per_second", wallSeconds > 0 ? cycles * peCount / wallSeconds : 0,
          "PE-cycles/s", "simulation speed on this host");
}

}  // namespace trsim
