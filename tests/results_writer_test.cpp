// StatsRegistry bookkeeping and the HDF5 results file: what is written is read
// back with the plain HDF5 C API (no trsim code on the reading side), and a failed
// write never leaves a temp file or damages an earlier result.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "sim/io/Hdf5Handle.hpp"
#include "sim/io/ResultsWriter.hpp"
#include "tests/support/TempDir.hpp"
#include "sim/run/StatsRegistry.hpp"

namespace trsim {
namespace {
namespace fs = std::filesystem;

// ---- StatsRegistry ----------------------------------------------------------------

TEST(StatsRegistry, KeepsScopeAndStatInsertionOrder) {
    StatsRegistry stats;
    stats.set("run", "total_cycles", 10, "cycle", "");
    stats.set("layers/stem", "zeta", 1, "cycle", "");
    stats.set("layers/stem", "alpha", 2, "cycle", "");
    stats.set("run", "energy", 3, "pJ", "");
    stats.set("layers/stem", "zeta", 4, "cycle", "overwritten, keeps its place");

    EXPECT_EQ(stats.scopes(), (std::vector<std::string>{"run", "layers/stem"}));
    EXPECT_EQ(stats.names("layers/stem"), (std::vector<std::string>{"zeta", "alpha"}));
    EXPECT_EQ(stats.names("run"), (std::vector<std::string>{"total_cycles", "energy"}));
    EXPECT_TRUE(stats.names("nowhere").empty());
    EXPECT_DOUBLE_EQ(stats.get("layers/stem", "zeta"), 4);
    EXPECT_EQ(stats.stat("layers/stem", "zeta").description, "overwritten, keeps its place");
}

TEST(StatsRegistry, AddCreatesAtZeroAndAccumulates) {
    StatsRegistry stats;
    EXPECT_FALSE(stats.has("layers/fc1", "macs"));
    stats.add("layers/fc1", "macs", 5, "op", "multiply-accumulates");
    stats.add("layers/fc1", "macs", 7, "op", "");
    EXPECT_TRUE(stats.has("layers/fc1", "macs"));
    EXPECT_DOUBLE_EQ(stats.get("layers/fc1", "macs"), 12);
    EXPECT_EQ(stats.stat("layers/fc1", "macs").unit, "op");
    EXPECT_EQ(stats.stat("layers/fc1", "macs").description, "multiply-accumulates");
}

TEST(StatsRegistry, UnitClashThrowsLogicError) {
    StatsRegistry stats;
    stats.add("run", "energy", 1, "pJ", "");
    EXPECT_THROW(stats.add("run", "energy", 1, "nJ", ""), std::logic_error);
    EXPECT_THROW(stats.set("run", "energy", 1, "nJ", ""), std::logic_error);
    EXPECT_DOUBLE_EQ(stats.get("run", "energy"), 1);
    try {
        stats.add("run", "energy", 1, "nJ", "");
    } catch (const std::logic_error& e) {
        EXPECT_NE(std::string(e.what()).find("run/energy"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("pJ"), std::string::npos) << e.what();
    }
}

TEST(StatsRegistry, MissingStatThrowsOutOfRangeNamingIt) {
    StatsRegistry stats;
    stats.set("run", "cycles", 1, "cycle", "");
    for (const auto& [scope, name] : {std::pair<std::string, std::string>{"run", "missing"}, {"nowhere", "cycles"}}) {
        try {
            stats.get(scope, name);
            FAIL() << "no exception for " << scope << "/" << name;
        } catch (const std::out_of_range& e) {
            EXPECT_NE(std::string(e.what()).find(scope + "/" + name), std::string::npos) << e.what();
        }
        EXPECT_THROW(stats.stat(scope, name), std::out_of_range);
    }
}

TEST(StatsRegistry, RejectsNamesThatCannotBeHdf5Paths) {
    StatsRegistry stats;
    EXPECT_THROW(stats.set("", "x", 1, "", ""), std::invalid_argument);
    EXPECT_THROW(stats.set("/run", "x", 1, "", ""), std::invalid_argument);
    EXPECT_THROW(stats.set("run/", "x", 1, "", ""), std::invalid_argument);
    EXPECT_THROW(stats.set("a//b", "x", 1, "", ""), std::invalid_argument);
    EXPECT_THROW(stats.set("run", "", 1, "", ""), std::invalid_argument);
    EXPECT_THROW(stats.add("run", "a/b", 1, "", ""), std::invalid_argument);
    EXPECT_TRUE(stats.scopes().empty());
}

// ---- Reading back with the HDF5 C API --------------------------------------------------

hid_t must(hid_t id, const std::string& what) {
    if (id < 0) throw std::runtime_error("test could not open " + what);
    return id;
}

Hdf5Datatype vlenUtf8() {
    Hdf5Datatype t(must(H5Tcopy(H5T_C_S1), "string type"));
    H5Tset_size(t.get(), H5T_VARIABLE);
    H5Tset_cset(t.get(), H5T_CSET_UTF8);
    return t;
}

// Also checks the stored type is what the layout promises: vlen UTF-8.
std::string stringAttr(hid_t loc, const char* object, const char* name) {
    const std::string what = std::string(object) + "@" + name;
    Hdf5Attribute attr(must(H5Aopen_by_name(loc, object, name, H5P_DEFAULT, H5P_DEFAULT), what));
    Hdf5Datatype stored(must(H5Aget_type(attr.get()), what));
    EXPECT_EQ(H5Tget_class(stored.get()), H5T_STRING) << what;
    EXPECT_GT(H5Tis_variable_str(stored.get()), 0) << what;
    EXPECT_EQ(H5Tget_cset(stored.get()), H5T_CSET_UTF8) << what;
    Hdf5Datatype mem = vlenUtf8();
    char* text = nullptr;
    if (H5Aread(attr.get(), mem.get(), &text) < 0) throw std::runtime_error("cannot read " + what);
    std::string value = text ? text : "";
    H5free_memory(text);
    return value;
}

int64_t intAttr(hid_t loc, const char* object, const char* name) {
    const std::string what = std::string(object) + "@" + name;
    Hdf5Attribute attr(must(H5Aopen_by_name(loc, object, name, H5P_DEFAULT, H5P_DEFAULT), what));
    Hdf5Datatype stored(must(H5Aget_type(attr.get()), what));
    EXPECT_EQ(H5Tget_class(stored.get()), H5T_INTEGER) << what;
    int64_t value = -1;
    if (H5Aread(attr.get(), H5T_NATIVE_INT64, &value) < 0) throw std::runtime_error("cannot read " + what);
    return value;
}

std::vector<hsize_t> datasetShape(hid_t file, const char* path) {
    Hdf5Dataset ds(must(H5Dopen2(file, path, H5P_DEFAULT), path));
    Hdf5Dataspace space(must(H5Dget_space(ds.get()), path));
    std::vector<hsize_t> dims(static_cast<size_t>(H5Sget_simple_extent_ndims(space.get())));
    H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    return dims;
}

template <typename T>
std::vector<T> readAll(hid_t file, const char* path, hid_t memType) {
    Hdf5Dataset ds(must(H5Dopen2(file, path, H5P_DEFAULT), path));
    Hdf5Dataspace space(must(H5Dget_space(ds.get()), path));
    std::vector<T> values(static_cast<size_t>(H5Sget_simple_extent_npoints(space.get())));
    if (!values.empty() && H5Dread(ds.get(), memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0) {
        throw std::runtime_error(std::string("cannot read ") + path);
    }
    return values;
}

double scalarDouble(hid_t file, const char* path) {
    EXPECT_TRUE(datasetShape(file, path).empty()) << path << " should be scalar";
    return readAll<double>(file, path, H5T_NATIVE_DOUBLE).at(0);
}

std::vector<std::string> stringDataset(hid_t file, const char* path) {
    Hdf5Dataset ds(must(H5Dopen2(file, path, H5P_DEFAULT), path));
    Hdf5Datatype stored(must(H5Dget_type(ds.get()), path));
    EXPECT_GT(H5Tis_variable_str(stored.get()), 0) << path;
    Hdf5Dataspace space(must(H5Dget_space(ds.get()), path));
    std::vector<char*> raw(static_cast<size_t>(H5Sget_simple_extent_npoints(space.get())), nullptr);
    Hdf5Datatype mem = vlenUtf8();
    if (!raw.empty() && H5Dread(ds.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0) {
        throw std::runtime_error(std::string("cannot read ") + path);
    }
    std::vector<std::string> values(raw.begin(), raw.end());
    if (!raw.empty()) H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, raw.data());
    return values;
}

herr_t appendLinkName(hid_t, const char* name, const H5L_info_t*, void* out) {
    static_cast<std::vector<std::string>*>(out)->push_back(name);
    return 0;
}

std::vector<std::string> linksInCreationOrder(hid_t file, const char* group) {
    Hdf5Group g(must(H5Gopen2(file, group, H5P_DEFAULT), group));
    std::vector<std::string> names;
    if (H5Literate(g.get(), H5_INDEX_CRT_ORDER, H5_ITER_INC, nullptr, appendLinkName, &names) < 0) {
        throw std::runtime_error(std::string("cannot iterate ") + group + " in creation order");
    }
    return names;
}

Hdf5File openResults(const std::string& path) {
    return Hdf5File(must(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), path));
}

// ---- Fixtures ------------------------------------------------------------------------

class ResultsWriterTest : public ::testing::Test {
protected:
    void SetUp() override {
        tmp_ = std::make_unique<test_support::TempDir>();
        dir_ = tmp_->path();
    }
    void TearDown() override { tmp_.reset(); }

    std::string path(const std::string& name) const { return (dir_ / name).string(); }

    std::vector<std::string> filesInDir() const {
        std::vector<std::string> names;
        for (const auto& entry : fs::directory_iterator(dir_)) names.push_back(entry.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }

    static std::string contents(const std::string& file) {
        std::ifstream in(file, std::ios::binary);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }

    // Two layers whose execution order is the reverse of alphabetical, so any
    // accidental name-ordering shows up. Each lacks one stat the other has.
    RunRecord twoLayerRun() {
        stats_.set("layers/stem", "cycles", 1200, "cycle", "cycles from first input to last output");
        stats_.set("layers/stem", "stall_cycles", 40, "cycle", "cycles waiting on off-chip reads");
        stats_.set("layers/stem", "term_pairs", 98304, "op", "term-pair multiplications");
        stats_.set("layers/classifier", "cycles", 300, "cycle", "cycles from first input to last output");
        stats_.set("layers/classifier", "term_pairs", 4096, "op", "term-pair multiplications");
        stats_.set("layers/classifier", "energy", 12.5, "pJ", "dynamic energy");
        stats_.set("run", "total_cycles", 1500, "cycle", "all layers, back to back");
        stats_.set("run/memory", "dram_bytes", 65536, "byte", "off-chip traffic");

        RunRecord run;
        run.configYaml = "array:\n  rows: 64\n  cols: 128\nname: \"caf\xc3\xa9\"\n";
        run.configHash = "0123456789abcdef";
        run.tracePath = "/traces/mlp.h5";
        run.traceNetwork = "mlp";
        run.traceSource = "real: Fashion-MNIST";
        run.layerOrder = {"stem", "classifier"};
        run.stats = &stats_;
        run.outputs = {{"classifier", {2, 3}, {1, -2, 3, -4, 5, -6000000000LL}}};
        return run;
    }

    std::unique_ptr<test_support::TempDir> tmp_;
    fs::path dir_;
    StatsRegistry stats_;
};

// ---- Round trip ----------------------------------------------------------------------------

TEST_F(ResultsWriterTest, RoundTripRootAttributes) {
    const RunRecord run = twoLayerRun();
    writeResults(path("r.h5"), run);
    Hdf5File f = openResults(path("r.h5"));
    const hid_t id = f.get();
    EXPECT_EQ(stringAttr(id, "/", "format"), "trsim-results");
    EXPECT_EQ(intAttr(id, "/", "format_version"), 1);
    EXPECT_EQ(stringAttr(id, "/", "trsim_version"), "0.1");
    EXPECT_EQ(stringAttr(id, "/", "config_hash"), "0123456789abcdef");
    EXPECT_EQ(stringAttr(id, "/", "config_yaml"), run.configYaml);
    EXPECT_EQ(stringAttr(id, "/", "trace_path"), "/traces/mlp.h5");
    EXPECT_EQ(stringAttr(id, "/", "trace_network"), "mlp");
    EXPECT_EQ(stringAttr(id, "/", "trace_source"), "real: Fashion-MNIST");
    EXPECT_EQ(filesInDir(), (std::vector<std::string>{"r.h5"})) << "temp file left behind";
}

TEST_F(ResultsWriterTest, RoundTripLayerGroupsInExecutionOrder) {
    writeResults(path("r.h5"), twoLayerRun());
    Hdf5File f = openResults(path("r.h5"));
    const hid_t id = f.get();

    EXPECT_EQ(linksInCreationOrder(id, "/"), (std::vector<std::string>{"layers", "run", "summary"}));
    EXPECT_EQ(linksInCreationOrder(id, "/layers"), (std::vector<std::string>{"stem", "classifier"}));
    EXPECT_EQ(intAttr(id, "/layers/stem", "index"), 0);
    EXPECT_EQ(intAttr(id, "/layers/classifier", "index"), 1);

    EXPECT_EQ(linksInCreationOrder(id, "/layers/stem"),
              (std::vector<std::string>{"cycles", "stall_cycles", "term_pairs"}));
    EXPECT_EQ(linksInCreationOrder(id, "/layers/classifier"),
              (std::vector<std::string>{"cycles", "term_pairs", "energy", "output"}));
    EXPECT_DOUBLE_EQ(scalarDouble(id, "/layers/stem/cycles"), 1200);
    EXPECT_DOUBLE_EQ(scalarDouble(id, "/layers/stem/stall_cycles"), 40);
    EXPECT_DOUBLE_EQ(scalarDouble(id, "/layers/stem/term_pairs"), 98304);
    EXPECT_DOUBLE_EQ(scalarDouble(id, "/layers/classifier/cycles"), 300);
    EXPECT_DOUBLE_EQ(scalarDouble(id, "/layers/classifier/energy"), 12.5);
    EXPECT_EQ(stringAttr(id, "/layers/stem/stall_cycles", "unit"), "cycle");
    EXPECT_EQ(stringAttr(id, "/layers/stem/stall_cycles", "description"), "cycles waiting on off-chip reads");
    EXPECT_EQ(stringAttr(id, "/layers/classifier/energy", "unit"), "pJ");
    EXPECT_EQ(stringAttr(id, "/layers/classifier/term_pairs", "description"), "term-pair multiplications");

    EXPECT_EQ(datasetShape(id, "/layers/classifier/output"), (std::vector<hsize_t>{2, 3}));
    EXPECT_EQ(readAll<int64_t>(id, "/layers/classifier/output", H5T_NATIVE_INT64),
              (std::vector<int64_t>{1, -2, 3, -4, 5, -6000000000LL}));
    EXPECT_LE(H5Lexists(id, "/layers/stem/output", H5P_DEFAULT), 0);
}

TEST_F(ResultsWriterTest, RoundTripOtherScopesAsNestedGroups) {
    writeResults(path("r.h5"), twoLayerRun());
    Hdf5File f = openResults(path("r.h5"));
    const hid_t id = f.get();
    EXPECT_EQ(linksInCreationOrder(id, "/run"), (std::vector<std::string>{"total_cycles", "memory"}));
    EXPECT_DOUBLE_EQ(scalarDouble(id, "/run/total_cycles"), 1500);
    EXPECT_EQ(stringAttr(id, "/run/total_cycles", "unit"), "cycle");
    EXPECT_EQ(stringAttr(id, "/run/total_cycles", "description"), "all layers, back to back");
    EXPECT_DOUBLE_EQ(scalarDouble(id, "/run/memory/dram_bytes"), 65536);
    EXPECT_EQ(stringAttr(id, "/run/memory/dram_bytes", "unit"), "byte");
}

TEST_F(ResultsWriterTest, RoundTripSummaryTable) {
    writeResults(path("r.h5"), twoLayerRun());
    Hdf5File f = openResults(path("r.h5"));
    const hid_t id = f.get();
    EXPECT_EQ(linksInCreationOrder(id, "/summary"),
              (std::vector<std::string>{"layer", "cycles", "stall_cycles", "term_pairs", "energy"}));
    EXPECT_EQ(stringDataset(id, "/summary/layer"), (std::vector<std::string>{"stem", "classifier"}));
    EXPECT_EQ(readAll<double>(id, "/summary/cycles", H5T_NATIVE_DOUBLE), (std::vector<double>{1200, 300}));
    EXPECT_EQ(readAll<double>(id, "/summary/term_pairs", H5T_NATIVE_DOUBLE), (std::vector<double>{98304, 4096}));

    const auto stalls = readAll<double>(id, "/summary/stall_cycles", H5T_NATIVE_DOUBLE);
    ASSERT_EQ(stalls.size(), 2u);
    EXPECT_DOUBLE_EQ(stalls[0], 40);
    EXPECT_TRUE(std::isnan(stalls[1]));
    const auto energy = readAll<double>(id, "/summary/energy", H5T_NATIVE_DOUBLE);
    ASSERT_EQ(energy.size(), 2u);
    EXPECT_TRUE(std::isnan(energy[0]));
    EXPECT_DOUBLE_EQ(energy[1], 12.5);

    EXPECT_EQ(stringAttr(id, "/summary/energy", "unit"), "pJ");
    EXPECT_EQ(stringAttr(id, "/summary/energy", "description"), "dynamic energy");
    EXPECT_EQ(stringAttr(id, "/summary/stall_cycles", "unit"), "cycle");
}

TEST_F(ResultsWriterTest, LargeOutputIsChunkedAndGzipped) {
    RunRecord run = twoLayerRun();
    LayerOutput big{"stem", {300, 500}, {}};
    for (int64_t i = 0; i < 300 * 500; ++i) big.data.push_back(i % 97 - 48);
    run.outputs.push_back(big);
    writeResults(path("r.h5"), run);

    Hdf5File f = openResults(path("r.h5"));
    Hdf5Dataset ds(must(H5Dopen2(f.get(), "/layers/stem/output", H5P_DEFAULT), "output"));
    Hdf5PropertyList dcpl(must(H5Dget_create_plist(ds.get()), "dcpl"));
    EXPECT_EQ(H5Pget_layout(dcpl.get()), H5D_CHUNKED);
    ASSERT_EQ(H5Pget_nfilters(dcpl.get()), 1);
    unsigned flags = 0, level = 0;
    size_t nValues = 1;
    EXPECT_EQ(H5Pget_filter2(dcpl.get(), 0, &flags, &nValues, &level, 0, nullptr, nullptr), H5Z_FILTER_DEFLATE);
    EXPECT_EQ(level, 4u);
    EXPECT_EQ(readAll<int64_t>(f.get(), "/layers/stem/output", H5T_NATIVE_INT64), big.data);

    Hdf5Dataset small(must(H5Dopen2(f.get(), "/layers/classifier/output", H5P_DEFAULT), "small output"));
    Hdf5PropertyList smallDcpl(must(H5Dget_create_plist(small.get()), "dcpl"));
    EXPECT_EQ(H5Pget_layout(smallDcpl.get()), H5D_CONTIGUOUS);
}

// Attributes are limited to 64 KiB, but a vlen string attribute keeps its text
// in the global heap, so a long resolved config still fits.
TEST_F(ResultsWriterTest, LongConfigTextSurvives) {
    RunRecord run = twoLayerRun();
    run.configYaml.clear();
    for (int i = 0; i < 20000; ++i) run.configYaml += "key_" + std::to_string(i) + ": value\n";
    ASSERT_GT(run.configYaml.size(), 200000u);
    writeResults(path("r.h5"), run);
    Hdf5File f = openResults(path("r.h5"));
    EXPECT_EQ(stringAttr(f.get(), "/", "config_yaml"), run.configYaml);
}

// ---- Failures ----------------------------------------------------------------------------

TEST_F(ResultsWriterTest, MissingDirectoryThrowsWithPathAndLeavesNothing) {
    const std::string target = path("no_such_dir/r.h5");
    try {
        writeResults(target, twoLayerRun());
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(target), std::string::npos) << e.what();
    }
    EXPECT_TRUE(filesInDir().empty());
}

TEST_F(ResultsWriterTest, InvalidRecordKeepsExistingFile) {
    writeResults(path("r.h5"), twoLayerRun());
    const std::string before = contents(path("r.h5"));

    RunRecord bad = twoLayerRun();
    bad.configHash = "ffffffffffffffff";
    bad.outputs = {{"stem", {2, 3}, {1, 2, 3, 4, 5}}};
    try {
        writeResults(path("r.h5"), bad);
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(path("r.h5")), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("shape [2,3]"), std::string::npos) << e.what();
    }
    EXPECT_EQ(contents(path("r.h5")), before);
    EXPECT_EQ(filesInDir(), (std::vector<std::string>{"r.h5"}));
}

// A clash HDF5 itself detects mid-write (a stat and a sub-scope with the same
// name): the exception names the HDF5 call and object, the temp file is removed.
TEST_F(ResultsWriterTest, Hdf5FailureMidWriteNamesCallAndKeepsExistingFile) {
    writeResults(path("r.h5"), twoLayerRun());
    const std::string before = contents(path("r.h5"));

    RunRecord bad = twoLayerRun();
    stats_.set("run", "detail", 1, "", "");
    stats_.set("run/detail", "x", 2, "", "");
    try {
        writeResults(path("r.h5"), bad);
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find(path("r.h5")), std::string::npos) << what;
        EXPECT_NE(what.find("H5Gopen2"), std::string::npos) << what;
        EXPECT_NE(what.find("/run/detail"), std::string::npos) << what;
    }
    EXPECT_EQ(contents(path("r.h5")), before);
    EXPECT_EQ(filesInDir(), (std::vector<std::string>{"r.h5"}));
}

TEST_F(ResultsWriterTest, SuccessfulWriteReplacesExistingFile) {
    writeResults(path("r.h5"), twoLayerRun());
    RunRecord second = twoLayerRun();
    second.configHash = "fedcba9876543210";
    writeResults(path("r.h5"), second);
    Hdf5File f = openResults(path("r.h5"));
    EXPECT_EQ(stringAttr(f.get(), "/", "config_hash"), "fedcba9876543210");
    EXPECT_EQ(filesInDir(), (std::vector<std::string>{"r.h5"}));
}

TEST_F(ResultsWriterTest, RejectsRecordsTheLayoutCannotHold) {
    auto expectRejected = [&](const RunRecord& run, const std::string& fragment) {
        try {
            writeResults(path("r.h5"), run);
            ADD_FAILURE() << "no exception, expected one mentioning " << fragment;
        } catch (const std::runtime_error& e) {
            EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
        }
        EXPECT_TRUE(filesInDir().empty());
    };
    RunRecord noStats = twoLayerRun();
    noStats.stats = nullptr;
    expectRejected(noStats, "stats is null");

    RunRecord twice = twoLayerRun();
    twice.layerOrder.push_back("stem");
    expectRejected(twice, "appears twice");

    RunRecord orphanOutput = twoLayerRun();
    orphanOutput.outputs.push_back({"ghost", {1}, {1}});
    expectRejected(orphanOutput, "ghost");

    {
        StatsRegistry stats;
        stats.set("layers/ghost", "cycles", 1, "cycle", "");
        RunRecord run = twoLayerRun();
        run.stats = &stats;
        expectRejected(run, "layers/ghost");
    }
    {
        StatsRegistry stats;
        stats.set("summary", "x", 1, "", "");
        RunRecord run = twoLayerRun();
        run.stats = &stats;
        expectRejected(run, "reserved");
    }
    {
        StatsRegistry stats;
        stats.set("layers/stem", "output", 1, "", "");
        RunRecord run = twoLayerRun();
        run.stats = &stats;
        expectRejected(run, "layers/stem/output");
    }
    {
        StatsRegistry stats;
        stats.set("layers/stem", "energy", 1, "pJ", "");
        stats.set("layers/classifier", "energy", 1, "nJ", "");
        RunRecord run = twoLayerRun();
        run.stats = &stats;
        expectRejected(run, "/summary/energy");
    }
}

TEST_F(ResultsWriterTest, EmptyRunStillHasSummaryTable) {
    StatsRegistry stats;
    RunRecord run;
    run.stats = &stats;
    writeResults(path("r.h5"), run);
    Hdf5File f = openResults(path("r.h5"));
    EXPECT_TRUE(linksInCreationOrder(f.get(), "/layers").empty());
    EXPECT_EQ(linksInCreationOrder(f.get(), "/summary"), (std::vector<std::string>{"layer"}));
    EXPECT_EQ(datasetShape(f.get(), "/summary/layer"), (std::vector<hsize_t>{0}));
}

}  // namespace
}  // namespace trsim

