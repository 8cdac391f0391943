#include "resolver/evaluation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "tests/status_matchers.h"

namespace idstitch {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using StringMap = absl::flat_hash_map<std::string, std::string>;

constexpr double kTolerance = 1e-12;

// Writes `content` to a fresh file under the test temp dir; returns its path.
std::string WriteFile(const std::string& name, const std::string& content) {
  // The test's name keeps files of tests running in parallel (CTest) apart.
  const std::string path =
      absl::StrCat(::testing::TempDir(), "/evaluation_test_",
                   ::testing::UnitTest::GetInstance()->current_test_info()->name(), "_", name);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  return path;
}

// The hand-computed example. Truth: A={r1,r2,r3} B={r4,r5} C={r6}.
// Predicted: X={r1,r2,r4} Y={r3,r5,r6}.
// Cells: AX=2 BX=1 AY=1 BY=1 CY=1; a_X=a_Y=3; b_A=3 b_B=2 b_C=1; N=6.
// Pairwise: TP = C(2,2) = 1; predicted = 3+3 = 6; true = 3+1+0 = 4;
//   P = 1/6, R = 1/4, F1 = 2(1/24)/(5/12) = 1/5.
// B-cubed P = (1/6)(4/3 + 1/3 + 1/3 + 1/3 + 1/3) = (1/6)(8/3) = 4/9.
// B-cubed R = (1/6)(4/3 + 1/2 + 1/3 + 1/2 + 1/1) = (1/6)(11/3) = 11/18.
// B-cubed F1 = 2(4/9)(11/18) / (4/9 + 11/18) = 88/171.
const StringMap& ExampleTruth() {
  static const auto* truth =
      new StringMap{{"r1", "A"}, {"r2", "A"}, {"r3", "A"},
                    {"r4", "B"}, {"r5", "B"}, {"r6", "C"}};
  return *truth;
}
const StringMap& ExampleAssignment() {
  static const auto* assignment =
      new StringMap{{"r1", "X"}, {"r2", "X"}, {"r4", "X"},
                    {"r3", "Y"}, {"r5", "Y"}, {"r6", "Y"}};
  return *assignment;
}

void ExpectExampleScores(const EvaluationResult& result) {
  EXPECT_EQ(result.records_scored, 6u);
  EXPECT_EQ(result.true_identities, 3u);
  EXPECT_EQ(result.predicted_identities, 2u);
  EXPECT_EQ(result.pairwise.true_positive_pairs, 1u);
  EXPECT_EQ(result.pairwise.predicted_pairs, 6u);
  EXPECT_EQ(result.pairwise.true_pairs, 4u);
  EXPECT_NEAR(result.pairwise.precision, 1.0 / 6, kTolerance);
  EXPECT_NEAR(result.pairwise.recall, 1.0 / 4, kTolerance);
  EXPECT_NEAR(result.pairwise.f1, 1.0 / 5, kTolerance);
  EXPECT_NEAR(result.bcubed.precision, 4.0 / 9, kTolerance);
  EXPECT_NEAR(result.bcubed.recall, 11.0 / 18, kTolerance);
  EXPECT_NEAR(result.bcubed.f1, 88.0 / 171, kTolerance);
}

TEST(EvaluationTest, HandComputedExample) {
  const EvaluationResult result =
      EvaluatePartition(ExampleTruth(), ExampleAssignment());
  ExpectExampleScores(result);
  EXPECT_EQ(result.truth_records_unknown, 0u);
  EXPECT_EQ(result.truth_records_unassigned, 0u);
  EXPECT_EQ(result.assignments_without_truth, 0u);

  // Equal sizes tie-break by id: X before Y.
  ASSERT_EQ(result.largest_predicted_identities.size(), 2u);
  const PredictedIdentitySummary& x = result.largest_predicted_identities[0];
  EXPECT_EQ(x.identity_id, "X");
  EXPECT_EQ(x.size, 3u);
  EXPECT_EQ(x.true_identities, 2u);
  EXPECT_NEAR(x.largest_true_share, 2.0 / 3, kTolerance);
  const PredictedIdentitySummary& y = result.largest_predicted_identities[1];
  EXPECT_EQ(y.identity_id, "Y");
  EXPECT_EQ(y.true_identities, 3u);
  EXPECT_NEAR(y.largest_true_share, 1.0 / 3, kTolerance);

  ASSERT_EQ(result.largest_true_identities.size(), 3u);
  EXPECT_EQ(result.largest_true_identities[0].person_id, "A");
  EXPECT_EQ(result.largest_true_identities[0].size, 3u);
  EXPECT_EQ(result.largest_true_identities[0].predicted_identities, 2u);
  EXPECT_EQ(result.largest_true_identities[1].person_id, "B");
  EXPECT_EQ(result.largest_true_identities[1].predicted_identities, 2u);
  EXPECT_EQ(result.largest_true_identities[2].person_id, "C");
  EXPECT_EQ(result.largest_true_identities[2].predicted_identities, 1u);
}

TEST(EvaluationTest, PerfectPartitionScoresOne) {
  StringMap assignment;
  for (const auto& [record_id, person_id] : ExampleTruth()) {
    assignment[record_id] = "id_" + person_id;
  }
  const EvaluationResult result = EvaluatePartition(ExampleTruth(), assignment);
  EXPECT_EQ(result.pairwise.precision, 1.0);
  EXPECT_EQ(result.pairwise.recall, 1.0);
  EXPECT_EQ(result.pairwise.f1, 1.0);
  EXPECT_EQ(result.bcubed.precision, 1.0);
  EXPECT_EQ(result.bcubed.recall, 1.0);
  EXPECT_EQ(result.bcubed.f1, 1.0);
  EXPECT_EQ(result.predicted_identities, 3u);
}

TEST(EvaluationTest, OneIdentityHasFullRecall) {
  StringMap assignment;
  for (const auto& [record_id, person_id] : ExampleTruth())
    assignment[record_id] = "all";
  const EvaluationResult result = EvaluatePartition(ExampleTruth(), assignment);
  // 4 true pairs among C(6,2) = 15 predicted pairs.
  EXPECT_EQ(result.pairwise.predicted_pairs, 15u);
  EXPECT_NEAR(result.pairwise.precision, 4.0 / 15, kTolerance);
  EXPECT_EQ(result.pairwise.recall, 1.0);
  EXPECT_EQ(result.bcubed.recall, 1.0);
  // B-cubed precision: (3*3 + 2*2 + 1*1) / 6 / 6 = 14/36.
  EXPECT_NEAR(result.bcubed.precision, 14.0 / 36, kTolerance);
  ASSERT_EQ(result.largest_predicted_identities.size(), 1u);
  EXPECT_EQ(result.largest_predicted_identities[0].true_identities, 3u);
  EXPECT_NEAR(result.largest_predicted_identities[0].largest_true_share, 0.5,
              kTolerance);
}

TEST(EvaluationTest, AllSingletonsHavePrecisionOneByConvention) {
  StringMap assignment;
  for (const auto& [record_id, person_id] : ExampleTruth())
    assignment[record_id] = record_id;
  const EvaluationResult result = EvaluatePartition(ExampleTruth(), assignment);
  EXPECT_EQ(result.pairwise.predicted_pairs, 0u);
  EXPECT_EQ(result.pairwise.precision, 1.0);  // 0/0
  EXPECT_EQ(result.pairwise.recall, 0.0);
  EXPECT_EQ(result.pairwise.f1, 0.0);
  EXPECT_EQ(result.bcubed.precision, 1.0);
  // B-cubed recall: (3*(1/3) + 2*(1/2) + 1) / 6 = 1/2.
  EXPECT_NEAR(result.bcubed.recall, 0.5, kTolerance);
  EXPECT_EQ(result.predicted_identities, 6u);
}

TEST(EvaluationTest, NoScoredRecordsScoreOne) {
  const EvaluationResult result =
      EvaluatePartition({{"r1", ""}}, {{"r1", "X"}});
  EXPECT_EQ(result.records_scored, 0u);
  EXPECT_EQ(result.truth_records_unknown, 1u);
  EXPECT_EQ(result.pairwise.f1, 1.0);
  EXPECT_EQ(result.bcubed.f1, 1.0);
  EXPECT_TRUE(result.largest_predicted_identities.empty());
}

TEST(EvaluationTest, UnknownRecordsAreExcluded) {
  StringMap truth = ExampleTruth();
  StringMap assignment = ExampleAssignment();
  // Unknown records placed so that, if scored, they would change every score.
  truth["u1"] = "";
  truth["u2"] = "";
  assignment["u1"] = "X";
  assignment["u2"] = "Z";
  const EvaluationResult result = EvaluatePartition(truth, assignment);
  ExpectExampleScores(result);
  EXPECT_EQ(result.truth_records_unknown, 2u);
  EXPECT_EQ(result.largest_predicted_identities.size(), 2u);  // no Z
}

TEST(EvaluationTest, UnassignedTruthRecordIsASingleton) {
  // r6 (alone in C) gets no identity: moving it from Y to its own singleton.
  StringMap assignment = ExampleAssignment();
  assignment.erase("r6");
  assignment["extra"] = "Y";  // not in the truth: ignored
  const EvaluationResult result = EvaluatePartition(ExampleTruth(), assignment);
  EXPECT_EQ(result.truth_records_unassigned, 1u);
  EXPECT_EQ(result.assignments_without_truth, 1u);
  EXPECT_EQ(result.records_scored, 6u);
  EXPECT_EQ(result.predicted_identities, 3u);  // X, Y, {r6}
  // Y = {r3, r5}: predicted pairs 3 + 1, TP still 1.
  EXPECT_EQ(result.pairwise.predicted_pairs, 4u);
  EXPECT_NEAR(result.pairwise.precision, 1.0 / 4, kTolerance);
  // B-cubed P = (1/6)(4/3 + 1/3 + 1/2 + 1/2 + 1) = 11/18.
  EXPECT_NEAR(result.bcubed.precision, 11.0 / 18, kTolerance);
  EXPECT_NEAR(result.bcubed.recall, 11.0 / 18, kTolerance);
  // The singleton is scored but never listed.
  for (const PredictedIdentitySummary& identity :
       result.largest_predicted_identities) {
    EXPECT_NE(identity.identity_id, "");
  }
  // An empty identity_id means unassigned too.
  assignment["r6"] = "";
  const EvaluationResult with_empty =
      EvaluatePartition(ExampleTruth(), assignment);
  EXPECT_EQ(with_empty.truth_records_unassigned, 1u);
  EXPECT_EQ(with_empty.bcubed.precision, result.bcubed.precision);
}

TEST(EvaluationTest, TopListsKeepTenLargestWithIdTieBreak) {
  StringMap truth;
  StringMap assignment;
  for (int idx = 0; idx < 30; ++idx) {
    // Identities i00..i29 of size 1 + idx % 3; truth persons mirror them.
    for (int member = 0; member <= idx % 3; ++member) {
      const std::string record_id = absl::StrCat("r", idx, "_", member);
      truth[record_id] = absl::StrCat("p", idx < 10 ? "0" : "", idx);
      assignment[record_id] = absl::StrCat("i", idx < 10 ? "0" : "", idx);
    }
  }
  const EvaluationResult result = EvaluatePartition(truth, assignment);
  ASSERT_EQ(result.largest_predicted_identities.size(),
            kEvaluationTopIdentities);
  std::vector<std::string> ids;
  for (const auto& identity : result.largest_predicted_identities) {
    ids.push_back(identity.identity_id);
  }
  // Size 3: idx 2, 5, ..., 29 (10 of them), in id order.
  EXPECT_THAT(ids, ElementsAre("i02", "i05", "i08", "i11", "i14", "i17", "i20",
                               "i23", "i26", "i29"));
  ASSERT_EQ(result.largest_true_identities.size(), kEvaluationTopIdentities);
  EXPECT_EQ(result.largest_true_identities.front().person_id, "p02");
  EXPECT_EQ(result.largest_true_identities.back().person_id, "p29");
}

// Per-record definitions by enumerating pairs, for the cross-check below.
TEST(EvaluationTest, MatchesBruteForcePairEnumeration) {
  std::mt19937 rng(20240607);
  constexpr int kRecords = 300;
  StringMap truth;
  StringMap assignment;
  std::vector<std::string> scored_ids;
  for (int record_idx = 0; record_idx < kRecords; ++record_idx) {
    const std::string record_id = absl::StrCat("r", record_idx);
    const uint32_t person = rng() % 40;
    // Predicted identity is often, not always, derived from the person.
    const uint32_t identity = rng() % 3 == 0 ? rng() % 60 : person % 25;
    truth[record_id] = rng() % 15 == 0 ? "" : absl::StrCat("p", person);
    if (rng() % 12 != 0) assignment[record_id] = absl::StrCat("i", identity);
    if (!truth[record_id].empty()) scored_ids.push_back(record_id);
  }
  // Unassigned records are singletons: give each a unique predicted label.
  auto predicted = [&](const std::string& record_id) {
    auto it = assignment.find(record_id);
    return it == assignment.end() ? "singleton:" + record_id : it->second;
  };
  uint64_t tp = 0, predicted_pairs = 0, true_pairs = 0;
  double bcubed_precision = 0, bcubed_recall = 0;
  for (const std::string& a : scored_ids) {
    int same_predicted = 0, same_truth = 0,
        same_both = 0;  // including a itself
    for (const std::string& b : scored_ids) {
      const bool p = predicted(a) == predicted(b);
      const bool t = truth[a] == truth[b];
      same_predicted += p;
      same_truth += t;
      same_both += p && t;
      if (a < b) {
        predicted_pairs += p;
        true_pairs += t;
        tp += p && t;
      }
    }
    bcubed_precision += static_cast<double>(same_both) / same_predicted;
    bcubed_recall += static_cast<double>(same_both) / same_truth;
  }
  const double n = static_cast<double>(scored_ids.size());

  const EvaluationResult result = EvaluatePartition(truth, assignment);
  EXPECT_EQ(result.records_scored, scored_ids.size());
  EXPECT_GT(result.truth_records_unassigned, 0u);
  EXPECT_GT(result.truth_records_unknown, 0u);
  EXPECT_EQ(result.pairwise.true_positive_pairs, tp);
  EXPECT_EQ(result.pairwise.predicted_pairs, predicted_pairs);
  EXPECT_EQ(result.pairwise.true_pairs, true_pairs);
  EXPECT_NEAR(result.pairwise.precision,
              static_cast<double>(tp) / predicted_pairs, kTolerance);
  EXPECT_NEAR(result.pairwise.recall, static_cast<double>(tp) / true_pairs,
              kTolerance);
  EXPECT_NEAR(result.bcubed.precision, bcubed_precision / n, kTolerance);
  EXPECT_NEAR(result.bcubed.recall, bcubed_recall / n, kTolerance);
}

TEST(EvaluationTest, EvaluateFilesReadsQuotedCsv) {
  // Extra and reordered columns, CRLF, a quoted id with a comma, a quoted
  // field spanning lines, an unknown record, blank lines.
  const std::string truth_path = WriteFile("truth_ok.csv",
                                           "source,person_id,record_id\r\n"
                                           "crm,A,r1\r\n"
                                           "crm,A,r2\r\n"
                                           "\"web\nform\",A,\"r3\"\r\n"
                                           "crm,B,r4\r\n"
                                           "crm,\" B \",r5\r\n"
                                           "\n"
                                           "crm,C,\"r,6\"\r\n"
                                           "crm,,r7\r\n");
  const std::string assignments_path =
      WriteFile("assignments_ok.csv",
                "record_id,identity_id\n"
                "r1,X\nr2,X\nr4,X\nr3,Y\nr5,Y\n\"r,6\",Y\nr7,X\nr99,X\n");
  absl::StatusOr<EvaluationResult> result =
      EvaluateFiles(truth_path, assignments_path);
  ASSERT_TRUE(result.ok()) << result.status();
  ExpectExampleScores(*result);
  EXPECT_EQ(result->truth_records_unknown, 1u);
  EXPECT_EQ(result->assignments_without_truth, 1u);
  EXPECT_EQ(result->truth_records_unassigned, 0u);
}

TEST(EvaluationTest, ShuffledAssignmentsGiveIdenticalJson) {
  const std::string truth_path = WriteFile(
      "truth_shuffle.csv",
      "record_id,person_id\nr1,A\nr2,A\nr3,A\nr4,B\nr5,B\nr6,C\nr7,D\n");
  const std::string forward =
      WriteFile("assign_forward.csv",
                "record_id,identity_id\nr1,X\nr2,X\nr4,X\nr3,Y\nr5,Y\nr6,Y\n");
  const std::string backward =
      WriteFile("assign_backward.csv",
                "record_id,identity_id\nr6,Y\nr5,Y\nr3,Y\nr4,X\nr2,X\nr1,X\n");
  absl::StatusOr<EvaluationResult> a = EvaluateFiles(truth_path, forward);
  absl::StatusOr<EvaluationResult> b = EvaluateFiles(truth_path, backward);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(a->truth_records_unassigned, 1u);  // r7
  EXPECT_EQ(EvaluationToJson(*a), EvaluationToJson(*b));
  EXPECT_EQ(EvaluationToText(*a), EvaluationToText(*b));
}

TEST(EvaluationTest, MissingFileIsNotFound) {
  const std::string truth_path =
      WriteFile("truth_min.csv", "record_id,person_id\nr1,A\n");
  const std::string missing =
      absl::StrCat(::testing::TempDir(), "/evaluation_test_nope.csv");
  absl::StatusOr<EvaluationResult> result = EvaluateFiles(truth_path, missing);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(result.status().message(), HasSubstr(missing));
  EXPECT_THAT(EvaluateFiles(missing, truth_path),
              StatusIs(absl::StatusCode::kNotFound));
}

// Evaluates with one bad file; expects InvalidArgument naming `path:line:`.
void ExpectInvalid(const std::string& truth_content,
                   const std::string& assignments_content, bool bad_is_truth,
                   int line, const std::string& problem) {
  SCOPED_TRACE(problem);
  const std::string truth_path = WriteFile("truth_bad.csv", truth_content);
  const std::string assignments_path =
      WriteFile("assignments_bad.csv", assignments_content);
  absl::StatusOr<EvaluationResult> result =
      EvaluateFiles(truth_path, assignments_path);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument));
  const std::string& bad_path = bad_is_truth ? truth_path : assignments_path;
  EXPECT_THAT(result.status().message(),
              HasSubstr(absl::StrCat(bad_path, ":", line, ": ")));
  EXPECT_THAT(result.status().message(), HasSubstr(problem));
}

