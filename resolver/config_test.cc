#include "resolver/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "resolver/field_mapping.h"
#include "tests/status_matchers.h"

namespace idstitch {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

constexpr std::string_view kSource = "test-config.json";

absl::Status Apply(std::string_view text, ResolverOptions* options) {
  return ApplyConfigText(text, kSource, options);
}

// The status message, for HasSubstr.
std::string Message(const absl::Status& status) { return std::string(status.message()); }

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(ConfigTest, EmptyObjectChangesNothing) {
  ResolverOptions options;
  ASSERT_TRUE(Apply("{}", &options).ok());
  ResolverOptions defaults;
  EXPECT_EQ(options.types.size(), defaults.types.size());
  EXPECT_THAT(options.field_map, IsEmpty());
  EXPECT_EQ(options.normalizer.phone_default_region, "US");
  EXPECT_TRUE(options.normalizer.fold_gmail);
  EXPECT_EQ(options.normalizer.blocked_values, DefaultBlockedValues());
  EXPECT_EQ(options.normalizer.blocked_regexes, DefaultBlockedRegexes());
  EXPECT_EQ(options.max_field_length, defaults.max_field_length);
  EXPECT_EQ(options.max_line_length, defaults.max_line_length);
  EXPECT_EQ(options.max_errors, defaults.max_errors);
  EXPECT_EQ(options.max_threads, defaults.max_threads);
}

TEST(ConfigTest, AppliesEveryKey) {
  ResolverOptions options;
  absl::Status status = Apply(R"({
    // Comments are allowed.
    "fields": {"rec_id": "record_id", "given_name": "first_name", "crm": "crm_id"},
    "identifier_types": {
      "crm_id": {"normalizer": "digits", "priority": 15, "limit": 1, "hub_cap": 5},
      "email": {"limit": 5}
    },
    "phone_default_region": "GB",
    "fold_gmail": false,
    "blocked_values": ["nobody@example.org"],
    "blocked_regexes": ["x+"],
    "use_default_blocklist": true,
    "max_field_length": 2048,
    "max_line_length": 4096,
    "max_errors": 100,
    "threads": 3
  })", &options);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_THAT(options.field_map,
              ElementsAre(Pair("crm", "crm_id"), Pair("given_name", "first_name"),
                          Pair("rec_id", "record_id")));
  std::optional<TypeId> crm = options.types.Find("crm_id");
  ASSERT_TRUE(crm.has_value());
  EXPECT_EQ(options.types.spec(*crm).normalizer, NormalizerKind::kDigits);
  EXPECT_EQ(options.types.spec(*crm).priority, 15);
  EXPECT_EQ(options.types.spec(*crm).max_per_identity, 1);
  EXPECT_EQ(options.types.spec(*crm).hub_cap, 5);
  EXPECT_EQ(options.types.spec(*options.types.Find("email")).max_per_identity, 5);
  EXPECT_EQ(options.normalizer.phone_default_region, "GB");
  EXPECT_FALSE(options.normalizer.fold_gmail);
  EXPECT_EQ(options.normalizer.blocked_values,
            Concat(DefaultBlockedValues(), {"nobody@example.org"}));
  EXPECT_EQ(options.normalizer.blocked_regexes, Concat(DefaultBlockedRegexes(), {"x+"}));
  EXPECT_EQ(options.max_field_length, 2048u);
  EXPECT_EQ(options.max_line_length, 4096u);
  EXPECT_EQ(options.max_errors, 100);
  EXPECT_EQ(options.max_threads, 3);

  // The mapping resolves against the new type.
  absl::StatusOr<FieldMapping> mapping = FieldMapping::Create(options.types, options.field_map);
  ASSERT_TRUE(mapping.ok()) << mapping.status();
  EXPECT_EQ(mapping->Lookup("crm").field, StandardField::kIdentifier);
  EXPECT_EQ(mapping->Lookup("crm").type, *crm);
  EXPECT_EQ(mapping->Lookup("given_name").field, StandardField::kFirstName);
  EXPECT_EQ(mapping->Lookup("rec_id").field, StandardField::kRecordId);
}

TEST(ConfigTest, AddsUserDefinedTypeWithDefaultsForOmittedFields) {
  ResolverOptions options;
  size_t builtins = options.types.size();
  ASSERT_TRUE(Apply(R"({"identifier_types": {"vin": {"normalizer": "lowercase"}}})", &options)
                  .ok());
  ASSERT_EQ(options.types.size(), builtins + 1);
  std::optional<TypeId> vin = options.types.Find("vin");
  ASSERT_TRUE(vin.has_value());
  const IdentifierTypeSpec& spec = options.types.spec(*vin);
  EXPECT_EQ(spec.name, "vin");
  EXPECT_EQ(spec.normalizer, NormalizerKind::kLowercase);
  IdentifierTypeSpec defaults;
  EXPECT_EQ(spec.priority, defaults.priority);
  EXPECT_EQ(spec.max_per_identity, defaults.max_per_identity);
  EXPECT_EQ(spec.hub_cap, defaults.hub_cap);
}

