#include "sim/config/ArrayFromConfig.hpp"

#include "modules/datapath/HeseEncoder.hpp"
#include "modules/pe/TrPe.hpp"

#include <algorithm>

namespace trsim {

ArraySpec arraySpecFromConfig(const SimConfig& c) {
    ArraySpec s;
    s.rows = c.array.rows;
    s.cols = c.array.cols;
    s.dataflow = c.array.dataflow == Dataflow::WeightStationary ? ArrayDataflow::WeightStationary
                                                                 : ArrayDataflow::OutputStationary;
    s.pairsPerCycle = c.pe.termPairsPerCycle;
    s.coefficientCounters = c.pe.coefficientCounters;
    switch (c.pe.kind) {
        case PeKind::Mac: s.pe = ArrayPe::Mac; break;
        case PeKind::DnaTeq: s.pe = ArrayPe::DnaTeq; break;
        case PeKind::Stripes:
            s.pe = ArrayPe::Stripes;
            s.fixedStepCycles = c.data.bits;  // jobs narrow it to the layer's precision
            break;
        case PeKind::Pragmatic:
            s.pe = ArrayPe::Pragmatic;
            s.schedule = TrSchedule::Lockstep;
            break;
        case PeKind::Laconic:
            s.pe = ArrayPe::Laconic;
            s.schedule = TrSchedule::Lockstep;
            break;
        case PeKind::Tr: break;
    }
    if (c.pe.kind == PeKind::Tr) {
        s.pe = ArrayPe::Tr;
        s.schedule = c.pe.schedule == TrScheduleKind::Fixed ? TrSchedule::Fixed : TrSchedule::Lockstep;
        s.reductionPerPe = c.weights.groupSize;
        const int64_t slot = TrPe::slotPairs(c.weights, c.data);
        s.fixedStepCycles = static_cast<int>(std::max<int64_t>(1, (slot + s.pairsPerCycle - 1) / s.pairsPerCycle));
        // Each array row's encoders (lanes_per_row of them, each a
        // HeseEncoder -> TermComparator chain) deliver the row's g weight-group
        // elements every step: ceil(g / lanes) values per lane at C cycles per
        // value, so no step is shorter; a fold's first slice arrives that long
        // minus one, plus the encoder and comparator latencies, after it starts
        // (the chained timing HeseEncoderCore and TermComparatorCore implement).
        HeseEncoderParams enc;
        enc.bits = c.data.bits;
        enc.bitsPerCycle = c.dataPath.encoderBitsPerCycle;
        enc.latencyCycles = c.dataPath.encoderLatency;
        const int perValue = HeseEncoderCore(enc).cyclesPerValue();
        const int valuesPerLane = (c.weights.groupSize + c.dataPath.lanesPerRow - 1) / c.dataPath.lanesPerRow;
        s.minStepCycles = valuesPerLane * perValue;
        s.dataPathLatency = valuesPerLane * perValue - 1 + c.dataPath.encoderLatency + c.dataPath.comparatorLatency;
    }
    return s;
}

MemorySpec memorySpecFromConfig(const SimConfig& c) {
    MemorySpec m;
    m.weightBufferBytes = c.buffers.weightsKib * 1024;
    m.dataBufferBytes = c.buffers.dataKib * 1024;
    m.outputBufferBytes = c.buffers.outputsKib * 1024;
    m.dramBytesPerCycle = c.dram.bandwidthGBps * 1e9 / (c.clockMhz * 1e6);
    // Operand widths are the layer's (OperandStorage.hpp), set per GEMM job.
    return m;
}

namespace {

// Every term of every value, in the operand's encoding: how laconic and
// pragmatic see their operands (no budget; exact values).
OperandCoding allTerms(const OperandCoding& o) { return OperandCoding{o.bits, o.encoding, 1, std::nullopt}; }

}  // namespace

std::optional<OperandCoding> weightCodingFor(const SimConfig& c) {
    if (c.pe.kind == PeKind::Tr) return c.weights;
    if (c.pe.kind == PeKind::Laconic) return allTerms(c.weights);
    return std::nullopt;
}

std::optional<OperandCoding> dataCodingFor(const SimConfig& c) {
    if (c.pe.kind == PeKind::Tr) return c.data;
    if (c.pe.kind == PeKind::Laconic || c.pe.kind == PeKind::Pragmatic) return allTerms(c.data);
    return std::nullopt;
}

}  // namespace trsim