constexpr char kGoodTruth[] = "record_id,person_id\nr1,A\nr2,B\n";
constexpr char kGoodAssignments[] = "record_id,identity_id\nr1,X\nr2,X\n";

TEST(EvaluationTest, MissingHeaderColumnIsInvalid) {
  ExpectInvalid("record_id,person\nr1,A\n", kGoodAssignments, true, 1,
                "person_id");
  ExpectInvalid(kGoodTruth, "record,identity_id\nr1,X\n", false, 1,
                "record_id");
  ExpectInvalid("", kGoodAssignments, true, 1, "empty file");
}

TEST(EvaluationTest, DuplicateRecordIdIsInvalid) {
  ExpectInvalid("record_id,person_id\nr1,A\nr2,B\nr1,C\n", kGoodAssignments,
                true, 4, "duplicate record_id \"r1\"");
  ExpectInvalid(kGoodTruth, "record_id,identity_id\nr1,X\nr2,X\nr2,Y\n", false,
                4, "duplicate record_id \"r2\"");
  // Unknown-person truth records are still checked for duplicates.
  ExpectInvalid("record_id,person_id\nr1,\nr1,\n", kGoodAssignments, true, 3,
                "duplicate");
}

TEST(EvaluationTest, WrongColumnCountIsInvalid) {
  ExpectInvalid("record_id,person_id\nr1,A\nr2,B,extra\n", kGoodAssignments,
                true, 3, "expected 2 columns");
  ExpectInvalid(kGoodTruth, "record_id,identity_id\nr1\n", false, 2, "found 1");
}

