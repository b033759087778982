// The score cache as trsim reads it: CRLF endings are valid, and a directory, a
// setting on two lines or a value outside its metric's range is a problem
// naming the file and the line (never silently used, never "another version").
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sim/io/ScoreCache.hpp"

namespace trsim {
namespace {

namespace fs = std::filesystem;

class ScoreCacheRead : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("score_cache_test_" + std::to_string(::getpid()));
        fs::create_directories(dir);
        trace = (dir / "t.h5").string();
        std::ofstream(trace) << "0123456789";  // 10 bytes: the size the cache's header must name
    }
    void TearDown() override { fs::remove_all(dir); }
    void writeCache(const std::string& body, const std::string& eol = "\n") {
        std::ofstream f(scoreCachePath(trace), std::ios::binary);
        f << "# trsim accuracy scores" << eol << "# trace_bytes\t10" << eol << "# metric\taccuracy" << eol;
        std::string line;
        for (char ch : body) {
            if (ch == '\n') {
                f << line << eol;
                line.clear();
            } else {
                line += ch;
            }
        }
    }
    fs::path dir;
    std::string trace;
};

TEST_F(ScoreCacheRead, CrlfLineEndingsAreValid) {
    writeCache("w=exact:qnone;d=exact:qnone\t0.875\t1.0\n", "\r\n");
    const ScoreCache c = readScoreCache(trace);
    EXPECT_EQ(c.problem, "");
    ASSERT_EQ(c.scores.count("w=exact:qnone;d=exact:qnone"), 1u);
    EXPECT_DOUBLE_EQ(c.scores.at("w=exact:qnone;d=exact:qnone"), 0.875);
}

TEST_F(ScoreCacheRead, ADirectoryIsNamedAsSuch) {
    fs::create_directories(scoreCachePath(trace));
    const ScoreCache c = readScoreCache(trace);
    EXPECT_NE(c.problem.find("is a directory"), std::string::npos) << c.problem;
    EXPECT_EQ(c.problem.find("another version"), std::string::npos) << c.problem;
}

TEST_F(ScoreCacheRead, ASettingOnTwoLinesNamesBoth) {
    writeCache("k1\t0.5\t1.0\nk2\t0.6\t1.0\nk1\t0.7\t1.0\n");
    const ScoreCache c = readScoreCache(trace);
    EXPECT_NE(c.problem.find(":6: setting k1 is also on line 4"), std::string::npos) << c.problem;
    EXPECT_TRUE(c.scores.empty());
}

TEST_F(ScoreCacheRead, AValueOutsideTheMetricsRangeNamesLineAndRange) {
    writeCache("k1\t0.5\t1.0\nk2\t1e308\t1.0\n");
    const ScoreCache c = readScoreCache(trace);
    EXPECT_NE(c.problem.find(":5: k2: accuracy 1e+308 is outside the allowed range [0, 1]"), std::string::npos)
        << c.problem;
    EXPECT_TRUE(c.scores.empty());
}

}  // namespace
}  // namespace trsim
