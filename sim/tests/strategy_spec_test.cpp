// Strategy strings: parsing, defaults, canonical form, and one-line errors (strategy.hpp, factory.cpp).

#include <corosim/sim/strategy.hpp>

#include <gtest/gtest.h>

#include <string>

namespace corosim::sim {
namespace {

TEST(ParseStrategy, FillsInDefaults) {
  EXPECT_EQ(parse_strategy("random").value(), (StrategySpec{"random", {}}));
  EXPECT_EQ(parse_strategy("pct").value(), (StrategySpec{"pct", {{"d", "3"}}}));
  EXPECT_EQ(parse_strategy("pct:d=5").value(), (StrategySpec{"pct", {{"d", "5"}}}));
  EXPECT_EQ(parse_strategy("pct:k=40,d=2").value(), (StrategySpec{"pct", {{"d", "2"}, {"k", "40"}}}));
  EXPECT_EQ(parse_strategy("dfs").value(), (StrategySpec{"dfs", {{"preemptions", "2"}}}));
  EXPECT_EQ(parse_strategy("dfs:preemptions=0").value(), (StrategySpec{"dfs", {{"preemptions", "0"}}}));
  EXPECT_EQ(parse_strategy("replay").value(), (StrategySpec{"replay", {}}));
}

TEST(ParseStrategy, CanonicalTextParsesBack) {
  for (const char *text : {"random", "pct", "pct:d=1", "pct:d=64,k=4294967296", "dfs", "dfs:preemptions=1000",
                           "pct:d=007", "replay", "ipb", "ipb:preemptions=3", "idb:delays=0", "pos", "urw"}) {
    const StrategySpec spec = parse_strategy(text).value();
    EXPECT_EQ(parse_strategy(spec.to_string()).value(), spec) << text;
  }
  EXPECT_EQ(parse_strategy("pct:k=40,d=02").value().to_string(), "pct:d=2,k=40");
  EXPECT_EQ(parse_strategy("dfs").value().to_string(), "dfs:preemptions=2");
  EXPECT_EQ(parse_strategy("ipb").value().to_string(), "ipb:preemptions=1000");
  EXPECT_EQ(parse_strategy("idb").value().to_string(), "idb:delays=1000");
  EXPECT_EQ(parse_strategy("pos").value().to_string(), "pos");
}

TEST(ParseStrategy, RefusesBadInputWithOneLine) {
  const std::pair<const char *, const char *> cases[] = {
      {"", "unknown strategy ''"},
      {"walk", "unknown strategy 'walk'"},
      {"PCT", "unknown strategy 'PCT'"},
      {"pct:", "nothing after ':'"},
      {"pct:d", "'d' is not key=value"},
      {"pct:=3", "'=3' is not key=value"},
      {"pct:d=3,", "'' is not key=value"},
      {"pct:d=3,d=4", "parameter 'd' given twice"},
      {"pct:d=0", "d='0' is not an integer from 1 to 64"},
      {"pct:d=65", "d='65' is not an integer from 1 to 64"},
      {"pct:d=-1", "d='-1' is not an integer"},
      {"pct:d=", "d='' is not an integer"},
      {"pct:d=3x", "d='3x' is not an integer"},
      {"pct:k=0", "k='0' is not an integer from 1 to 4294967296"},
      {"pct:preemptions=2", "strategy 'pct' has no parameter 'preemptions'"},
      {"dfs:preemptions=1001", "preemptions='1001' is not an integer from 0 to 1000"},
      {"dfs:preemptions=99999999999999999999999", "is not an integer"},
      {"dfs:d=3", "strategy 'dfs' has no parameter 'd'"},
      {"random:seed=1", "strategy 'random' has no parameter 'seed'"},
      {"ipb:delays=1", "strategy 'ipb' has no parameter 'delays'"},
      {"idb:delays=1001", "delays='1001' is not an integer from 0 to 1000"},
      {"pos:d=2", "strategy 'pos' has no parameter 'd'"},
  };
  for (const auto &[text, expected] : cases) {
    const auto parsed = parse_strategy(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_NE(parsed.error().find(expected), std::string::npos) << text << " -> " << parsed.error();
    EXPECT_EQ(parsed.error().find('\n'), std::string::npos);
  }
}

TEST(MakeStrategy, MakesWhatTheStringNames) {
  for (const char *text : {"random", "pct:d=2", "dfs:preemptions=1", "replay"})
    EXPECT_EQ(make_strategy(text).value()->spec().name, parse_strategy(text).value().name);
  EXPECT_EQ(make_strategy("dfs").value()->spec().to_string(), "dfs:preemptions=2");
  EXPECT_EQ(make_strategy("random").value()->spec().to_string(), "random");
}

TEST(MakeStrategy, RefusesBadStringsAndStrayDecisions) {
  EXPECT_FALSE(make_strategy("pct:d=0").ok());
  const auto stray = make_strategy("random", {{Decision::Kind::thread, 1}});
  ASSERT_FALSE(stray.ok());
  EXPECT_EQ(stray.error(), "strategy 'random' does not replay decisions; use 'replay' to follow a schedule");
}

TEST(CheckStrategy, ChecksPartsLikeParseDoes) {
  EXPECT_EQ(check_strategy({"pct", {{"k", "9"}}}).value(), (StrategySpec{"pct", {{"d", "3"}, {"k", "9"}}}));
  EXPECT_FALSE(check_strategy({"pct", {{"d", "x"}}}).ok());
  EXPECT_FALSE(check_strategy({"bfs", {}}).ok());
}

}  // namespace
}  // namespace corosim::sim