namespace trsim {
namespace {

TEST_F(ResultsWriterTest, LayerMapsAreFloatDatasetsWithUnits) {
    RunRecord run = twoLayerRun();
    run.maps = {{"stem", "pe_utilization", "fraction", "useful share per PE", {2, 2}, {0.5, 0.25, 1.0, 0.0}}};
    writeResults(path("r.h5"), run);
    Hdf5File f = openResults(path("r.h5"));
    EXPECT_EQ(datasetShape(f.get(), "/layers/stem/pe_utilization"), (std::vector<hsize_t>{2, 2}));
    EXPECT_EQ(readAll<double>(f.get(), "/layers/stem/pe_utilization", H5T_NATIVE_DOUBLE),
              (std::vector<double>{0.5, 0.25, 1.0, 0.0}));
    EXPECT_EQ(stringAttr(f.get(), "/layers/stem/pe_utilization", "unit"), "fraction");
    // Maps are not stats: the summary table does not grow a column for them.
    EXPECT_LE(H5Lexists(f.get(), "/summary/pe_utilization", H5P_DEFAULT), 0);
}

TEST_F(ResultsWriterTest, RejectsMapsTheLayoutCannotHold) {
    RunRecord run = twoLayerRun();
    run.maps = {{"nope", "m", "", "", {1}, {1.0}}};
    EXPECT_THROW(writeResults(path("r.h5"), run), std::runtime_error);
    run.maps = {{"stem", "cycles", "", "", {1}, {1.0}}};  // clashes with a stat
    EXPECT_THROW(writeResults(path("r.h5"), run), std::runtime_error);
    run.maps = {{"stem", "m", "", "", {2, 2}, {1.0}}};  // wrong size
    EXPECT_THROW(writeResults(path("r.h5"), run), std::runtime_error);
    EXPECT_TRUE(filesInDir().empty());
}

// ---- ResultsStream ---------------------------------------------------------------------

// Every object of a results file in creation order, one line each: its path, its attributes in creation
// order (name=value) and a dataset's values, read with the plain C API.
herr_t appendAttrName(hid_t, const char* name, const H5A_info_t*, void* out) {
    static_cast<std::vector<std::string>*>(out)->push_back(name);
    return 0;
}

std::string datasetText(hid_t file, const std::string& path) {
    Hdf5Dataset ds(must(H5Dopen2(file, path.c_str(), H5P_DEFAULT), path));
    Hdf5Datatype type(must(H5Dget_type(ds.get()), path));
    std::ostringstream text;
    text.precision(17);
    if (H5Tget_class(type.get()) == H5T_STRING) {
        for (const auto& v : stringDataset(file, path.c_str())) text << v << ",";
    } else if (H5Tget_class(type.get()) == H5T_INTEGER) {
        for (int64_t v : readAll<int64_t>(file, path.c_str(), H5T_NATIVE_INT64)) text << v << ",";
    } else {
        for (double v : readAll<double>(file, path.c_str(), H5T_NATIVE_DOUBLE)) text << v << ",";
    }
    return text.str();
}

void describe(hid_t file, const std::string& path, std::ostringstream& out) {
    out << path;
    std::vector<std::string> attrs;
    Hdf5Object obj(must(H5Oopen(file, path.c_str(), H5P_DEFAULT), path));
    const H5I_type_t type = H5Iget_type(obj.get());
    must(H5Aiterate2(obj.get(), H5_INDEX_CRT_ORDER, H5_ITER_INC, nullptr, appendAttrName, &attrs), path);
    for (const auto& a : attrs) {
        Hdf5Attribute attr(must(H5Aopen(obj.get(), a.c_str(), H5P_DEFAULT), path + "@" + a));
        Hdf5Datatype type(must(H5Aget_type(attr.get()), a));
        out << " " << a << "="
            << (H5Tget_class(type.get()) == H5T_STRING ? stringAttr(file, path.c_str(), a.c_str())
                                                       : std::to_string(intAttr(file, path.c_str(), a.c_str())));
    }
    if (type == H5I_DATASET) out << " values=" << datasetText(file, path);
    out << "\n";
    if (type != H5I_GROUP) return;
    for (const auto& link : linksInCreationOrder(file, path.c_str()))
        describe(file, (path == "/" ? "" : path) + "/" + link, out);
}

std::string describeFile(const std::string& file) {
    Hdf5File f = openResults(file);
    std::ostringstream out;
    describe(f.get(), "/", out);
    return out.str();
}

// The records a ResultsStream gets during a run: the header, then each layer as it finishes.
void streamRun(const std::string& file, const RunRecord& run, std::size_t layers) {
    ResultsStream stream(file, run);
    for (std::size_t i = 0; i < layers; ++i) stream.addLayer(layerRecordOf(run, run.layerOrder[i]));
    stream.finish(run);
}

TEST_F(ResultsWriterTest, StreamWritesTheFileWriteResultsWrites) {
    RunRecord run = twoLayerRun();
    run.maps = {{"stem", "pe_utilization", "fraction", "useful share per PE", {2, 2}, {0.5, 0.25, 1.0, 0.0}},
                {"classifier", "term_hist", "values", "by terms", {3}, {1, 2, 3}}};
    run.layerOperands = {{"stem", "{weights: {bits: 8}}"}, {"classifier", "{weights: {bits: 4}}"}};
    stats_.set("layers/stem/actions/mac", "count", 7, "op", "nested below a layer");
    writeResults(path("whole.h5"), run);
    streamRun(path("streamed.h5"), run, run.layerOrder.size());
    const std::string whole = describeFile(path("whole.h5"));
    EXPECT_EQ(describeFile(path("streamed.h5")), whole);
    // The description is not vacuous: it sees every part of the layout.
    for (const char* part : {"/layers/stem index=0 operands={weights: {bits: 8}}", "/layers/classifier/output",
                             "/layers/stem/actions/mac/count", "/summary/layer", "/run/memory/dram_bytes",
                             "/layers/stem/pe_utilization unit=fraction", "config_hash=0123456789abcdef"})
        EXPECT_NE(whole.find(part), std::string::npos) << part << " not in\n" << whole;
    EXPECT_EQ(filesInDir(), (std::vector<std::string>{"streamed.h5", "whole.h5"}));
}

// A scope below a layer goes with the layer; one recorded after its layer was streamed still reaches the
// file, at the place writeResults gives it.
TEST_F(ResultsWriterTest, StreamWritesNestedScopesRecordedAfterTheirLayer) {
    RunRecord run = twoLayerRun();
    stats_.set("layers/stem/actions/mac", "count", 7, "op", "nested below a layer");
    {
        ResultsStream stream(path("streamed.h5"), run);
        for (const std::string& layer : run.layerOrder) stream.addLayer(layerRecordOf(run, layer));
        stats_.set("layers/stem/actions/late", "count", 3, "op", "recorded after the layer was streamed");
        stream.finish(run);
    }
    writeResults(path("whole.h5"), run);
    const std::string whole = describeFile(path("whole.h5"));
    EXPECT_NE(whole.find("/layers/stem/actions/late/count"), std::string::npos) << whole;
    EXPECT_EQ(describeFile(path("streamed.h5")), whole);
}

TEST_F(ResultsWriterTest, StreamWithoutFinishLeavesEverythingAsItWas) {
    writeResults(path("r.h5"), twoLayerRun());
    const std::string before = contents(path("r.h5"));
    {
        RunRecord run = twoLayerRun();
        ResultsStream stream(path("r.h5"), run);
        stream.addLayer(layerRecordOf(run, "stem"));
    }  // a run that failed before its end
    EXPECT_EQ(contents(path("r.h5")), before);
    EXPECT_EQ(filesInDir(), (std::vector<std::string>{"r.h5"}));
}

TEST_F(ResultsWriterTest, StreamFinishRejectsWhatWriteResultsRejects) {
    writeResults(path("r.h5"), twoLayerRun());
    const std::string before = contents(path("r.h5"));

    RunRecord bad = twoLayerRun();
    bad.outputs = {{"stem", {2, 3}, {1, 2, 3, 4, 5}}};
    try {
        streamRun(path("r.h5"), bad, 2);
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(path("r.h5")), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("shape [2,3]"), std::string::npos) << e.what();
    }
    // A failure HDF5 finds on the stream's thread (a stat and a scope of one name) is thrown by finish().
    RunRecord clash = twoLayerRun();
    stats_.set("run", "detail", 1, "", "");
    stats_.set("run/detail", "x", 2, "", "");
    try {
        streamRun(path("r.h5"), clash, 2);
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("H5Gopen2"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("/run/detail"), std::string::npos) << e.what();
    }
    // Layers given must be the record's layerOrder, and hold the values their shapes need.
    EXPECT_THROW(streamRun(path("r.h5"), twoLayerRun(), 1), std::logic_error);
    {
        RunRecord run = twoLayerRun();
        ResultsStream stream(path("r.h5"), run);
        LayerRecord short_ = layerRecordOf(run, "stem");
        short_.maps = {{"stem", "m", "", "", {2, 2}, {1.0}}};  // HDF5 would read 4 values of 1
        stream.addLayer(short_);
        stream.addLayer(layerRecordOf(run, "classifier"));
        EXPECT_THROW(stream.finish(run), std::logic_error);
    }
    EXPECT_EQ(contents(path("r.h5")), before);
    EXPECT_EQ(filesInDir(), (std::vector<std::string>{"r.h5"}));
    EXPECT_THROW(ResultsStream(path("missing/r.h5"), twoLayerRun()), std::runtime_error);
}

}  // namespace
}  // namespace trsim
