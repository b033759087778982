// The trsim command as a user sees it: output text, exit codes, error messages.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "sim/cli/Commands.hpp"

namespace trsim {
namespace {

struct Result {
    int code;
    std::string out, err;
};

Result run(const Args& args) {
    std::ostringstream out, err;
    const int code = trsimMain(args, out, err);
    return {code, out.str(), err.str()};
}

TEST(EncodeCommand, PrintsHeseTermsOfSpecExample) {
    const Result r = run({"encode", "--encoding", "hese", "27"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, "27: +2^5 -2^3 +2^2 -2^0\n");
}

TEST(EncodeCommand, ZeroHasNoTermsAndNegativesFlipSigns) {
    const Result r = run({"encode", "--encoding", "binary", "0", "-5"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, "0:\n-5: -2^2 -2^0\n");
}

TEST(EncodeCommand, DefaultEncodingIsHese) {
    EXPECT_EQ(run({"encode", "255", "6"}).out, "255: +2^8 -2^0\n6: +2^3 -2^1\n");
}

TEST(EncodeCommand, NafAndBooth) {
    EXPECT_EQ(run({"encode", "--encoding", "naf", "7"}).out, "7: +2^3 -2^0\n");
    // 7 = 0b0111 -> Booth digits (from i=1 down): d1 = -2*0+1+1 = 2, d0 = -2*1+1+0 = -1 -> +2^3 -2^0
    EXPECT_EQ(run({"encode", "--encoding", "booth4", "7"}).out, "7: +2^3 -2^0\n");
}

TEST(EncodeCommand, RejectsValueOutsideBits) {
    const Result r = run({"encode", "--bits", "4", "16"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("does not fit in a 4-bit"), std::string::npos) << r.err;
}

TEST(EncodeCommand, RejectsUnknownEncodingNamingAllowedOnes) {
    const Result r = run({"encode", "--encoding", "csd", "3"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("binary, hese, naf, booth4"), std::string::npos) << r.err;
}

TEST(Commands, EverySubcommandHasHelp) {
    for (const char* cmd : {"encode", "validate", "run", "sweep"}) {
        const Result r = run({cmd, "--help"});
        EXPECT_EQ(r.code, 0) << cmd;
        EXPECT_NE(r.out.find(std::string("usage: trsim ") + cmd), std::string::npos) << r.out;
    }
    EXPECT_EQ(run({"--help"}).code, 0);
    EXPECT_EQ(run({"frobnicate"}).code, 2);
}

}  // namespace
}  // namespace trsim

namespace trsim {
namespace {

TEST(EncodeCommand, BudgetKeepsTheGroupsLargestTermsWithTiesToTheEarlierValue) {
    std::ostringstream out, err;
    // Group {27, 6}: +2^5 -2^3 +2^2 -2^0 | +2^3 -2^1; the 3 largest are +2^5, -2^3 (value 0 wins
    // the tie at 2^3) and +2^3. Group {255}: +2^8 -2^0, budget 3 keeps both.
    EXPECT_EQ(trsimMain({"encode", "--group-size", "2", "--budget", "3", "27", "6", "255"}, out, err), 0) << err.str();
    EXPECT_EQ(out.str(), "27: +2^5 -2^3\n6: +2^3\n255: +2^8 -2^0\n");
}

TEST(EncodeCommand, RejectsBadGroupOptions) {
    std::ostringstream out, err;
    EXPECT_EQ(trsimMain({"encode", "--group-size", "0", "1"}, out, err), 2);
    EXPECT_NE(err.str().find("the argument ('0') for option '--group-size' must be 1..1048576"), std::string::npos)
        << err.str();
    EXPECT_EQ(trsimMain({"encode", "--budget", "-1", "1"}, out, err), 2);
}

}  // namespace
}  // namespace trsim

namespace trsim {
namespace {

// Issue 14/15: option values are checked as whole strings, and the error names the option (exit 2).
TEST(CommandLine, MalformedArgumentsNameTheOption) {
    const std::string cfg = std::string(TRSIM_SOURCE_DIR) + "/configs/default.yaml";
    const struct {
        Args args;
        std::string expected;
    } cases[] = {
        {{"sweep", "s.yaml", "-o", "x.h5", "-j", "abc"}, "trsim sweep: the argument ('abc') for option '--jobs' is invalid"},
        {{"sweep", "s.yaml", "-o", "x.h5", "-j", "2abc"}, "trsim sweep: the argument ('2abc') for option '--jobs' is invalid"},
        {{"sweep", "s.yaml", "-o", "x.h5", "-j", "0"}, "for option '--jobs' must be >= 1"},
        {{"sweep", "s.yaml", "-o", "x.h5", "--shard", "1x/2"}, "for option '--shard' must be I/N"},
        {{"sweep", "s.yaml", "-o", ""}, "option '--output' must not be empty"},
        {{"run", cfg, "-o", ""}, "trsim run: option '--output' must not be empty"},
        {{"run", cfg, "--bogus"}, "unrecognised option '--bogus'"},
        {{"run", cfg, cfg}, "too many positional options"},
        {{"run"}, "trsim run: no config given"},
        {{"validate", cfg, "--set"}, "the required argument for option '--set' is missing"},
        {{"encode", "--bits", "8x", "3"}, "the argument ('8x') for option '--bits' is invalid"},
        {{"encode", "--bit", "8", "3"}, "unrecognised option '--bit'"},
        {{"frobnicate"}, "trsim: unknown command 'frobnicate'"},
    };
    for (const auto& c : cases) {
        const Result r = run(c.args);
        EXPECT_EQ(r.code, 2) << c.expected << "\n" << r.err;
        EXPECT_NE(r.err.find(c.expected), std::string::npos) << r.err;
    }
}

TEST(CommandLine, HelpIsGeneratedFromTheOptionTable) {
    const Result r = run({"sweep", "--help"});
    EXPECT_EQ(r.code, 0);
    for (const char* option : {"-j [ --jobs ] N", "--shard I/N", "--merge-only", "-o [ --output ] OUT.h5"})
        EXPECT_NE(r.out.find(option), std::string::npos) << option << "\n" << r.out;
    EXPECT_NE(run({"run", "--help"}).out.find("--set KEY=VALUE"), std::string::npos);
}

TEST(CommandLine, ConfigErrorsExitOneWithCommandAndFile) {
    const std::string cfg = std::string(TRSIM_SOURCE_DIR) + "/configs/default.yaml";
    const Result r = run({"validate", cfg, "--set=array.rows=0"});
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.err, "trsim validate: --set array.rows=0: array.rows: 0 is out of range (allowed: 1..4096)\n");
    const Result missing = run({"validate", "/nonexistent/c.yaml"});
    EXPECT_EQ(missing.code, 1);
    EXPECT_EQ(missing.err, "trsim validate: /nonexistent/c.yaml: file not found\n");
}

}  // namespace
}  // namespace trsim
