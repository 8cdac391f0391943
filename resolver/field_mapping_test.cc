#include "resolver/field_mapping.h"

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

}  // namespace
}  // namespace idstitch