TEST(EvaluationTest, MalformedQuotingIsInvalid) {
  // The open quote on line 3 swallows the rest of the file.
  ExpectInvalid("record_id,person_id\nr1,A\nr2,\"B\nr3,C\n", kGoodAssignments,
                true, 3, "unterminated");
  ExpectInvalid(kGoodTruth, "record_id,identity_id\nr1,X\nr2,\"X\"Y\n", false,
                3, "after closing quote");
  ExpectInvalid("record_id,person_id\n,A\n", kGoodAssignments, true, 2,
                "empty record_id");
}

TEST(EvaluationTest, JsonHasExpectedKeysInOrder) {
  const EvaluationResult result =
      EvaluatePartition(ExampleTruth(), ExampleAssignment());
  const std::string text = EvaluationToJson(result);
  const nlohmann::ordered_json json = nlohmann::ordered_json::parse(text);
  std::vector<std::string> keys;
  for (const auto& item : json.items()) keys.push_back(item.key());
  EXPECT_THAT(
      keys, ElementsAre("records_scored", "truth_records_unknown",
                        "truth_records_unassigned", "assignments_without_truth",
                        "true_identities", "predicted_identities", "pairwise",
                        "bcubed", "largest_predicted_identities",
                        "largest_true_identities"));
  EXPECT_EQ(json["records_scored"], 6);
  EXPECT_EQ(json["pairwise"]["true_pairs"], 4);
  EXPECT_NEAR(json["bcubed"]["precision"].get<double>(), 4.0 / 9, kTolerance);
  EXPECT_TRUE(json["pairwise"].contains("f1"));
  ASSERT_EQ(json["largest_predicted_identities"].size(), 2u);
  EXPECT_EQ(json["largest_predicted_identities"][0]["identity_id"], "X");
  EXPECT_TRUE(
      json["largest_predicted_identities"][0].contains("largest_true_share"));
  EXPECT_EQ(json["largest_true_identities"][0]["person_id"], "A");
  EXPECT_EQ(json["largest_true_identities"][0]["predicted_identities"], 2);
  EXPECT_EQ(text.back(), '\n');

  const std::string human = EvaluationToText(result);
  EXPECT_THAT(human, HasSubstr("pairwise"));
  EXPECT_THAT(human, HasSubstr("b-cubed"));
  EXPECT_THAT(human, HasSubstr("largest true identities"));
}

}  // namespace
}  // namespace idstitch
