// simulation.layers / --layers: which trace layers a run simulates.
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "sim/config/LayerSelection.hpp"

namespace trsim {
namespace {

std::vector<std::string> names(std::size_t n) {
    std::vector<std::string> v;
    for (std::size_t i = 0; i < n; ++i) v.push_back("l" + std::to_string(i));
    return v;
}

// Every A:B, :B, A: over traces of 1..6 layers against Python's slice rule, written out directly.
TEST(LayerSelection, EveryRangeIsAPythonSlice) {
    for (std::size_t n = 1; n <= 6; ++n) {
        for (int a = -1; a <= 8; ++a) {
            for (int b = -1; b <= 8; ++b) {
                const std::string text = (a < 0 ? "" : std::to_string(a)) + ":" + (b < 0 ? "" : std::to_string(b));
                const std::size_t from = a < 0 ? 0 : static_cast<std::size_t>(a);
                const std::size_t to = b < 0 ? n : std::min<std::size_t>(static_cast<std::size_t>(b), n);
                std::vector<std::size_t> expected;
                for (std::size_t i = from; i < to; ++i) expected.push_back(i);
                if (a >= 0 && b >= 0 && a >= b) {
                    EXPECT_THROW(parseLayerSelection(text), std::invalid_argument) << text;
                    continue;
                }
                const LayerSelection s = parseLayerSelection(text);
                if (expected.empty()) {
                    EXPECT_THROW(selectLayers(s, names(n)), std::invalid_argument) << text << " n=" << n;
                } else {
                    EXPECT_EQ(selectLayers(s, names(n)), expected) << text << " n=" << n;
                }
            }
        }
    }
}

// Every non-empty subset of five layers, named in reverse order: the run keeps trace order.
TEST(LayerSelection, NamesRunInTraceOrderWhateverTheirOrder) {
    const auto all = names(5);
    for (unsigned mask = 1; mask < 32; ++mask) {
        std::string text;
        std::vector<std::size_t> expected;
        for (std::size_t i = 0; i < 5; ++i)
            if (mask & (1u << i)) expected.push_back(i);
        for (std::size_t k = expected.size(); k-- > 0;) text += (text.empty() ? "" : ",") + all[expected[k]];
        EXPECT_EQ(selectLayers(parseLayerSelection(text), all), expected) << text;
    }
}

TEST(LayerSelection, EmptyMeansEveryLayer) {
    EXPECT_TRUE(parseLayerSelection("").all());
    EXPECT_EQ(selectLayers(parseLayerSelection(""), names(3)), (std::vector<std::size_t>{0, 1, 2}));
}

TEST(LayerSelection, ProblemsNameTheValueAndWhatIsAllowed) {
    for (const char* bad : {"a,,b", ",a", "a,", "1:x", "-1:2", "a,a"}) EXPECT_THROW(parseLayerSelection(bad), std::invalid_argument) << bad;
    try {
        selectLayers(parseLayerSelection("l1,conv9"), names(3));
        FAIL();
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("no layer named 'conv9' (the trace's layers: l0, l1, l2)"), std::string::npos)
            << e.what();
    }
}

// stem(first), conv1, dw1 (depthwise), se1 (role se), conv2, fc
std::vector<SelectableLayer> network() {
    return {{"stem", "first", false}, {"conv1", "conv", false}, {"dw1", "depthwise", true},
            {"se1", "se", false},     {"conv2", "conv", false}, {"fc", "classifier", false}};
}

std::vector<std::size_t> pick(const std::string& text) { return selectLayers(parseLayerSelection(text), network()); }

TEST(LayerSelection, GlobsRolesAndMixedItems) {
    using V = std::vector<std::size_t>;
    EXPECT_EQ(pick("conv*"), (V{1, 4}));
    EXPECT_EQ(pick("*1"), (V{1, 2, 3}));
    EXPECT_EQ(pick("conv?"), (V{1, 4}));
    EXPECT_EQ(pick("[cs]*"), (V{0, 1, 3, 4}));
    EXPECT_EQ(pick("first"), (V{0}));
    EXPECT_EQ(pick("last"), (V{5}));
    EXPECT_EQ(pick("depthwise"), (V{2}));
    EXPECT_EQ(pick("se"), (V{3}));
    EXPECT_EQ(pick("last,first"), (V{0, 5}));                // trace order, whatever the item order
    EXPECT_EQ(pick("fc,2:4,first"), (V{0, 2, 3, 5}));        // names, ranges and roles in one list
    EXPECT_EQ(pick("conv*,conv1"), (V{1, 4}));               // overlaps select a layer once
    // The depthwise flag, not the role attribute, makes a layer depthwise; a role attribute 'first' is not
    // the first layer (index 0 is).
    EXPECT_EQ(selectLayers(parseLayerSelection("depthwise,first"),
                           std::vector<SelectableLayer>{{"a", "depthwise", false}, {"b", "first", true}}),
              (V{0, 1}));
    EXPECT_EQ(selectLayers(parseLayerSelection("first"),
                           std::vector<SelectableLayer>{{"a", "", false}, {"b", "first", false}}),
              (V{0}));
}

TEST(LayerSelection, ALayerNamedLikeARoleIsTheLayer) {
    const std::vector<SelectableLayer> layers{{"a", "", false}, {"last", "", false}, {"b", "", false}};
    EXPECT_EQ(selectLayers(parseLayerSelection("last"), layers), (std::vector<std::size_t>{1}));
}

TEST(LayerSelection, EveryItemMustSelectALayer) {
    const struct {
        const char* text;
        const char* message;
    } cases[] = {
        {"conv1,x*", "'x*' matches no layer (the trace's layers: stem, conv1, dw1, se1, conv2, fc)"},
        {"conv1,conv3", "no layer named 'conv3'"},
        {"fc,7:", "'7:': range selects no layer (the trace has 6 layers, indices 0..5)"},
    };
    for (const auto& c : cases) {
        try {
            pick(c.text);
            FAIL() << c.text;
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
        }
    }
    const std::vector<SelectableLayer> plain{{"a", "", false}, {"b", "", false}};
    for (const char* role : {"depthwise", "se"}) {
        try {
            selectLayers(parseLayerSelection(role), plain);
            FAIL() << role;
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find(std::string("role '") + role + "' selects no layer: the trace has no "),
                      std::string::npos)
                << e.what();
        }
    }
}

TEST(LayerSelection, OverrideQuotesTheValueForYaml) {
    EXPECT_EQ(layersOverride("2:"), "simulation.layers=\"2:\"");
    EXPECT_EQ(layersOverride("a\"b\\c"), "simulation.layers=\"a\\\"b\\\\c\"");
}

}  // namespace
}  // namespace trsim
