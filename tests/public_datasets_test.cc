// The whole batch pipeline (CSV reader, column mapping, profile records, the
// attribute matcher, the identity graph) on the public person-linkage data
// sets in ../shared/data, scored against their ground truth. Skipped where
// the data sets are absent.
#include <filesystem>
#include <fstream>
#include <regex>

#include <gtest/gtest.h>

#include "resolver/batch_job.h"
#include "resolver/csv.h"
#include "resolver/evaluation.h"
#include "tests/test_support.h"

namespace idstitch {
namespace {

using testing::MakeTempDir;

std::string DataDir() { return testing::SourceDir() + "/../shared/data"; }

// truth.csv (record_id,person_id) from a data set: `id_column` holds the
// record id; the person is `truth_column`, or for Febrl the N of rec-N-...
std::string WriteTruth(const std::vector<std::string>& files, const std::string& id_column,
                       const std::string& truth_column, const std::string& dir) {
  std::string truth = "record_id,person_id\n";
  for (const std::string& file : files) {
    std::ifstream in(file);
    std::string line;
    std::vector<std::string> header, fields;
    std::getline(in, line);
    EXPECT_TRUE(SplitCsvRow(line, &header).ok());
    for (std::string& name : header) name.erase(0, name.find_first_not_of(' '));
    size_t id_index = std::find(header.begin(), header.end(), id_column) - header.begin();
    size_t truth_index = std::find(header.begin(), header.end(), truth_column) - header.begin();
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty() || !SplitCsvRow(line, &fields).ok()) continue;
      std::string id = fields[id_index];
      id.erase(0, id.find_first_not_of(' '));
      std::string person;
      if (truth_index < fields.size()) {
        person = fields[truth_index];
      } else {
        std::smatch match;
        std::regex_search(id, match, std::regex("rec-([0-9]+)-"));
        person = match[1];
      }
      truth += id + "," + person + "\n";
    }
  }
  std::string path = dir + "/truth.csv";
  testing::WriteFile(path, truth);
  return path;
}

struct Case {
  std::string name;
  std::vector<std::string> files;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string id_column;
  std::string truth_column;  // empty: Febrl's rec-N
  bool link_only;
  // Measured when set (README; household guard, pipeline threshold 0.99):
  // Febrl3 0.9969, Febrl4 0.9950, fake_1000 0.9372, fake_20000 0.8716,
  // historical_50k 0.9066; floors ~0.002-0.017 under. The aims are
  // 0.99 / 0.99 / 0.90 for the first three.
  double min_f1;
};

EvaluationResult ResolveAndScore(const Case& c) {
  std::string dir = MakeTempDir("public-" + c.name);
  ResolverOptions options;
  options.show_progress = false;
  options.field_map = c.fields;
  options.probabilistic.attribute_matching = true;
  options.probabilistic.attribute.link_only = c.link_only;
  auto job = BatchJob::Create(options);
  EXPECT_TRUE(job.ok()) << job.status();
  auto summary = (*job)->Run(c.files, dir + "/out");
  EXPECT_TRUE(summary.ok()) << summary.status();
  std::string truth = WriteTruth(c.files, c.id_column, c.truth_column, dir);
  auto result = EvaluateFiles(truth, dir + "/out/assignments.csv");
  EXPECT_TRUE(result.ok()) << result.status();
  return *result;
}

const std::vector<std::pair<std::string, std::string>> kFebrlFields = {
    {"rec_id", "record_id"},     {"given_name", "first_name"}, {"surname", "last_name"},
    {"date_of_birth", "dob"},    {"address_1", "address"},     {"suburb", "city"}};

TEST(PublicDatasetsTest, AttributeMatcherThroughThePipeline) {
  if (!std::filesystem::exists(DataDir() + "/febrl/dataset3.csv")) {
    GTEST_SKIP() << "public data sets not found at " << DataDir();
  }
  std::vector<Case> cases = {
      {"febrl3", {DataDir() + "/febrl/dataset3.csv"}, kFebrlFields, "rec_id", "", false, 0.993},
      {"febrl4",
       {DataDir() + "/febrl/dataset4a.csv", DataDir() + "/febrl/dataset4b.csv"},
       kFebrlFields, "rec_id", "", true, 0.993},
      {"fake_1000",
       {DataDir() + "/splink/fake_1000.csv"},
       {{"unique_id", "record_id"}, {"surname", "last_name"}},
       "unique_id", "cluster", false, 0.93},
      {"fake_20000",
       {DataDir() + "/splink/fake_20000.csv"},
       {{"unique_id", "record_id"}, {"surname", "last_name"}},
       "unique_id", "group", false, 0.86},
      {"historical_50k",
       {DataDir() + "/splink/historical_figures_with_errors_50k.csv"},
       {{"unique_id", "record_id"}, {"surname", "last_name"}, {"birth_place", "city"},
        {"postcode_fake", "postcode"}},
       "unique_id", "cluster", false, 0.89},
  };
  for (const Case& c : cases) {
    EvaluationResult result = ResolveAndScore(c);
    printf("%-10s records %llu pairwise P %.4f R %.4f F1 %.4f\n", c.name.c_str(),
           static_cast<unsigned long long>(result.records_scored), result.pairwise.precision,
           result.pairwise.recall, result.pairwise.f1);
    EXPECT_GE(result.pairwise.f1, c.min_f1) << c.name;
  }
}

}  // namespace
}  // namespace idstitch