TEST(ConfigTest, AcceptsEveryNormalizerName) {
  const std::pair<std::string, NormalizerKind> kinds[] = {
      {"exact", NormalizerKind::kExact},   {"lowercase", NormalizerKind::kLowercase},
      {"digits", NormalizerKind::kDigits}, {"email", NormalizerKind::kEmail},
      {"phone", NormalizerKind::kPhone},   {"device", NormalizerKind::kDevice},
      {"social", NormalizerKind::kSocial},
  };
  for (const auto& [name, kind] : kinds) {
    ResolverOptions options;
    std::string type = "t_" + name;
    absl::Status status = Apply(
        R"({"identifier_types": {")" + type + R"(": {"normalizer": ")" + name + R"("}}})",
        &options);
    ASSERT_TRUE(status.ok()) << status;
    EXPECT_EQ(options.types.spec(*options.types.Find(type)).normalizer, kind) << name;
  }
}

TEST(ConfigTest, OverridesBuiltinTypeKeepingTheRest) {
  ResolverOptions options;
  const IdentifierTypeSpec before = options.types.spec(*options.types.Find("email"));
  size_t size = options.types.size();
  ASSERT_TRUE(Apply(R"({"identifier_types": {"email": {"limit": 5}}})", &options).ok());
  const IdentifierTypeSpec& after = options.types.spec(*options.types.Find("email"));
  EXPECT_EQ(options.types.size(), size);
  EXPECT_EQ(after.max_per_identity, 5);
  EXPECT_EQ(after.normalizer, before.normalizer);
  EXPECT_EQ(after.priority, before.priority);
  EXPECT_EQ(after.hub_cap, before.hub_cap);

  ASSERT_TRUE(Apply(R"({"identifier_types": {"phone": {"normalizer": "digits",
      "priority": 1, "hub_cap": 0}}})", &options).ok());
  const IdentifierTypeSpec& phone = options.types.spec(*options.types.Find("phone"));
  EXPECT_EQ(phone.normalizer, NormalizerKind::kDigits);
  EXPECT_EQ(phone.priority, 1);
  EXPECT_EQ(phone.hub_cap, 0);
}

TEST(ConfigTest, AcceptsBoundaryValues) {
  ResolverOptions options;
  absl::Status status = Apply(R"({"max_field_length": 65535, "max_line_length": 16,
      "max_errors": 0, "threads": 1024,
      "identifier_types": {"t": {"normalizer": "exact", "priority": 0, "limit": 0,
                                 "hub_cap": 100000000}}})", &options);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(options.max_field_length, 65535u);
  EXPECT_EQ(options.max_line_length, 16u);
  EXPECT_EQ(options.max_threads, 1024);
  ASSERT_TRUE(Apply(R"({"max_field_length": 1, "max_line_length": 1073741824,
      "max_errors": 9223372036854775807, "threads": 0})", &options).ok());
  EXPECT_EQ(options.max_field_length, 1u);
  EXPECT_EQ(options.max_line_length, size_t{1} << 30);
  EXPECT_EQ(options.max_errors, INT64_MAX);
  EXPECT_EQ(options.max_threads, 0);
}

TEST(ConfigTest, UnknownKeyIsInvalidArgument) {
  ResolverOptions options;
  absl::Status status = Apply(R"({"thread": 4})", &options);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Message(status), HasSubstr(std::string(kSource)));
  EXPECT_THAT(Message(status), HasSubstr("\"thread\""));

  status = Apply(R"({"identifier_types": {"crm_id": {"normalizer": "exact", "colour": 1}}})",
                 &options);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Message(status), HasSubstr("identifier_types.crm_id.colour"));
}

TEST(ConfigTest, WrongTypesAreInvalidArgument) {
  for (const char* text : {
           R"({"fields": ["a"]})",
           R"({"fields": {"a": 1}})",
           R"({"identifier_types": []})",
           R"({"identifier_types": {"email": 5}})",
           R"({"identifier_types": {"crm": {"normalizer": 1}}})",
           R"({"identifier_types": {"email": {"limit": "5"}}})",
           R"({"identifier_types": {"email": {"priority": 1.5}}})",
           R"({"identifier_types": {"email": {"hub_cap": true}}})",
           R"({"phone_default_region": 44})",
           R"({"fold_gmail": "yes"})",
           R"({"fold_gmail": 1})",
           R"({"use_default_blocklist": "false"})",
           R"({"blocked_values": "null"})",
           R"({"blocked_values": ["ok", 1]})",
           R"({"blocked_regexes": {"a": "b"}})",
           R"({"max_field_length": "1024"})",
           R"({"max_line_length": 1e6})",
           R"({"max_errors": null})",
           R"({"threads": 2.0})",
           R"({"threads": [4]})",
       }) {
    ResolverOptions options;
    absl::Status status = Apply(text, &options);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument)) << text;
    EXPECT_THAT(Message(status), HasSubstr(std::string(kSource))) << text;
  }
}

