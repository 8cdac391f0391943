// Every bad-input path of `idstitch resolve`, through the real binary: the
// exit code, the message (file, line, field), the report's counters, and that
// nothing is silently dropped or half-written.
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/test_support.h"

namespace idstitch {
namespace {

using ::testing::HasSubstr;
using testing::FileExists;
using testing::MakeTempDir;
using testing::ReadFile;
using testing::RunIdstitch;
using testing::WriteFile;

constexpr char kGoodLine[] =
    R"({"record_id":"ok1","event":"sign_in","device_id":"dev-1","email":"a@example.com"})";

nlohmann::json Report(const std::string& out) {
  return nlohmann::json::parse(ReadFile(out + "/report.json"));
}

TEST(BadInputTest, MalformedLinesAreRejectedCountedAndLocated) {
  std::string dir = MakeTempDir("bad-lines");
  std::string input = dir + "/events.jsonl";
  WriteFile(input, std::string(kGoodLine) + "\n" +
                       "{\"record_id\":\"x\", broken\n" +      // line 2
                       "[1,2,3]\n" +                          // line 3
                       "{\"email\":\"b@example.com\",\"device_id\":\"\xff\xfe\"}\n" +  // line 4
                       "{\"email\":{\"nested\":1},\"device_id\":\"dev-5\"}\n" +   // line 5
                       "{\"email\":\"not-an-email\",\"device_id\":\"dev-6\"}\n" +  // line 6
                       "{\"ts\":\"yesterday\",\"device_id\":\"dev-7\"}\n");        // line 7
  std::string err;
  ASSERT_EQ(RunIdstitch({"resolve", input, "--out", dir + "/out", "--quiet"}, &err), 0) << err;
  EXPECT_THAT(err, HasSubstr("events.jsonl:2: malformed_json"));
  EXPECT_THAT(err, HasSubstr("events.jsonl:3: not_an_object"));
  EXPECT_THAT(err, HasSubstr("events.jsonl:4: invalid_utf8"));
  EXPECT_THAT(err, HasSubstr("events.jsonl:5: field email: wrong_type"));
  EXPECT_THAT(err, HasSubstr("events.jsonl:6: field email: invalid_email"));
  EXPECT_THAT(err, HasSubstr("events.jsonl:7: field ts: bad_timestamp"));

  nlohmann::json report = Report(dir + "/out");
  EXPECT_EQ(report["records"]["read"], 7);
  EXPECT_EQ(report["records"]["rejected"], 3);
  EXPECT_EQ(report["records"]["rejected_by_reason"]["malformed_json"], 1);
  EXPECT_EQ(report["records"]["rejected_by_reason"]["not_an_object"], 1);
  EXPECT_EQ(report["records"]["rejected_by_reason"]["invalid_utf8"], 1);
  EXPECT_EQ(report["field_errors_by_reason"]["wrong_type"], 1);
  EXPECT_EQ(report["field_errors_by_reason"]["invalid_email"], 1);
  EXPECT_EQ(report["field_errors_by_reason"]["bad_timestamp"], 1);
  // Field errors drop the field, not the record: dev-5, dev-6, dev-7 are assigned.
  EXPECT_EQ(report["records"]["assigned"], 4);
  std::string rejects = ReadFile(dir + "/out/rejects.jsonl");
  EXPECT_THAT(rejects, HasSubstr("\"line\":5,\"field\":\"email\",\"reason\":\"wrong_type\""));
}

TEST(BadInputTest, MaxErrorsFailsAndWritesNothing) {
  std::string dir = MakeTempDir("max-errors");
  std::string input = dir + "/events.jsonl";
  WriteFile(input, std::string(kGoodLine) + "\nnot json\nnot json either\n{\n");
  std::string err;
  EXPECT_EQ(RunIdstitch({"resolve", input, "--out", dir + "/out", "--max-errors", "2", "--quiet"},
                        &err),
            4);
  EXPECT_THAT(err, HasSubstr("--max-errors 2"));
  EXPECT_FALSE(FileExists(dir + "/out/identity_map.csv"));
  EXPECT_FALSE(FileExists(dir + "/out/report.json"));
  EXPECT_FALSE(FileExists(dir + "/out/rejects.jsonl"));
}

TEST(BadInputTest, MissingFileFailsNamingIt) {
  std::string dir = MakeTempDir("missing");
  std::string err;
  EXPECT_EQ(RunIdstitch({"resolve", dir + "/nope.jsonl", "--out", dir + "/out"}, &err), 3);
  EXPECT_THAT(err, HasSubstr("nope.jsonl: no such file"));
  EXPECT_FALSE(FileExists(dir + "/out/identity_map.csv"));
}

TEST(BadInputTest, UnreadableFileFailsNamingIt) {
  if (getuid() == 0) GTEST_SKIP() << "root can read any file";
  std::string dir = MakeTempDir("unreadable");
  WriteFile(dir + "/secret.jsonl", std::string(kGoodLine) + "\n");
  chmod((dir + "/secret.jsonl").c_str(), 0);
  std::string err;
  EXPECT_EQ(RunIdstitch({"resolve", dir + "/secret.jsonl", "--out", dir + "/out"}, &err), 3);
  EXPECT_THAT(err, HasSubstr("secret.jsonl: cannot read"));
}

TEST(BadInputTest, DirectoryAsInputIsAUsageError) {
  std::string dir = MakeTempDir("dir-input");
  std::string err;
  EXPECT_EQ(RunIdstitch({"resolve", dir, "--out", dir + "/out", "--format", "jsonl"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("is a directory"));
}

TEST(BadInputTest, UnknownExtensionAsksForFormat) {
  std::string dir = MakeTempDir("extension");
  WriteFile(dir + "/events.txt", std::string(kGoodLine) + "\n");
  std::string err;
  EXPECT_EQ(RunIdstitch({"resolve", dir + "/events.txt", "--out", dir + "/out"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("--format"));
  EXPECT_EQ(RunIdstitch({"resolve", dir + "/events.txt", "--out", dir + "/out", "--format",
                         "jsonl", "--quiet"}),
            0);
}

TEST(BadInputTest, EmptyFileIsReportedNotFatal) {
  std::string dir = MakeTempDir("empty");
  WriteFile(dir + "/empty.jsonl", "");
  WriteFile(dir + "/good.jsonl", std::string(kGoodLine) + "\n");
  std::string err;
  ASSERT_EQ(RunIdstitch({"resolve", dir + "/empty.jsonl", dir + "/good.jsonl", "--out",
                         dir + "/out", "--quiet"},
                        &err),
            0)
      << err;
  nlohmann::json report = Report(dir + "/out");
  ASSERT_EQ(report["file_issues"].size(), 1u);
  EXPECT_EQ(report["file_issues"][0]["reason"], "empty_file");
  EXPECT_EQ(report["records"]["assigned"], 1);
}

TEST(BadInputTest, BadConfigIsAUsageErrorNamingTheFile) {
  std::string dir = MakeTempDir("bad-config");
  WriteFile(dir + "/events.jsonl", std::string(kGoodLine) + "\n");
  WriteFile(dir + "/config.json", "{\"fields\": {\"a\": \"no_such_field\"}}");
  std::string err;
  EXPECT_EQ(RunIdstitch({"resolve", dir + "/events.jsonl", "--out", dir + "/out", "--config",
                         dir + "/config.json"},
                        &err),
            2);
  EXPECT_THAT(err, HasSubstr("no_such_field"));
  WriteFile(dir + "/config.json", "{\"limits\": 3,");
  EXPECT_EQ(RunIdstitch({"resolve", dir + "/events.jsonl", "--out", dir + "/out", "--config",
                         dir + "/config.json"},
                        &err),
            2);
  EXPECT_THAT(err, HasSubstr("config.json: malformed JSON"));
  EXPECT_EQ(RunIdstitch({"resolve", dir + "/events.jsonl", "--out", dir + "/out", "--config",
                         dir + "/missing.json"},
                        &err),
            2);
  EXPECT_THAT(err, HasSubstr("missing.json"));
}

TEST(BadInputTest, BadFlagsAreUsageErrors) {
  EXPECT_EQ(RunIdstitch({"resolve"}), 2);
  EXPECT_EQ(RunIdstitch({"resolve", "x.jsonl", "--out", "o", "--threads", "-3"}), 2);
  EXPECT_EQ(RunIdstitch({"resolve", "x.jsonl", "--out", "o", "--field", "novalue"}), 2);
  EXPECT_EQ(RunIdstitch({"frobnicate"}), 2);
  // Probabilistic options are checked before any input is read.
  std::string err;
  EXPECT_EQ(RunIdstitch({"resolve", "missing.jsonl", "--out", "o", "--attribute-matcher",
                         "--attribute-threshold", "1"},
                        &err),
            2);
  EXPECT_THAT(err, HasSubstr("--attribute-threshold"));
}

TEST(BadInputTest, OverlongFieldAndLineAreRejected) {
  std::string dir = MakeTempDir("overlong");
  std::string long_email(2000, 'a');
  long_email += "@example.com";
  std::string long_line = "{\"device_id\":\"" + std::string(2 << 20, 'x') + "\"}";
  WriteFile(dir + "/events.jsonl", "{\"email\":\"" + long_email + "\",\"device_id\":\"d1\"}\n" +
                                       long_line + "\n" + kGoodLine + "\n");
  std::string err;
  ASSERT_EQ(RunIdstitch({"resolve", dir + "/events.jsonl", "--out", dir + "/out", "--quiet"}, &err),
            0)
      << err;
  EXPECT_THAT(err, HasSubstr("events.jsonl:1: field email: field_too_long"));
  EXPECT_THAT(err, HasSubstr("events.jsonl:2: line_too_long"));
  nlohmann::json report = Report(dir + "/out");
  EXPECT_EQ(report["records"]["read"], 3);
  EXPECT_EQ(report["records"]["rejected_by_reason"]["line_too_long"], 1);
  EXPECT_EQ(report["field_errors_by_reason"]["field_too_long"], 1);
}

TEST(BadInputTest, CsvWrongColumnCountAndBadQuoting) {
  std::string dir = MakeTempDir("bad-csv");
  WriteFile(dir + "/events.csv",
            "record_id,email,device_id\n"
            "c1,a@example.com,d1\n"
            "c2,b@example.com\n"            // line 3: too few columns
            "c3,\"c@example.com\"x,d3\n");  // line 4: text after closing quote
  std::string err;
  ASSERT_EQ(RunIdstitch({"resolve", dir + "/events.csv", "--out", dir + "/out", "--quiet"}, &err),
            0)
      << err;
  EXPECT_THAT(err, HasSubstr("events.csv:3: wrong_column_count"));
  EXPECT_THAT(err, HasSubstr("events.csv:4: malformed_csv"));
  EXPECT_EQ(Report(dir + "/out")["records"]["rejected"], 2);
}

TEST(BadInputTest, CsvStrayQuoteRejectsOnlyItsRow) {
  std::string dir = MakeTempDir("stray-quote");
  WriteFile(dir + "/events.csv",
            "record_id,email,device_id\n"
            "s1,a\"b@example.com,d1\n"  // line 2: stray quote inside a field
            "s2,c@example.com,d2\n"
            "s3,e@example.com,d3\n");
  std::string err;
  ASSERT_EQ(RunIdstitch({"resolve", dir + "/events.csv", "--out", dir + "/out", "--quiet"}, &err),
            0)
      << err;
  EXPECT_THAT(err, HasSubstr("events.csv:2: malformed_csv"));
  nlohmann::json report = Report(dir + "/out");
  EXPECT_EQ(report["records"]["read"], 3);
  EXPECT_EQ(report["records"]["rejected"], 1);
  EXPECT_EQ(report["records"]["assigned"], 2);
}

TEST(BadInputTest, NonUtf8HeaderNameDoesNotCrash) {
  std::string dir = MakeTempDir("latin1-header");
  WriteFile(dir + "/events.csv", "email,pr\xe9nom\na@example.com,Ren\xe9\nb@example.com,x\n");
  std::string err;
  EXPECT_EQ(RunIdstitch({"resolve", dir + "/events.csv", "--out", dir + "/out", "--quiet"}, &err),
            0)
      << err;
  EXPECT_THAT(err, HasSubstr("events.csv:2: invalid_utf8"));
  EXPECT_TRUE(FileExists(dir + "/out/report.json"));
}

TEST(BadInputTest, CorruptGzipIsAnInputError) {
  std::string dir = MakeTempDir("corrupt-gz");
  std::string path = dir + "/events.jsonl.gz";
  gzFile gz = gzopen(path.c_str(), "wb");
  std::string content;
  for (int i = 0; i < 2000; ++i) content += std::string(kGoodLine) + "\n";
  gzwrite(gz, content.data(), content.size());
  gzclose(gz);
  std::string bytes = ReadFile(path);
  WriteFile(path, bytes.substr(0, bytes.size() / 2) + std::string(64, '\x55'));
  std::string err;
  EXPECT_EQ(RunIdstitch({"resolve", path, "--out", dir + "/out", "--quiet"}, &err), 3);
  EXPECT_THAT(err, HasSubstr("events.jsonl.gz"));
  EXPECT_FALSE(FileExists(dir + "/out/identity_map.csv"));
}

TEST(BadInputTest, UnknownFieldsAreCounted) {
  std::string dir = MakeTempDir("unknown-fields");
  WriteFile(dir + "/events.jsonl",
            "{\"email\":\"a@example.com\",\"favourite_colour\":\"blue\",\"tags\":[1]}\n");
  ASSERT_EQ(RunIdstitch({"resolve", dir + "/events.jsonl", "--out", dir + "/out", "--quiet"}), 0);
  nlohmann::json report = Report(dir + "/out");
  EXPECT_EQ(report["ignored_fields"]["favourite_colour"], 1);
  EXPECT_EQ(report["ignored_fields"]["tags"], 1);
}

TEST(BadInputTest, ByteOrderMarkIsIgnored) {
  std::string dir = MakeTempDir("bom");
  WriteFile(dir + "/a.csv", "\xEF\xBB\xBFrecord_id,email\nr1,a@example.com\n");
  WriteFile(dir + "/b.jsonl", "\xEF\xBB\xBF{\"record_id\":\"j1\",\"email\":\"a@example.com\"}\n");
  std::string err;
  ASSERT_EQ(RunIdstitch({"resolve", dir + "/a.csv", dir + "/b.jsonl", "--out", dir + "/out",
                         "--quiet"},
                        &err),
            0)
      << err;
  std::string assignments = ReadFile(dir + "/out/assignments.csv");
  EXPECT_THAT(assignments, HasSubstr("\nr1,"));
  EXPECT_THAT(assignments, HasSubstr("\nj1,"));
  EXPECT_EQ(Report(dir + "/out")["records"]["rejected"], 0);
}

}  // namespace
}  // namespace idstitch
