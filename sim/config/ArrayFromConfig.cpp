#include "sim/config/ArrayFromConfig.hpp"

#include "modules/pe/PeRegistry.hpp"

namespace trsim {

ArraySpec arraySpecFromConfig(const SimConfig& c) {
    ArraySpec s;
    s.rows = c.array.rows;
    s.cols = c.array.cols;
    s.dataflow = c.array.dataflow == Dataflow::WeightStationary ? ArrayDataflow::WeightStationary
                                                                 : ArrayDataflow::OutputStationary;
    s.linkLatency = c.array.linkLatency;
    s.pe = &peKindOf(c);
    s.pe->configureArray(c, s);
    return s;
}

std::optional<RowDataPathSpec> rowDataPathSpecFromConfig(const SimConfig& c) {
    if (!peKindOf(c).revealsDataAtRunTime()) return std::nullopt;
    RowDataPathSpec d;
    d.lanes = c.dataPath.lanesPerRow;
    d.encoder.bits = c.data.bits;
    d.encoder.bitsPerCycle = c.dataPath.encoderBitsPerCycle;
    d.encoder.latencyCycles = c.dataPath.encoderLatency;
    d.comparator.groupSize = c.data.groupSize;
    d.comparator.budget = c.data.budget;
    d.comparator.latencyCycles = c.dataPath.comparatorLatency;
    d.comparator.valuesPerCycle = c.dataPath.comparatorValuesPerCycle;
    return d;
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

const PeKind& peKindOf(const SimConfig& c) { return peKind(c.pe.kind); }

}  // namespace trsim