TEST(ConfigTest, OutOfRangeValuesAreInvalidArgument) {
  for (const char* text : {
           R"({"max_field_length": 0})",
           R"({"max_field_length": 65536})",
           R"({"max_line_length": 15})",
           R"({"max_line_length": 1073741825})",
           R"({"max_errors": -1})",
           R"({"max_errors": 18446744073709551615})",
           R"({"threads": -1})",
           R"({"threads": 1025})",
           R"({"identifier_types": {"email": {"priority": -1}}})",
           R"({"identifier_types": {"email": {"priority": 1000001}}})",
           R"({"identifier_types": {"email": {"limit": -1}}})",
           R"({"identifier_types": {"email": {"limit": 1000001}}})",
           R"({"identifier_types": {"email": {"hub_cap": -1}}})",
           R"({"identifier_types": {"email": {"hub_cap": 100000001}}})",
       }) {
    ResolverOptions options;
    absl::Status status = Apply(text, &options);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument)) << text;
    EXPECT_THAT(Message(status), HasSubstr("must be in")) << text;
  }
}

TEST(ConfigTest, NewTypeWithoutNormalizerIsInvalidArgument) {
  ResolverOptions options;
  size_t size = options.types.size();
  absl::Status status = Apply(R"({"identifier_types": {"crm_id": {"priority": 15}}})", &options);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Message(status), HasSubstr("normalizer"));
  EXPECT_THAT(Message(status), HasSubstr("crm_id"));
  EXPECT_EQ(options.types.size(), size);
  EXPECT_FALSE(options.types.Find("crm_id").has_value());
}

TEST(ConfigTest, BadNormalizerNameIsInvalidArgument) {
  ResolverOptions options;
  absl::Status status =
      Apply(R"({"identifier_types": {"crm_id": {"normalizer": "uppercase"}}})", &options);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Message(status), HasSubstr("uppercase"));
  EXPECT_THAT(Message(status), HasSubstr("identifier_types.crm_id.normalizer"));
}

TEST(ConfigTest, BadTypeNameIsInvalidArgument) {
  for (const char* text : {R"({"identifier_types": {"CRM-ID": {"normalizer": "exact"}}})",
                           R"({"identifier_types": {"": {"normalizer": "exact"}}})",
                           R"({"identifier_types": {"crm id": {"normalizer": "exact"}}})"}) {
    ResolverOptions options;
    EXPECT_THAT(Apply(text, &options), StatusIs(absl::StatusCode::kInvalidArgument)) << text;
  }
}

TEST(ConfigTest, MalformedJsonNamesSourceAndLine) {
  ResolverOptions options;
  absl::Status status = Apply("{\n  \"threads\": 4,\n  \"max_errors\": \n}\n", &options);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Message(status), HasSubstr(std::string(kSource)));
  EXPECT_THAT(Message(status), HasSubstr("line 4"));

  for (const char* text : {"", "{", "{\"threads\": 4,}", "not json", "{\"a\" 1}"}) {
    absl::Status bad = Apply(text, &options);
    EXPECT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument)) << text;
    EXPECT_THAT(Message(bad), HasSubstr(std::string(kSource))) << text;
  }
}

TEST(ConfigTest, RootMustBeAnObject) {
  for (const char* text : {"[]", "[{\"threads\": 4}]", "4", "\"x\"", "null"}) {
    ResolverOptions options;
    absl::Status status = Apply(text, &options);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument)) << text;
    EXPECT_THAT(Message(status), HasSubstr(std::string(kSource))) << text;
  }
}

TEST(ConfigTest, MappingToUnknownTargetIsInvalidArgument) {
  ResolverOptions options;
  absl::Status status = Apply(R"({"fields": {"mail": "e_mail"}})", &options);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Message(status), HasSubstr("e_mail"));
}

TEST(ConfigTest, MappingToBuiltinTypeAndStandardFieldIsAccepted) {
  ResolverOptions options;
  absl::Status status =
      Apply(R"({"fields": {"mail": "email", "when": "ts", "town": "city"}})", &options);
  ASSERT_TRUE(status.ok()) << status;
  absl::StatusOr<FieldMapping> mapping = FieldMapping::Create(options.types, options.field_map);
  ASSERT_TRUE(mapping.ok());
  EXPECT_EQ(mapping->Lookup("mail").type, *options.types.Find("email"));
  EXPECT_EQ(mapping->Lookup("when").field, StandardField::kTimestamp);
  EXPECT_EQ(mapping->Lookup("town").field, StandardField::kCity);
}

