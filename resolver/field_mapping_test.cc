#include "resolver/field_mapping.h"

#include <map>
#include <random>
#include <string>

#include <gtest/gtest.h>

namespace idstitch {
namespace {

TEST(FieldMappingTest, ShortLongAndUnknownNamesResolve) {
  IdentifierTypeRegistry types = IdentifierTypeRegistry::WithBuiltins();
  const std::string long_name(40, 'q');              // past the by-length index
  const std::string long_unknown(40, 'r');
  absl::StatusOr<FieldMapping> mapping =
      FieldMapping::Create(types, {{"mail", "email"}, {long_name, "ts"}, {"e", "event"}});
  ASSERT_TRUE(mapping.ok()) << mapping.status();
  const TypeId email = *types.Find("email");
  const TypeId device = *types.Find("device_id");
  EXPECT_EQ(mapping->Lookup("email").field, StandardField::kIdentifier);
  EXPECT_EQ(mapping->Lookup("email").type, email);
  EXPECT_EQ(mapping->Lookup("mail").type, email);
  EXPECT_EQ(mapping->Lookup("e").field, StandardField::kEvent);
  EXPECT_EQ(mapping->Lookup(long_name).field, StandardField::kTimestamp);
  // Same lengths as known names, different bytes: record_id / device_id,
  // event / email, ts / ip share a length.
  EXPECT_EQ(mapping->Lookup("record_id").field, StandardField::kRecordId);
  EXPECT_EQ(mapping->Lookup("device_id").type, device);
  EXPECT_EQ(mapping->Lookup("event").field, StandardField::kEvent);
  EXPECT_EQ(mapping->Lookup("ts").field, StandardField::kTimestamp);
  EXPECT_EQ(mapping->Lookup("ip").field, StandardField::kIp);
  for (const std::string& unknown : {std::string("ix"), std::string("emaik"), std::string(""),
                                     std::string("device_iD"), long_unknown}) {
    EXPECT_EQ(mapping->Lookup(unknown).field, StandardField::kIgnored) << unknown;
  }
}

// Many mapped names of every length up to 31 over a two-letter alphabet (so
// that names of one length differ in a byte or two, anywhere), looked up
// alongside unmapped ones of the same shapes: Lookup agrees with a plain map.
TEST(FieldMappingTest, LookupAgreesWithAMapForNamesThatDifferInOneByte) {
  IdentifierTypeRegistry types = IdentifierTypeRegistry::WithBuiltins();
  std::mt19937 rng(5);
  auto random_name = [&](size_t length) {
    std::string name(length, 'a');
    for (char& c : name) c = rng() % 2 ? 'a' : 'b';
    return name;
  };
  std::vector<std::pair<std::string, std::string>> renames;
  std::map<std::string, std::string> reference;
  for (size_t length = 1; length <= 31; ++length) {
    for (int i = 0; i < 6; ++i) {
      std::string name = random_name(length);
      const char* target = i % 2 ? "email" : "ts";
      if (reference.emplace(name, target).second) renames.emplace_back(name, target);
    }
  }
  absl::StatusOr<FieldMapping> mapping = FieldMapping::Create(types, renames);
  ASSERT_TRUE(mapping.ok()) << mapping.status();
  int disagreements = 0;
  for (size_t length = 1; length <= 31; ++length) {
    for (int i = 0; i < 200; ++i) {
      const std::string name = random_name(length);
      const FieldTarget got = mapping->Lookup(name);
      auto it = reference.find(name);
      if (it == reference.end()) {
        disagreements += got.field != StandardField::kIgnored;
      } else if (it->second == "email") {
        disagreements += got.field != StandardField::kIdentifier || got.type != *types.Find("email");
      } else {
        disagreements += got.field != StandardField::kTimestamp;
      }
    }
  }
  EXPECT_EQ(disagreements, 0);
}

}  // namespace
}  // namespace idstitch
