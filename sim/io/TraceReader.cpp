#include "sim/io/TraceReader.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <filesystem>
#include <optional>
#include <sstream>

#include <sys/resource.h>
#include <unistd.h>

#include "sim/io/Hdf5Read.hpp"

namespace trsim {
namespace {

using h5read::Hdf5ReadError;
using h5read::ObjectKind;

// Version 2 adds what re-running the model needs (the /model graph, layer
// 'role'), none of which the simulator reads: both versions read the same way.
constexpr int kOldestFormatVersion = 1, kNewestFormatVersion = 2;
constexpr int kMaxBits = 16;  // magnitude bits; the term hardware counts exponents up to bits+1

// Every message starts with a "where" prefix: "<file>", "<file>: layer 'fc1'",
// then names the attribute or dataset, so a user can find the fault with h5dump.
[[noreturn]] void fail(const std::string& where, const std::string& what) { throw TraceError(where + ": " + what); }

std::string attributeWhere(const std::string& where, const std::string& name) {
    return where + ": attribute '" + name + "'";
}

std::string datasetWhere(const std::string& where, const std::string& name) {
    return where + ": dataset '" + name + "'";
}

// ----------------------------------------------------------------- attributes

template <class Read>
auto requiredAttribute(hid_t obj, const std::string& where, const std::string& name, const std::string& expected,
                       Read read) {
    if (!h5read::hasAttribute(obj, name)) fail(attributeWhere(where, name), "missing (expected " + expected + ")");
    try {
        return read(obj, name);
    } catch (const Hdf5ReadError& e) {
        fail(attributeWhere(where, name), e.what());
    }
}

std::string requiredString(hid_t obj, const std::string& where, const std::string& name) {
    return requiredAttribute(obj, where, name, "a string", h5read::readStringAttribute);
}

std::string requiredNonEmptyString(hid_t obj, const std::string& where, const std::string& name) {
    std::string s = requiredString(obj, where, name);
    if (s.find_first_not_of(" \t\r\n") == std::string::npos) fail(attributeWhere(where, name), "must not be empty");
    return s;
}

int requiredIntInRange(hid_t obj, const std::string& where, const std::string& name, int64_t lo, int64_t hi) {
    const int64_t v = requiredAttribute(obj, where, name, "an integer", h5read::readIntAttribute);
    if (v > hi && hi == INT_MAX)
        fail(attributeWhere(where, name), "is too large: " + std::to_string(v) + ", at most " + std::to_string(hi));
    if (v < lo || v > hi) {
        const std::string range = hi == INT_MAX ? ">= " + std::to_string(lo) : "in " + std::to_string(lo) + ".." + std::to_string(hi);
        fail(attributeWhere(where, name), "must be " + range + ", got " + std::to_string(v));
    }
    return static_cast<int>(v);
}

double requiredPositiveFloat(hid_t obj, const std::string& where, const std::string& name) {
    const double v = requiredAttribute(obj, where, name, "a float", h5read::readFloatAttribute);
    if (!std::isfinite(v) || v <= 0) {
        std::ostringstream s;
        s << "must be a finite number > 0, got " << v;
        fail(attributeWhere(where, name), s.str());
    }
    return v;
}

std::optional<double> optionalFiniteFloat(hid_t obj, const std::string& where, const std::string& name) {
    if (!h5read::hasAttribute(obj, name)) return std::nullopt;
    const double v = requiredAttribute(obj, where, name, "a float", h5read::readFloatAttribute);
    if (!std::isfinite(v)) fail(attributeWhere(where, name), "must be finite");
    return v;
}

void readRootAttributes(hid_t file, const std::string& where, Trace& t) {
    // The version first: a file from a future writer should say so, not fail on some renamed attribute.
    const int64_t version = requiredAttribute(file, where, "format_version", "an integer", h5read::readIntAttribute);
    if (version < kOldestFormatVersion || version > kNewestFormatVersion)
        fail(attributeWhere(where, "format_version"),
             "unsupported version " + std::to_string(version) + ", this reader reads versions " +
                 std::to_string(kOldestFormatVersion) + " to " + std::to_string(kNewestFormatVersion));
    t.formatVersion = static_cast<int>(version);
    t.network = requiredNonEmptyString(file, where, "network");
    t.source = requiredString(file, where, "source");
    if (t.source != "trained" && t.source != "synthetic")
        fail(attributeWhere(where, "source"), "must be 'trained' or 'synthetic', got '" + t.source + "'");
    t.description = requiredNonEmptyString(file, where, "description");
    if (h5read::hasAttribute(file, "metric")) t.metric = requiredString(file, where, "metric");
    t.floatMetric = optionalFiniteFloat(file, where, "float_metric");
    t.int8Metric = optionalFiniteFloat(file, where, "int8_metric");
}

// ----------------------------------------------------------------- sizes

// A trace may declare any shape; nothing is allocated before its size is known
// to fit. Products are computed with overflow checks (a [2^62, 8] dataset must
// not wrap to 0 elements) and compared with the memory the machine has.
uint64_t memoryLimitBytes() {
    const long pages = ::sysconf(_SC_PHYS_PAGES), pageSize = ::sysconf(_SC_PAGE_SIZE);
    uint64_t limit = pages > 0 && pageSize > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(pageSize)
                                               : uint64_t{1} << 40;
    struct rlimit rl {};
    if (::getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) limit = std::min<uint64_t>(limit, rl.rlim_cur);
    return limit;
}

// Product of `factors`, or nullopt if it does not fit in 63 bits.
std::optional<uint64_t> checkedProduct(const std::vector<int64_t>& factors) {
    uint64_t p = 1;
    for (int64_t f : factors) {
        if (f < 0 || __builtin_mul_overflow(p, static_cast<uint64_t>(f), &p) || p > uint64_t{INT64_MAX})
            return std::nullopt;
    }
    return p;
}

// Throws unless `elements` int64 values fit in memory; `what` says which array.
void checkFitsMemory(const std::string& where, const std::string& what, const std::vector<int64_t>& factors) {
    const std::optional<uint64_t> n = checkedProduct(factors);
    const uint64_t limit = memoryLimitBytes();
    std::string size;
    if (!n || *n > limit / 8) {
        size = n ? std::to_string(*n) + " elements (" + std::to_string(*n / (uint64_t{1} << 20)) + " MiB as int64)"
                 : "more than 2^63 elements";
        fail(where, what + " has " + size + ", more than this machine's memory limit of " +
                        std::to_string(limit >> 20) + " MiB");
    }
}

// ----------------------------------------------------------------- datasets

LayerType parseLayerType(const std::string& where, const std::string& text) {
    if (text == "fc") return LayerType::Fc;
    if (text == "conv") return LayerType::Conv;
    if (text == "lstm") return LayerType::Lstm;
    fail(attributeWhere(where, "type"), "must be 'fc', 'conv' or 'lstm', got '" + text + "'");
}

std::string layoutOf(LayerType type, const std::string& dataset) {
    if (type == LayerType::Conv) return dataset == "weights" ? "[N,C/groups,KH,KW]" : "[B,C,H,W]";
    return dataset == "weights" ? "[N,K]" : "[M,K]";
}

// Row-major multi-index of flat element `flat` in `shape`, for messages.
std::vector<int64_t> unflatten(std::size_t flat, const std::vector<int64_t>& shape) {
    std::vector<int64_t> at(shape.size());
    for (std::size_t d = shape.size(); d-- > 0;) {
        at[d] = static_cast<int64_t>(flat % static_cast<std::size_t>(shape[d]));
        flat /= static_cast<std::size_t>(shape[d]);
    }
    return at;
}

// Values are sign-magnitude with `bits` magnitude bits; anything wider would be
// silently mis-encoded by the term hardware, so the whole tensor is checked.
void checkMagnitudes(const std::string& where, const TensorValues& values, const std::vector<int64_t>& shape, int bits,
                     const std::string& bitsName) {
    const int64_t bound = (int64_t{1} << bits) - 1;
    for (std::size_t i = 0; i < values.size(); ++i) {
        const int64_t v = values[i];
        if (v < -bound || v > bound)
            fail(where, "element " + std::to_string(i) + " (at " + shapeString(unflatten(i, shape)) + ") = " +
                            std::to_string(v) + " does not fit " + bitsName + "=" + std::to_string(bits) +
                            " (sign-magnitude, |v| <= " + std::to_string(bound) + ")");
    }
}

// `values` false: the shape only (a trace summary). The values are stored at the width
// `bits` needs (OperandTensor.hpp), read straight into it.
OperandTensor readOperand(hid_t layer, const std::string& layerWhere, const std::string& name, LayerType type, int bits,
                          const std::string& bitsName, bool values) {
    const std::string where = datasetWhere(layerWhere, name);
    const std::string layout = layoutOf(type, name);
    const std::size_t rank = type == LayerType::Conv ? 4 : 2;
    switch (h5read::objectKind(layer, name)) {
        case ObjectKind::Missing: fail(where, "missing (expected an integer array " + layout + ")");
        case ObjectKind::Dataset: break;
        default: fail(where, "must be a dataset (an integer array " + layout + "), found a group or other object");
    }
    Hdf5Dataset ds(H5Dopen2(layer, name.c_str(), H5P_DEFAULT));
    if (!ds.valid()) fail(where, "cannot be opened");
    try {
        const H5T_class_t cls = h5read::datasetTypeClass(ds);
        if (cls != H5T_INTEGER) fail(where, "must have an integer type, got " + h5read::typeClassName(cls));
        const std::vector<int64_t> shape = h5read::datasetShape(ds);
        if (shape.size() != rank)
            fail(where, "expected rank " + std::to_string(rank) + " (" + layout + ") for type " + layerTypeName(type) +
                            ", got " + shapeString(shape));
        if (std::count(shape.begin(), shape.end(), 0) > 0)
            fail(where, "has an empty dimension: " + layout + " = " + shapeString(shape));
        checkFitsMemory(where, "shape " + shapeString(shape), shape);
        if (!values) {
            OperandTensor t;
            t.shape = shape;
            return t;
        }
        if (std::optional<OperandTensor> t = h5read::readDatasetAsOperand(ds, shape, (int64_t{1} << bits) - 1))
            return std::move(*t);
        // A value too wide: read at 64 bits to name it.
        checkMagnitudes(where, h5read::readDatasetAsInt64(ds), shape, bits, bitsName);
        fail(where, "has a value that does not fit " + bitsName + "=" + std::to_string(bits));
    } catch (const Hdf5ReadError& e) {
        fail(where, e.what());
    }
}

// ----------------------------------------------------------------- shape agreement

void checkGemmShapes(const std::string& where, const TraceLayer& l) {
    const auto& w = l.weights.shape;
    const auto& x = l.inputs.shape;
    if (w[1] != x[1])
        fail(where, "datasets 'weights' [N,K] = " + shapeString(w) + " and 'inputs' [M,K] = " + shapeString(x) +
                        " disagree on K (" + std::to_string(w[1]) + " vs " + std::to_string(x[1]) + ")");
    checkFitsMemory(where, "the output [M,N] = [" + std::to_string(x[0]) + "," + std::to_string(w[0]) + "]", {x[0], w[0]});
    if (l.type == LayerType::Lstm && w[0] != 4 * int64_t{l.hiddenSize})
        fail(datasetWhere(where, "weights"), "expected N = 4*hidden_size = " + std::to_string(4 * int64_t{l.hiddenSize}) +
                                                 " rows (gates i,f,g,o stacked), got " + shapeString(w));
}

void checkConvShapes(const std::string& where, const TraceLayer& l) {
    const auto& w = l.weights.shape;
    const auto& x = l.inputs.shape;
    const int64_t groups = l.conv.groups;
    const std::string both = "datasets 'weights' [N,C/groups,KH,KW] = " + shapeString(w) + " and 'inputs' [B,C,H,W] = " +
                             shapeString(x);
    if (w[1] * groups != x[1])
        fail(where, both + " disagree on channels: C/groups=" + std::to_string(w[1]) + " * groups=" +
                        std::to_string(groups) + " != C=" + std::to_string(x[1]));
    if (w[0] % groups != 0)
        fail(datasetWhere(where, "weights"), "N=" + std::to_string(w[0]) + " output channels of " + shapeString(w) +
                                                 " not divisible by attribute 'groups'=" + std::to_string(groups));
    const int64_t pad = l.conv.padH;  // <= INT_MAX, and dimensions fit memory: no overflow below
    if (x[2] + 2 * pad < w[2] || x[3] + 2 * pad < w[3])
        fail(where, both + ": kernel " + std::to_string(w[2]) + "x" + std::to_string(w[3]) +
                        " larger than the padded input " + std::to_string(x[2] + 2 * pad) + "x" +
                        std::to_string(x[3] + 2 * pad) + " (padding " + std::to_string(pad) + ")");
    // The simulation lowers the conv to GEMMs (im2col): M = B*OH*OW rows of K = KH*KW*C/groups.
    const int64_t oh = (x[2] + 2 * pad - w[2]) / l.conv.strideH + 1;
    const int64_t ow = (x[3] + 2 * pad - w[3]) / l.conv.strideW + 1;
    const std::string out = " (output " + std::to_string(oh) + "x" + std::to_string(ow) + " with padding " +
                            std::to_string(pad) + ", stride " + std::to_string(l.conv.strideH) + ")";
    checkFitsMemory(where, "the lowered input matrix [B*OH*OW, KH*KW*C/groups]" + out, {x[0], oh, ow, w[1], w[2], w[3]});
    checkFitsMemory(where, "the output [B,N,OH,OW]" + out, {x[0], w[0], oh, ow});
}

// ----------------------------------------------------------------- layers

TraceLayer readLayer(hid_t layers, const std::string& fileWhere, const std::string& name, bool operands) {
    const std::string where = fileWhere + ": layer '" + name + "'";
    if (h5read::objectKind(layers, name) != ObjectKind::Group)
        fail(where, "every member of '/layers' must be a group (one per layer)");
    Hdf5Group g(H5Gopen2(layers, name.c_str(), H5P_DEFAULT));
    if (!g.valid()) fail(where, "cannot be opened");

    TraceLayer l;
    l.name = name;
    l.type = parseLayerType(where, requiredString(g, where, "type"));
    l.index = requiredIntInRange(g, where, "index", 0, INT_MAX);
    l.wScale = requiredPositiveFloat(g, where, "w_scale");
    l.xScale = requiredPositiveFloat(g, where, "x_scale");
    l.wBits = requiredIntInRange(g, where, "w_bits", 1, kMaxBits);
    l.xBits = requiredIntInRange(g, where, "x_bits", 1, kMaxBits);
    if (l.type == LayerType::Conv) {
        // Format 1 has square stride and padding; ConvParams keeps H and W apart for later formats.
        l.conv.strideH = l.conv.strideW = requiredIntInRange(g, where, "stride", 1, INT_MAX);
        l.conv.padH = l.conv.padW = requiredIntInRange(g, where, "padding", 0, INT_MAX);
        l.conv.groups = requiredIntInRange(g, where, "groups", 1, INT_MAX);
    }
    if (l.type == LayerType::Lstm) l.hiddenSize = requiredIntInRange(g, where, "hidden_size", 1, INT_MAX);
    if (h5read::hasAttribute(g, "role")) l.role = requiredString(g, where, "role");

    // A summary keeps the operands' shapes (what layer selections look at), not their values.
    l.weights = readOperand(g, where, "weights", l.type, l.wBits, "w_bits", operands);
    l.inputs = readOperand(g, where, "inputs", l.type, l.xBits, "x_bits", operands);
    if (l.type == LayerType::Conv)
        checkConvShapes(where, l);
    else
        checkGemmShapes(where, l);
    return l;
}

// Indices are the execution order: exactly 0..n-1, each once. Sorted layers make
// both faults visible at the first position where layers[i].index != i.
void sortAndCheckIndices(const std::string& fileWhere, std::vector<TraceLayer>& layers) {
    std::stable_sort(layers.begin(), layers.end(),
                     [](const TraceLayer& a, const TraceLayer& b) { return a.index < b.index; });
    const int n = static_cast<int>(layers.size());
    for (int i = 0; i < n; ++i) {
        const TraceLayer& l = layers[static_cast<std::size_t>(i)];
        if (l.index == i) continue;
        const std::string where = attributeWhere(fileWhere + ": layer '" + l.name + "'", "index");
        if (i > 0 && layers[static_cast<std::size_t>(i - 1)].index == l.index)
            fail(where, std::to_string(l.index) + " is also the index of layer '" +
                            layers[static_cast<std::size_t>(i - 1)].name + "'; indices must be 0.." +
                            std::to_string(n - 1) + ", one per layer");
        fail(where, std::to_string(l.index) + " leaves index " + std::to_string(i) + " unused; indices must be 0.." +
                        std::to_string(n - 1) + ", one per layer");
    }
}

// Reads the 1-D column `name` of the table group `group` through `read`; a missing
// or malformed column is named with its expected type ("string", "integer", "number").
template <class Read>
auto tableColumn(hid_t file, const std::string& group, const std::string& where, const char* name,
                 const char* expected, Read read) {
    const std::string what = std::string("dataset '") + name + "'";
    const std::string path = group + "/" + name;
    if (h5read::objectKind(file, path) != ObjectKind::Dataset)
        fail(where, what + " missing (expected a 1-D " + expected + " column)");
    Hdf5Dataset ds(H5Dopen2(file, path.c_str(), H5P_DEFAULT));
    try {
        const std::vector<int64_t> shape = h5read::datasetShape(ds);
        if (shape.size() != 1) fail(where, what + " must be a 1-D " + expected + " column, got shape " + shapeString(shape));
        checkFitsMemory(where, what, shape);
        const H5T_class_t cls = h5read::datasetTypeClass(ds);
        const bool text = std::string(expected) == "string";
        if ((text && cls != H5T_STRING) || (!text && cls != H5T_INTEGER && cls != H5T_FLOAT))
            fail(where, what + " must be a " + expected + " column, got " + h5read::typeClassName(cls));
        return read(ds.get());
    } catch (const Hdf5ReadError& e) {
        fail(where, what + ": " + e.what());
    }
}

// Optional /tr_accuracy: equal-length columns w_encoding, w_group_size, w_budget,
// d_encoding, d_group_size, d_budget (-1 = no budget), value.
void readTrAccuracy(hid_t file, const std::string& path, Trace& t) {
    if (h5read::objectKind(file, "tr_accuracy") != ObjectKind::Group) return;
    const std::string where = path + ": group '/tr_accuracy'";
    const auto column = [&](const char* name, const char* expected, auto read) {
        return tableColumn(file, "tr_accuracy", where, name, expected, read);
    };
    const std::vector<std::string> we = column("w_encoding", "string", h5read::readStringDataset);
    const std::vector<std::string> de = column("d_encoding", "string", h5read::readStringDataset);
    const TensorValues wg = column("w_group_size", "integer", h5read::readDatasetAsInt64);
    const TensorValues wb = column("w_budget", "integer", h5read::readDatasetAsInt64);
    const TensorValues dg = column("d_group_size", "integer", h5read::readDatasetAsInt64);
    const TensorValues db = column("d_budget", "integer", h5read::readDatasetAsInt64);
    const std::vector<double> value = column("value", "number", h5read::readDatasetAsDouble);
    const std::size_t n = value.size();
    if (we.size() != n || de.size() != n || wg.size() != n || wb.size() != n || dg.size() != n || db.size() != n)
        fail(where, "columns differ in length");
    const auto budget = [](int64_t b) { return b < 0 ? std::nullopt : std::optional<int>(static_cast<int>(b)); };
    for (std::size_t i = 0; i < n; ++i)
        t.trAccuracy.push_back({we[i], de[i], static_cast<int>(wg[i]), static_cast<int>(dg[i]), budget(wb[i]),
                                budget(db[i]), value[i]});
}

// Optional /published_accuracy (traces/trsim_trace/format.py): attributes metric and
// source; equal-length columns key (canonical setting key, "" = not expressible),
// setting (the authors' name) and value (finite).
void readPublishedAccuracy(hid_t file, const std::string& path, Trace& t) {
    if (h5read::objectKind(file, "published_accuracy") != ObjectKind::Group) return;
    const std::string where = path + ": group '/published_accuracy'";
    Hdf5Group group(H5Gopen2(file, "published_accuracy", H5P_DEFAULT));
    if (!group.valid()) fail(where, "cannot be opened");
    t.published.metric = requiredNonEmptyString(group, where, "metric");
    t.published.source = requiredNonEmptyString(group, where, "source");
    const auto column = [&](const char* name, const char* expected, auto read) {
        return tableColumn(file, "published_accuracy", where, name, expected, read);
    };
    const std::vector<std::string> key = column("key", "string", h5read::readStringDataset);
    const std::vector<std::string> setting = column("setting", "string", h5read::readStringDataset);
    const std::vector<double> value = column("value", "number", h5read::readDatasetAsDouble);
    if (key.size() != value.size() || setting.size() != value.size()) fail(where, "columns differ in length");
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (!std::isfinite(value[i]))
            fail(where, "dataset 'value' row " + std::to_string(i) + " (" + setting[i] + ") is not finite");
        t.published.rows.push_back({key[i], setting[i], value[i]});
    }
}

Trace readOpenFile(hid_t file, const std::string& path, bool operands) {
    Trace t;
    t.path = path;
    readRootAttributes(file, path, t);

    switch (h5read::objectKind(file, "layers")) {
        case ObjectKind::Missing: fail(path, "group '/layers' missing");
        case ObjectKind::Group: break;
        default: fail(path, "'/layers' must be a group");
    }
    Hdf5Group layers(H5Gopen2(file, "layers", H5P_DEFAULT));
    if (!layers.valid()) fail(path, "group '/layers' cannot be opened");
    const std::vector<std::string> names = h5read::memberNames(layers);
    if (names.empty()) fail(path, "group '/layers' has no layers");
    for (const std::string& name : names) t.layers.push_back(readLayer(layers, path, name, operands));
    sortAndCheckIndices(path, t.layers);
    readTrAccuracy(file, path, t);
    readPublishedAccuracy(file, path, t);
    t.scores = readScoreCache(path);
    return t;
}

Trace readTraceFile(const std::string& path, bool operands) {
    if (path.empty()) fail("(empty trace path)", "the trace file name is empty");
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec && ec != std::errc::no_such_file_or_directory) fail(path, "cannot be accessed: " + ec.message());
    if (!std::filesystem::exists(status)) fail(path, "trace file not found");
    if (!std::filesystem::is_regular_file(status)) fail(path, "not a regular file");

    const h5read::QuietHdf5Errors quiet;
    if (H5Fis_hdf5(path.c_str()) <= 0) fail(path, "not an HDF5 file");
    Hdf5File file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (!file.valid()) fail(path, "cannot be opened as HDF5");
    try {
        return readOpenFile(file, path, operands);
    } catch (const Hdf5ReadError& e) {
        // Safety net: the helpers' messages normally arrive already wrapped with a location.
        fail(path, e.what());
    }
}

}  // namespace

Trace readTrace(const std::string& path) { return readTraceFile(path, true); }

Trace readTraceSummary(const std::string& path) { return readTraceFile(path, false); }

}  // namespace trsim
