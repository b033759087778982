#include "sim/io/ResultsWriter.hpp"

#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "sim/io/Hdf5Handle.hpp"
#include "sim/io/Hdf5MemoryFile.hpp"
#include "sim/io/OutputFiles.hpp"

namespace trsim {
namespace {
namespace fs = std::filesystem;

constexpr int32_t kFormatVersion = 1;
constexpr const char* kFormatName = "trsim-results";
constexpr const char* kTrsimVersion = "0.1";
constexpr const char* kLayerPrefix = "layers/";
// Outputs up to this many elements stay contiguous: chunk and filter metadata
// would cost more than gzip saves.
constexpr hsize_t kCompressAboveElements = 4096;
constexpr hsize_t kChunkElements = 65536;  // 512 KiB of int64: HDF5's chunk cache default is 1 MiB
constexpr unsigned kGzipLevel = 4;

bool startsWith(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

// ---- Errors -------------------------------------------------------------------

// Walking downward, the last description seen is the innermost one, usually the
// actual cause ("name already exists") rather than the API wrapper's summary.
herr_t keepInnermostDescription(unsigned, const H5E_error2_t* err, void* out) {
    if (err->desc && *err->desc) *static_cast<std::string*>(out) = err->desc;
    return 0;
}

[[noreturn]] void failHdf5(const char* call, const std::string& object) {
    std::string detail;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, keepInnermostDescription, &detail);
    throw std::runtime_error(std::string(call) + " failed for " + object + (detail.empty() ? "" : " (" + detail + ")"));
}

hid_t checkId(hid_t id, const char* call, const std::string& object) {
    if (id < 0) failHdf5(call, object);
    return id;
}

void checkStatus(herr_t status, const char* call, const std::string& object) {
    if (status < 0) failHdf5(call, object);
}

// HDF5 prints its error stack to stderr by default; the writer reports through
// exceptions instead, so printing is off for the duration and then restored.
class SilencedHdf5Errors {
public:
    SilencedHdf5Errors() {
        H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    }
    ~SilencedHdf5Errors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
    SilencedHdf5Errors(const SilencedHdf5Errors&) = delete;
    SilencedHdf5Errors& operator=(const SilencedHdf5Errors&) = delete;

private:
    H5E_auto2_t func_ = nullptr;
    void* data_ = nullptr;
};

// ---- Validation (before any file exists) -------------------------------------------

bool isLayerScope(const std::string& scope, const std::unordered_set<std::string>& layers) {
    return startsWith(scope, kLayerPrefix) && layers.count(scope.substr(std::strlen(kLayerPrefix))) != 0;
}

std::unordered_set<std::string> checkLayerNames(const RunRecord& run) {
    std::unordered_set<std::string> layers;
    for (const auto& name : run.layerOrder) {
        if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
            throw std::runtime_error("layer name '" + name + "' must be non-empty and contain no '/'");
        }
        if (!layers.insert(name).second) throw std::runtime_error("layer '" + name + "' appears twice in layerOrder");
    }
    return layers;
}

void checkScopes(const StatsRegistry& stats, const std::unordered_set<std::string>& layers) {
    for (const auto& scope : stats.scopes()) {
        if (scope == "layers" || scope == "summary" || startsWith(scope, "summary/")) {
            throw std::runtime_error("stats scope '" + scope + "' is reserved by the results layout");
        }
        if (startsWith(scope, kLayerPrefix)) {
            const std::string rest = scope.substr(std::strlen(kLayerPrefix));
            if (layers.count(rest.substr(0, rest.find('/'))) == 0) {
                throw std::runtime_error("stats scope '" + scope + "' belongs to no layer in layerOrder");
            }
        }
        if (!isLayerScope(scope, layers)) continue;
        for (const auto& name : stats.names(scope)) {
            if (name == "output" || name == "layer") {
                throw std::runtime_error("stat " + scope + "/" + name + ": '" + name +
                                         "' is reserved in layer scopes (layer output dataset / summary column)");
            }
        }
    }
}

// A summary column holds one stat across layers, so it can only have one unit.
void checkSummaryUnits(const RunRecord& run) {
    std::unordered_map<std::string, std::string> firstScope;
    for (const auto& layer : run.layerOrder) {
        const std::string scope = kLayerPrefix + layer;
        for (const auto& name : run.stats->names(scope)) {
            const auto [it, inserted] = firstScope.emplace(name, scope);
            const std::string& unit = run.stats->stat(scope, name).unit;
            const std::string& firstUnit = run.stats->stat(it->second, name).unit;
            if (!inserted && unit != firstUnit) {
                throw std::runtime_error("stat '" + name + "' has unit '" + firstUnit + "' in " + it->second +
                                         " but '" + unit + "' in " + scope + "; /summary/" + name +
                                         " needs one unit");
            }
        }
    }
}

// Values needed by `shape` (a negative dimension counts as 0): exact in double for any size in memory.
double valuesOfShape(const std::vector<int64_t>& shape) {
    double n = 1;
    for (int64_t d : shape) n *= static_cast<double>(d < 0 ? 0 : d);
    return n;
}

// Whether every array of a layer holds the values its shape needs (HDF5 reads that many from it).
bool arraysFitShapes(const LayerRecord& layer) {
    for (const auto& out : layer.output)
        if (valuesOfShape(out.shape) != static_cast<double>(out.data.size())) return false;
    for (const auto& map : layer.maps)
        if (valuesOfShape(map.shape) != static_cast<double>(map.data.size())) return false;
    return true;
}

void checkOutputs(const RunRecord& run, const std::unordered_set<std::string>& layers) {
    std::unordered_set<std::string> seen;
    for (const auto& out : run.outputs) {
        const std::string what = "output of layer '" + out.layer + "'";
        if (layers.count(out.layer) == 0) throw std::runtime_error(what + ": layer is not in layerOrder");
        if (!seen.insert(out.layer).second) throw std::runtime_error(what + " is given twice");
        // Multiplying in double cannot overflow; exact for any size that fits in memory.
        for (int64_t d : out.shape)
            if (d < 0) throw std::runtime_error(what + " has a negative dimension");
        const double expected = valuesOfShape(out.shape);
        if (expected != static_cast<double>(out.data.size())) {
            std::string shape;
            for (int64_t d : out.shape) shape += (shape.empty() ? "" : ",") + std::to_string(d);
            throw std::runtime_error(what + " has " + std::to_string(out.data.size()) + " values but shape [" + shape +
                                     "] needs " + std::to_string(static_cast<uint64_t>(expected)));
        }
    }
}

void checkMaps(const RunRecord& run, const std::unordered_set<std::string>& layers) {
    std::unordered_set<std::string> seen;
    for (const auto& map : run.maps) {
        const std::string what = "map '" + map.name + "' of layer '" + map.layer + "'";
        if (layers.count(map.layer) == 0) throw std::runtime_error(what + ": layer is not in layerOrder");
        if (map.name.empty() || map.name.find('/') != std::string::npos || map.name == "output")
            throw std::runtime_error(what + ": the name must be non-empty, without '/', and not 'output'");
        if (run.stats->has(kLayerPrefix + map.layer, map.name))
            throw std::runtime_error(what + ": a stat of that layer has the same name");
        if (!seen.insert(map.layer + "/" + map.name).second) throw std::runtime_error(what + " is given twice");
        if (valuesOfShape(map.shape) != static_cast<double>(map.data.size()))
            throw std::runtime_error(what + " has " + std::to_string(map.data.size()) + " values, not the product of its shape");
    }
}

void validate(const RunRecord& run) {
    if (run.stats == nullptr) throw std::runtime_error("RunRecord.stats is null");
    const auto layers = checkLayerNames(run);
    checkScopes(*run.stats, layers);
    checkSummaryUnits(run);
    checkOutputs(run, layers);
    checkMaps(run, layers);
}

void checkParentDirectory(const std::string& path) {
    if (path.empty()) throw std::runtime_error("results path is empty");
    fs::path parent = fs::path(path).parent_path();
    if (parent.empty()) parent = ".";
    std::error_code ec;
    if (!fs::is_directory(parent, ec)) {
        throw OutputError(path + ": directory '" + parent.string() + "' does not exist (create it first)");
    }
}

// ---- HDF5 writing -------------------------------------------------------------

// Largest-dimension halving keeps chunks near kChunkElements and roughly square,
// so reading one slice along any axis touches few chunks.
std::vector<hsize_t> chunkShape(std::vector<hsize_t> dims) {
    auto product = [&] {
        hsize_t p = 1;
        for (hsize_t d : dims) p *= d;
        return p;
    };
    while (product() > kChunkElements) {
        size_t largest = 0;
        for (size_t i = 1; i < dims.size(); ++i) {
            if (dims[i] > dims[largest]) largest = i;
        }
        dims[largest] = (dims[largest] + 1) / 2;
    }
    return dims;
}

class ResultsFileWriter {
public:
    explicit ResultsFileWriter(const std::string& filePath) : path_(filePath) {
        Hdf5PropertyList fcpl(checkId(H5Pcreate(H5P_FILE_CREATE), "H5Pcreate", "file creation properties"));
        trackCreationOrder(fcpl.get(), "file creation properties");
        file_ = createMemoryFile(path_, fcpl.get());

        string_ = Hdf5Datatype(checkId(H5Tcopy(H5T_C_S1), "H5Tcopy", "string type"));
        checkStatus(H5Tset_size(string_.get(), H5T_VARIABLE), "H5Tset_size", "string type");
        checkStatus(H5Tset_cset(string_.get(), H5T_CSET_UTF8), "H5Tset_cset", "string type");

        groupProps_ = Hdf5PropertyList(checkId(H5Pcreate(H5P_GROUP_CREATE), "H5Pcreate", "group creation properties"));
        trackCreationOrder(groupProps_.get(), "group creation properties");
        datasetProps_ =
            Hdf5PropertyList(checkId(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate", "dataset creation properties"));
        checkStatus(H5Pset_attr_creation_order(datasetProps_.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
                    "H5Pset_attr_creation_order", "dataset creation properties");
    }

    void writeRootAttributes(const RunHeader& run) {
        const hid_t root = file_.get();
        writeString(root, "/", "format", kFormatName);
        writeInt32(root, "/", "format_version", kFormatVersion);
        writeString(root, "/", "trsim_version", kTrsimVersion);
        writeString(root, "/", "config_hash", run.configHash);
        writeString(root, "/", "config_yaml", run.configYaml);
        writeString(root, "/", "trace_path", run.tracePath);
        writeString(root, "/", "trace_network", run.traceNetwork);
        writeString(root, "/", "trace_source", run.traceSource);
    }

    // /layers, the parent of every layer's group (writeLayer).
    void beginLayers() { layers_ = createGroup(file_.get(), "/layers"); }

    // Layer `index` of the run's layerOrder: its group with its stats, output and maps.
    void writeLayer(int32_t index, const LayerRecord& layer) {
        const std::string groupPath = "/layers/" + layer.name;
        Hdf5Group group = createGroup(layers_.get(), groupPath, layer.name);
        writeInt32(group.get(), groupPath, "index", index);
        if (!layer.operands.empty()) writeString(group.get(), groupPath, "operands", layer.operands);
        for (const auto& [name, stat] : layer.stats) writeStat(group.get(), groupPath, name, stat);
        for (const LayerOutput& out : layer.output) writeOutput(group.get(), groupPath, out);
        for (const LayerMap& map : layer.maps) writeMap(group.get(), groupPath, map);
        // The scopes below the layer (its energy actions) with it, not after the run: in each group the
        // objects come in the same order as when every such scope was written at the end.
        for (const LayerRecord::Nested& n : layer.nested) {
            const std::string scope = std::string(kLayerPrefix) + layer.name + "/" + n.path;
            Hdf5Group nested = openOrCreateGroupPath(n.path, group.get(), groupPath);
            for (const auto& [name, stat] : n.stats) writeStat(nested.get(), "/" + scope, name, stat);
            writtenScopes_.insert(scope);
        }
    }

    // Layer scopes (and the scopes below them that came with their layer) are already written;
    // everything else becomes a group at its own path.
    void writeOtherScopes(const RunRecord& run) {
        const std::unordered_set<std::string> layers(run.layerOrder.begin(), run.layerOrder.end());
        for (const auto& scope : run.stats->scopes()) {
            if (isLayerScope(scope, layers) || writtenScopes_.count(scope) != 0) continue;
            Hdf5Group group = openOrCreateGroupPath(scope);
            writeStats(group.get(), "/" + scope, *run.stats, scope);
        }
    }

    void writeSummary(const RunRecord& run) {
        const StatsRegistry& stats = *run.stats;
        const size_t n = run.layerOrder.size();
        std::vector<std::string> columns;
        std::unordered_map<std::string, std::vector<double>> values;
        for (size_t i = 0; i < n; ++i) {
            const std::string scope = kLayerPrefix + run.layerOrder[i];
            for (const auto& name : stats.names(scope)) {
                auto it = values.find(name);
                if (it == values.end()) {
                    it = values.emplace(name, std::vector<double>(n, std::numeric_limits<double>::quiet_NaN())).first;
                    columns.push_back(name);
                }
                it->second[i] = stats.get(scope, name);
            }
        }

        Hdf5Group summary = createGroup(file_.get(), "/summary");
        const hsize_t dims[1] = {static_cast<hsize_t>(n)};
        {
            const std::string object = "/summary/layer";
            Hdf5Dataspace space(checkId(H5Screate_simple(1, dims, nullptr), "H5Screate_simple", object));
            Hdf5Dataset ds(checkId(H5Dcreate2(summary.get(), "layer", string_.get(), space.get(), H5P_DEFAULT,
                                              datasetProps_.get(), H5P_DEFAULT),
                                   "H5Dcreate2", object));
            std::vector<const char*> names;
            for (const auto& layer : run.layerOrder) names.push_back(layer.c_str());
            if (n > 0) {
                checkStatus(H5Dwrite(ds.get(), string_.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, names.data()), "H5Dwrite",
                            object);
            }
        }
        for (const auto& name : columns) {
            const std::string object = "/summary/" + name;
            Hdf5Dataspace space(checkId(H5Screate_simple(1, dims, nullptr), "H5Screate_simple", object));
            Hdf5Dataset ds(checkId(H5Dcreate2(summary.get(), name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                                              datasetProps_.get(), H5P_DEFAULT),
                                   "H5Dcreate2", object));
            checkStatus(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values[name].data()),
                        "H5Dwrite", object);
            // Units agree across layers (validated); the description comes from the first layer that has the stat.
            for (const auto& layer : run.layerOrder) {
                const std::string scope = kLayerPrefix + layer;
                if (!stats.has(scope, name)) continue;
                writeUnitAndDescription(ds.get(), object, stats.stat(scope, name));
                break;
            }
        }
    }

    // Writes the in-memory file to path_ atomically (OutputError on a write failure).
    void save() { saveMemoryFile(file_, path_); }

private:
    static void trackCreationOrder(hid_t plist, const std::string& object) {
        const unsigned flags = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
        checkStatus(H5Pset_link_creation_order(plist, flags), "H5Pset_link_creation_order", object);
        checkStatus(H5Pset_attr_creation_order(plist, flags), "H5Pset_attr_creation_order", object);
    }

    // `name` relative to `parent`; defaults to the absolute `path` for groups under the root.
    Hdf5Group createGroup(hid_t parent, const std::string& path, const std::string& name = "") {
        const std::string& link = name.empty() ? path : name;
        return Hdf5Group(checkId(H5Gcreate2(parent, link.c_str(), H5P_DEFAULT, groupProps_.get(), H5P_DEFAULT),
                                 "H5Gcreate2", path));
    }

    // Creates missing groups one level at a time (instead of H5Pset_create_intermediate_group)
    // so intermediate groups track creation order like every other group. `scope` is below the
    // root, or below `from` (an open group at `fromPath`) when given.
    Hdf5Group openOrCreateGroupPath(const std::string& scope, hid_t from = H5I_INVALID_HID,
                                    const std::string& fromPath = "") {
        Hdf5Group current(from == H5I_INVALID_HID
                              ? checkId(H5Gopen2(file_.get(), "/", H5P_DEFAULT), "H5Gopen2", "/")
                              : checkId(H5Gopen2(from, ".", H5P_DEFAULT), "H5Gopen2", fromPath));
        std::string path = fromPath;
        size_t start = 0;
        while (start <= scope.size()) {
            size_t slash = scope.find('/', start);
            if (slash == std::string::npos) slash = scope.size();
            const std::string part = scope.substr(start, slash - start);
            path += "/" + part;
            const htri_t exists = H5Lexists(current.get(), part.c_str(), H5P_DEFAULT);
            if (exists < 0) failHdf5("H5Lexists", path);
            current = exists > 0
                          ? Hdf5Group(checkId(H5Gopen2(current.get(), part.c_str(), H5P_DEFAULT), "H5Gopen2", path))
                          : createGroup(current.get(), path, part);
            start = slash + 1;
        }
        return current;
    }

    void writeStats(hid_t group, const std::string& groupPath, const StatsRegistry& stats, const std::string& scope) {
        for (const auto& name : stats.names(scope)) writeStat(group, groupPath, name, stats.stat(scope, name));
    }

    void writeStat(hid_t group, const std::string& groupPath, const std::string& name, const Stat& stat) {
        const std::string object = groupPath + "/" + name;
        Hdf5Dataspace space(checkId(H5Screate(H5S_SCALAR), "H5Screate", object));
        Hdf5Dataset ds(checkId(
            H5Dcreate2(group, name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, datasetProps_.get(), H5P_DEFAULT),
            "H5Dcreate2", object));
        checkStatus(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &stat.value), "H5Dwrite",
                    object);
        writeUnitAndDescription(ds.get(), object, stat);
    }

    void writeOutput(hid_t group, const std::string& groupPath, const LayerOutput& out) {
        writeArray(group, groupPath, "output", out.shape, H5T_STD_I64LE, H5T_NATIVE_INT64, out.data.data(),
                   out.data.size());
    }

    void writeMap(hid_t group, const std::string& groupPath, const LayerMap& map) {
        writeArray(group, groupPath, map.name.c_str(), map.shape, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, map.data.data(),
                   map.data.size());
        const std::string object = groupPath + "/" + map.name;
        Hdf5Dataset ds(checkId(H5Dopen2(group, map.name.c_str(), H5P_DEFAULT), "H5Dopen2", object));
        writeUnitAndDescription(ds.get(), object, Stat{0, map.unit, map.description});
    }

    // An n-dimensional dataset, chunked and compressed when large.
    void writeArray(hid_t group, const std::string& groupPath, const char* name, const std::vector<int64_t>& shape,
                    hid_t fileType, hid_t memType, const void* data, size_t count) {
        const std::string object = groupPath + "/" + name;
        std::vector<hsize_t> dims(shape.begin(), shape.end());
        Hdf5Dataspace space(dims.empty()
                                ? checkId(H5Screate(H5S_SCALAR), "H5Screate", object)
                                : checkId(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                                          "H5Screate_simple", object));
        Hdf5PropertyList dcpl(checkId(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate", object));
        if (count > kCompressAboveElements && !dims.empty()) {
            const std::vector<hsize_t> chunk = chunkShape(dims);
            checkStatus(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), "H5Pset_chunk", object);
            checkStatus(H5Pset_deflate(dcpl.get(), kGzipLevel), "H5Pset_deflate", object);
        }
        Hdf5Dataset ds(checkId(H5Dcreate2(group, name, fileType, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                               "H5Dcreate2", object));
        if (count > 0) checkStatus(H5Dwrite(ds.get(), memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "H5Dwrite", object);
    }

    void writeUnitAndDescription(hid_t dataset, const std::string& object, const Stat& stat) {
        writeString(dataset, object, "unit", stat.unit);
        writeString(dataset, object, "description", stat.description);
    }

    void writeString(hid_t loc, const std::string& locPath, const char* name, const std::string& value) {
        const std::string object = locPath + "@" + name;
        Hdf5Dataspace space(checkId(H5Screate(H5S_SCALAR), "H5Screate", object));
        Hdf5Attribute attr(
            checkId(H5Acreate2(loc, name, string_.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), "H5Acreate2", object));
        const char* text = value.c_str();
        checkStatus(H5Awrite(attr.get(), string_.get(), &text), "H5Awrite", object);
    }

    void writeInt32(hid_t loc, const std::string& locPath, const char* name, int32_t value) {
        const std::string object = locPath + "@" + name;
        Hdf5Dataspace space(checkId(H5Screate(H5S_SCALAR), "H5Screate", object));
        Hdf5Attribute attr(
            checkId(H5Acreate2(loc, name, H5T_STD_I32LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), "H5Acreate2", object));
        checkStatus(H5Awrite(attr.get(), H5T_NATIVE_INT32, &value), "H5Awrite", object);
    }

    std::string path_;
    Hdf5File file_;  // declared first: destroyed after every object opened in it
    Hdf5Datatype string_;
    Hdf5PropertyList groupProps_;
    Hdf5PropertyList datasetProps_;
    Hdf5Group layers_;  // declared after file_: closed before it
    std::unordered_set<std::string> writtenScopes_;  // nested layer scopes written with their layer
};

// The whole file, once validated: root attributes, layers, other scopes, summary (writeResults and
// ResultsStream both write it in this order).
void writeLayers(ResultsFileWriter& writer, const RunRecord& run) {
    writer.beginLayers();
    for (std::size_t i = 0; i < run.layerOrder.size(); ++i)
        writer.writeLayer(static_cast<int32_t>(i), layerRecordOf(run, run.layerOrder[i]));
}

void writeRest(ResultsFileWriter& writer, const RunRecord& run) {
    writer.writeOtherScopes(run);
    writer.writeSummary(run);
}

void validateFor(const std::string& context, const std::string& path, const RunRecord& run) {
    try {
        validate(run);
        checkParentDirectory(path);
    } catch (const std::exception& e) {
        throw std::runtime_error(context + e.what());
    }
}

std::string contextOf(const std::string& path) { return "writeResults('" + path + "'): "; }

}  // namespace

LayerRecord layerRecordOf(const std::string& name, const StatsRegistry& stats,
                          const std::map<std::string, std::string>& layerOperands,
                          const std::vector<LayerOutput>& outputs, const std::vector<LayerMap>& maps) {
    LayerRecord r;
    r.name = name;
    if (const auto op = layerOperands.find(name); op != layerOperands.end()) r.operands = op->second;
    const std::string scope = kLayerPrefix + name;
    for (const auto& stat : stats.names(scope)) r.stats.emplace_back(stat, stats.stat(scope, stat));
    const std::string below = scope + "/";
    for (const auto& nested : stats.scopes()) {
        if (!startsWith(nested, below)) continue;
        LayerRecord::Nested n{nested.substr(below.size()), {}};
        for (const auto& stat : stats.names(nested)) n.stats.emplace_back(stat, stats.stat(nested, stat));
        r.nested.push_back(std::move(n));
    }
    for (const auto& out : outputs)
        if (out.layer == name) r.output.push_back(out);
    for (const auto& map : maps)
        if (map.layer == name) r.maps.push_back(map);
    return r;
}

LayerRecord layerRecordOf(const RunRecord& run, const std::string& name) {
    return layerRecordOf(name, *run.stats, run.layerOperands, run.outputs, run.maps);
}

void writeResults(const std::string& path, const RunRecord& run) {
    const std::string context = contextOf(path);
    validateFor(context, path, run);
    SilencedHdf5Errors quiet;
    ResultsFileWriter writer(path);
    try {
        writer.writeRootAttributes(run);
        writeLayers(writer, run);
        writeRest(writer, run);
    } catch (const std::exception& e) {
        throw std::runtime_error(context + e.what());
    }
    writer.save();
}

// ---- ResultsStream ----------------------------------------------------------------

struct ResultsStream::Impl {
    // One piece of the file, run on the stream's thread; an empty task ends the thread.
    using Task = std::function<void(ResultsFileWriter&)>;

    std::string path, context;
    std::mutex mutex;
    std::condition_variable ready;
    std::deque<Task> tasks;          // guarded by mutex
    std::vector<std::string> given;  // layers given to addLayer, in order (the caller's thread only)
    bool unfit = false;              // a layer's arrays did not fit their shapes: it was not written
    std::exception_ptr error;        // the thread's first failure; read after join
    bool saved = false;              // set by the thread's last task; read after join
    std::thread thread;              // declared last: started once everything above exists

    void push(Task t) {
        {
            const std::lock_guard<std::mutex> lock(mutex);
            tasks.push_back(std::move(t));
        }
        ready.notify_one();
    }

    // The stream's thread: every HDF5 call for the file happens here. After a failure, later tasks
    // are dropped (finish() reports the failure).
    void work(const RunHeader& header) {
        SilencedHdf5Errors quiet;
        std::optional<ResultsFileWriter> writer;
        try {
            writer.emplace(path);
            writer->writeRootAttributes(header);
            writer->beginLayers();
        } catch (const std::exception& e) {
            error = std::make_exception_ptr(std::runtime_error(context + e.what()));
        }
        for (;;) {
            Task task;
            {
                std::unique_lock<std::mutex> lock(mutex);
                ready.wait(lock, [this] { return !tasks.empty(); });
                task = std::move(tasks.front());
                tasks.pop_front();
            }
            if (!task) return;
            if (error) continue;
            try {
                task(*writer);
            } catch (...) {
                error = std::current_exception();
            }
        }
    }

    void stop() {
        if (!thread.joinable()) return;
        push(nullptr);
        thread.join();
    }
};

ResultsStream::ResultsStream(const std::string& path, const RunHeader& header) : impl_(std::make_unique<Impl>()) {
    impl_->path = path;
    impl_->context = contextOf(path);
    try {
        checkParentDirectory(path);
    } catch (const std::exception& e) {
        throw std::runtime_error(impl_->context + e.what());
    }
    impl_->thread = std::thread([impl = impl_.get(), header] { impl->work(header); });
}

ResultsStream::~ResultsStream() { impl_->stop(); }  // unsaved: the in-memory file is dropped

void ResultsStream::addLayer(LayerRecord layer) {
    const int32_t index = static_cast<int32_t>(impl_->given.size());
    impl_->given.push_back(layer.name);
    // HDF5 would read past an array shorter than its shape; finish()'s validation names the problem.
    if (!arraysFitShapes(layer)) {
        impl_->unfit = true;
        return;
    }
    impl_->push([index, layer = std::move(layer), context = impl_->context](ResultsFileWriter& w) {
        try {
            w.writeLayer(index, layer);
        } catch (const std::exception& e) {
            throw std::runtime_error(context + e.what());
        }
    });
}

void ResultsStream::finish(const RunRecord& run) {
    Impl& s = *impl_;
    try {
        validateFor(s.context, s.path, run);
        if (s.given != run.layerOrder)
            throw std::logic_error(s.context + "the layers streamed (" + std::to_string(s.given.size()) +
                                   ") are not the record's layerOrder (" + std::to_string(run.layerOrder.size()) + ")");
        if (s.unfit) throw std::logic_error(s.context + "a layer streamed had arrays that do not fit their shapes");
    } catch (...) {
        s.stop();
        throw;
    }
    s.push([&s, &run](ResultsFileWriter& w) {
        try {
            writeRest(w, run);
        } catch (const std::exception& e) {
            throw std::runtime_error(s.context + e.what());
        }
        w.save();
        s.saved = true;
    });
    s.stop();
    if (s.error) std::rethrow_exception(s.error);
    if (!s.saved) throw std::logic_error(s.context + "the results file was not saved");
}

}  // namespace trsim
