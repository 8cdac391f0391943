// The same input gives byte-identical outputs whatever the thread count, and
// the same identities and IDs whatever the input order.
#include <algorithm>
#include <random>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fixtures/generator.h"
#include "resolver/batch_job.h"
#include "tests/test_support.h"

namespace idstitch {
namespace {

using testing::MakeTempDir;
using testing::ReadFile;
using testing::WriteFile;

constexpr const char* kDeterministicFiles[] = {"identity_map.csv", "assignments.csv",
                                               "identities.jsonl", "changes.jsonl",
                                               "links.csv", "rejects.jsonl"};

std::string Resolve(const std::string& input, const std::string& out, int threads,
                    bool probabilistic = false, const std::string& previous = "") {
  ResolverOptions options;
  options.show_progress = false;
  options.max_threads = threads;
  options.previous_dir = previous;
  options.write_links = true;
  options.probabilistic.attribute_matching = probabilistic;
  auto job = BatchJob::Create(options);
  EXPECT_TRUE(job.ok()) << job.status();
  auto summary = (*job)->Run({input}, out);
  EXPECT_TRUE(summary.ok()) << summary.status();
  return out;
}

// report.json without its timing, pipeline and memory sections, which are
// measurements.
std::string ReportWithoutMeasurements(const std::string& out) {
  nlohmann::json report = nlohmann::json::parse(ReadFile(out + "/report.json"));
  for (const char* measured : {"timing_seconds", "timing_cpu_seconds", "pipeline_busy_seconds",
                               "memory"}) {
    EXPECT_TRUE(report.contains(measured)) << measured;
    report.erase(measured);
  }
  return report.dump(2);
}

std::string SortedLines(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

class DeterminismTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_dir_ = new std::string(MakeTempDir("determinism-data"));
    GeneratorOptions options;
    options.people = 3000;
    options.seed = 11;
    ASSERT_TRUE(GenerateFixture(options, *data_dir_).ok());
  }
  static void TearDownTestSuite() { delete data_dir_; }
  static std::string* data_dir_;
};
std::string* DeterminismTest::data_dir_ = nullptr;

TEST_F(DeterminismTest, OneAndManyThreadsGiveIdenticalOutputs) {
  std::string input = *data_dir_ + "/events.jsonl";
  std::string one = Resolve(input, MakeTempDir("det-1"), 1);
  std::string many = Resolve(input, MakeTempDir("det-4"), 4);
  for (const char* file : kDeterministicFiles) {
    EXPECT_EQ(ReadFile(one + "/" + file), ReadFile(many + "/" + file)) << file;
  }
  EXPECT_EQ(ReportWithoutMeasurements(one), ReportWithoutMeasurements(many));
  EXPECT_GT(ReadFile(one + "/identity_map.csv").size(), 1000u);
}

TEST_F(DeterminismTest, RunAgainstAPreviousMapIsDeterministic) {
  // The previous map comes from the log's second half, so the full log
  // merges and splits some of its identities.
  std::istringstream in(ReadFile(*data_dir_ + "/events.jsonl"));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::string half;
  for (size_t i = lines.size() / 2; i < lines.size(); ++i) half += lines[i] + "\n";
  std::string half_input = MakeTempDir("det-prev-in") + "/events.jsonl";
  WriteFile(half_input, half);
  std::string previous = Resolve(half_input, MakeTempDir("det-prev-0"), 2);

  std::string input = *data_dir_ + "/events.jsonl";
  std::string one = Resolve(input, MakeTempDir("det-prev-1"), 1, false, previous);
  std::string many = Resolve(input, MakeTempDir("det-prev-4"), 4, false, previous);
  for (const char* file : kDeterministicFiles) {
    EXPECT_EQ(ReadFile(one + "/" + file), ReadFile(many + "/" + file)) << file;
  }
  EXPECT_EQ(ReportWithoutMeasurements(one), ReportWithoutMeasurements(many));
  const std::string changes = ReadFile(one + "/changes.jsonl");
  EXPECT_NE(changes.find("\"change\":\"merged\""), std::string::npos);
  EXPECT_NE(changes.find("\"change\":\"split\""), std::string::npos);
}

TEST_F(DeterminismTest, ProbabilisticMatchersAreDeterministicToo) {
  std::string input = *data_dir_ + "/events.jsonl";
  std::string one = Resolve(input, MakeTempDir("det-p1"), 1, true);
  std::string many = Resolve(input, MakeTempDir("det-p4"), 4, true);
  for (const char* file : kDeterministicFiles) {
    EXPECT_EQ(ReadFile(one + "/" + file), ReadFile(many + "/" + file)) << file;
  }
  EXPECT_EQ(ReadFile(one + "/attribute_model.json"), ReadFile(many + "/attribute_model.json"));
  // The probabilistic matchers did run and link.
  EXPECT_NE(ReadFile(one + "/links.csv").find("attribute_fellegi_sunter"), std::string::npos);
  EXPECT_NE(ReadFile(one + "/links.csv").find("device_colocation"), std::string::npos);

  std::istringstream in(ReadFile(input));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::mt19937_64 rng(9);
  std::shuffle(lines.begin(), lines.end(), rng);
  std::string shuffled_input = MakeTempDir("det-p-shuffled-in") + "/events.jsonl";
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  WriteFile(shuffled_input, text);
  std::string shuffled = Resolve(shuffled_input, MakeTempDir("det-p-shuffled"), 2, true);
  for (const char* file : {"identity_map.csv", "identities.jsonl", "links.csv",
                           "attribute_model.json"}) {
    EXPECT_EQ(ReadFile(one + "/" + file), ReadFile(shuffled + "/" + file)) << file;
  }
}

TEST_F(DeterminismTest, ShuffledInputGivesIdenticalIdentities) {
  std::string input = *data_dir_ + "/events.jsonl";
  std::istringstream in(ReadFile(input));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::mt19937_64 rng(5);
  std::shuffle(lines.begin(), lines.end(), rng);
  std::string shuffled_input = MakeTempDir("det-shuffled-in") + "/events.jsonl";
  std::string shuffled_text;
  for (const std::string& line : lines) shuffled_text += line + "\n";
  WriteFile(shuffled_input, shuffled_text);

  std::string ordered = Resolve(input, MakeTempDir("det-ordered"), 2);
  std::string shuffled = Resolve(shuffled_input, MakeTempDir("det-shuffled"), 2);
  for (const char* file : {"identity_map.csv", "identities.jsonl", "changes.jsonl", "links.csv"}) {
    EXPECT_EQ(ReadFile(ordered + "/" + file), ReadFile(shuffled + "/" + file)) << file;
  }
  // report.json counts and lists (refused merges, hubs) are the same too;
  // only records' file:line locations differ, and every record here has an id.
  EXPECT_EQ(ReportWithoutMeasurements(ordered).substr(ReportWithoutMeasurements(ordered).find("\"records\"")),
            ReportWithoutMeasurements(shuffled).substr(ReportWithoutMeasurements(shuffled).find("\"records\"")));
  // assignments.csv follows input order; as a set of rows it is identical.
  EXPECT_EQ(SortedLines(ReadFile(ordered + "/assignments.csv")),
            SortedLines(ReadFile(shuffled + "/assignments.csv")));
}

}  // namespace
}  // namespace idstitch
