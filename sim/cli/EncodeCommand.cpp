#include <iostream>
#include <stdexcept>

#include "modules/functional/TermReveal.hpp"
#include "sim/cli/CommandLine.hpp"
#include "sim/cli/Commands.hpp"
#include "sim/cli/ErrorHandler.hpp"
#include "sim/config/StrictYaml.hpp"

namespace trsim {
namespace {

CommandSpec encodeSpec() {
    CommandSpec spec;
    spec.usage = "trsim encode [--encoding E] [--bits N] [--group-size G --budget K] VALUE... | -";
    spec.description =
        "Prints the signed power-of-two terms of each integer VALUE, one line each:\n"
        "  VALUE: +2^e -2^e ...   (largest term first; '0:' with nothing after for zero)\n"
        "Values are sign-magnitude: the magnitude must fit in N bits (default 8).\n"
        "With --budget, Term Revealing keeps only the K largest terms of every group of\n"
        "G consecutive values (ties to the earlier value) and prints the kept terms.\n"
        "A VALUE of - reads the values from standard input (whitespace separated).\n"
        "Exit codes: 0 done, 2 usage (including a value that does not fit).\n";
    spec.shortOptions = false;  // negative VALUEs start with '-'
    spec.options.add_options()("help", "print this help")(
        "encoding", po::value<std::string>()->default_value("hese")->value_name("E"),
        ("binary, hese, naf or booth4"))(
        "bits", po::value<int>()->default_value(8)->value_name("N"), "magnitude bit width, 1..62")(
        "group-size", po::value<int>()->default_value(1)->value_name("G"), "values per TR group, 1..2^20")(
        "budget", po::value<int>()->value_name("K"), "terms kept per group, 0..2^20 (default: all)");
    spec.hidden.add_options()("values", po::value<std::vector<std::string>>(), "");
    spec.positional.add("values", -1);
    return spec;
}

long long integerValue(const std::string& text, const std::string& where) {
    try {
        std::size_t used = 0;
        const long long v = std::stoll(text, &used, 0);
        if (used == text.size()) return v;
    } catch (const std::exception&) {
    }
    throw UsageError("'" + text + "'" + where + " is not an integer");
}

int inRange(const po::variables_map& vm, const std::string& name, int lo, int hi) {
    const int v = vm[name].as<int>();
    if (v < lo || v > hi)
        throw UsageError("the argument ('" + std::to_string(v) + "') for option '--" + name + "' must be " +
                         std::to_string(lo) + ".." + std::to_string(hi));
    return v;
}

}  // namespace

int encodeCommand(const Args& args, std::ostream& out, std::ostream& err) {
    return handleErrors("encode", err, [&](std::string&) {
        const CommandSpec spec = encodeSpec();
        const po::variables_map vm = parseCommandLine(spec, args);
        if (vm.count("help")) {
            out << helpText(spec);
            return exit_status::kOk;
        }
        OperandCoding coding{8, Encoding::Hese, 1, std::nullopt};
        const std::string encoding = vm["encoding"].as<std::string>();
        const auto e = parseEncoding(encoding);
        if (!e)
            throw UsageError("the argument ('" + encoding + "') for option '--encoding' is not an encoding (allowed: " +
                             joinWords(encodingNames()) + ")");
        coding.encoding = *e;
        coding.bits = inRange(vm, "bits", 1, 62);
        coding.groupSize = inRange(vm, "group-size", 1, 1 << 20);
        if (vm.count("budget")) coding.budget = inRange(vm, "budget", 0, 1 << 20);

        std::vector<long long> values;
        const std::vector<std::string> operands =
            vm.count("values") ? vm["values"].as<std::vector<std::string>>() : std::vector<std::string>{};
        for (const std::string& a : operands) {
            if (a != "-") {
                values.push_back(integerValue(a, ""));
                continue;
            }
            for (std::string word; std::cin >> word;) values.push_back(integerValue(word, " on standard input"));
        }
        if (values.empty()) throw UsageError("no values given");
        std::vector<Terms> group;
        for (std::size_t start = 0; start < values.size(); start += static_cast<std::size_t>(coding.groupSize)) {
            const std::size_t end = std::min(values.size(), start + static_cast<std::size_t>(coding.groupSize));
            group.clear();
            try {
                for (std::size_t i = start; i < end; ++i)
                    group.push_back(encode(coding.encoding, values[i], coding.bits));
            } catch (const std::out_of_range& ex) {
                throw UsageError(ex.what());
            }
            const std::vector<Terms> kept = selectTopTerms(group, coding.budget);
            for (std::size_t i = start; i < end; ++i) {
                const std::string terms = formatTerms(kept[i - start]);
                out << values[i] << ":" << (terms.empty() ? "" : " ") << terms << "\n";
            }
        }
        return exit_status::kOk;
    });
}

}  // namespace trsim