TEST(ConfigTest, BlockedValuesAreAppendedToDefaults) {
  ResolverOptions options;
  ASSERT_TRUE(Apply(R"({"blocked_values": ["n/k", "nobody"], "blocked_regexes": ["9+"]})",
                    &options).ok());
  EXPECT_EQ(options.normalizer.blocked_values,
            Concat(DefaultBlockedValues(), {"n/k", "nobody"}));
  EXPECT_EQ(options.normalizer.blocked_regexes, Concat(DefaultBlockedRegexes(), {"9+"}));
}

TEST(ConfigTest, DisablingDefaultBlocklistKeepsOnlyConfiguredValues) {
  ResolverOptions options;
  // Key order in the file does not matter.
  ASSERT_TRUE(Apply(R"({"blocked_values": ["n/k"], "use_default_blocklist": false})", &options)
                  .ok());
  EXPECT_THAT(options.normalizer.blocked_values, ElementsAre("n/k"));
  EXPECT_THAT(options.normalizer.blocked_regexes, IsEmpty());

  ResolverOptions none;
  ASSERT_TRUE(Apply(R"({"use_default_blocklist": false})", &none).ok());
  EXPECT_THAT(none.normalizer.blocked_values, IsEmpty());
  EXPECT_THAT(none.normalizer.blocked_regexes, IsEmpty());
}

TEST(ConfigTest, AddFieldMapping) {
  ResolverOptions options;
  ASSERT_TRUE(AddFieldMapping("mail=email", &options).ok());
  ASSERT_TRUE(AddFieldMapping("given name=first_name", &options).ok());
  ASSERT_TRUE(AddFieldMapping("a=b=c", &options).ok());  // the first '=' splits
  EXPECT_THAT(options.field_map, ElementsAre(Pair("mail", "email"),
                                             Pair("given name", "first_name"),
                                             Pair("a", "b=c")));
}

TEST(ConfigTest, AddFieldMappingRejectsMalformedMappings) {
  for (const char* mapping : {"x", "=y", "x=", "=", ""}) {
    ResolverOptions options;
    absl::Status status = AddFieldMapping(mapping, &options);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument)) << mapping;
    EXPECT_THAT(Message(status), HasSubstr("SOURCE=TARGET")) << mapping;
    EXPECT_THAT(options.field_map, IsEmpty()) << mapping;
  }
}

TEST(ConfigTest, AddFieldMappingToUnknownTargetFailsValidation) {
  ResolverOptions options;
  ASSERT_TRUE(AddFieldMapping("mail=e_mail", &options).ok());
  EXPECT_THAT(ValidateOptions(options), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ConfigTest, LoadConfigFileMissingIsNotFound) {
  ResolverOptions options;
  std::string path = ::testing::TempDir() + "/config_test_no_such_config.json";
  std::filesystem::remove(path);
  absl::Status status = LoadConfigFile(path, &options);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Message(status), HasSubstr(path));
}

TEST(ConfigTest, LoadConfigFileAppliesTheFile) {
  std::string path = ::testing::TempDir() + "/config_test_good.json";
  {
    std::ofstream out(path);
    out << R"({"threads": 2, "fields": {"mail": "email"}})";
  }
  ResolverOptions options;
  absl::Status status = LoadConfigFile(path, &options);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(options.max_threads, 2);
  EXPECT_THAT(options.field_map, ElementsAre(Pair("mail", "email")));
}

TEST(ConfigTest, LoadConfigFileErrorsNameThePath) {
  std::string path = ::testing::TempDir() + "/config_test_bad.json";
  {
    std::ofstream out(path);
    out << "{\n\"threads\": x\n}";
  }
  ResolverOptions options;
  absl::Status status = LoadConfigFile(path, &options);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Message(status), HasSubstr(path));
  EXPECT_THAT(Message(status), HasSubstr("line 2"));
}

TEST(ConfigTest, ValidateOptionsChecksLimits) {
  ResolverOptions options;
  EXPECT_TRUE(ValidateOptions(options).ok());
  options.max_field_length = 0;
  EXPECT_THAT(ValidateOptions(options), StatusIs(absl::StatusCode::kInvalidArgument));
  options = ResolverOptions();
  options.max_errors = -1;
  EXPECT_THAT(ValidateOptions(options), StatusIs(absl::StatusCode::kInvalidArgument));
  options = ResolverOptions();
  options.max_threads = -1;
  EXPECT_THAT(ValidateOptions(options), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace idstitch
