// The idstitch executable starts jemalloc with transparent huge pages on
// (resolver/allocator_settings.cc): the speed figures in the README depend on
// it, and a link-order or build change could silently drop the setting.
#include <cstdlib>

#include <gtest/gtest.h>

#include "tests/test_support.h"

namespace idstitch {
namespace {

using testing::MakeTempDir;
using testing::RunIdstitch;

TEST(AllocatorSettingsTest, ExecutableRunsJemallocWithHugePages) {
  // stats_print makes jemalloc print its options at exit; MALLOC_CONF adds to
  // the built-in settings without replacing the ones it does not name.
  ASSERT_EQ(setenv("MALLOC_CONF", "stats_print:true", 1), 0);
  std::string err;
  const int code = RunIdstitch(
      {"gen", "--people", "5", "--seed", "1", "--out", MakeTempDir("alloc") + "/data", "--quiet"},
      &err);
  unsetenv("MALLOC_CONF");
  ASSERT_EQ(code, 0) << err;
  EXPECT_NE(err.find("opt.thp: \"always\""), std::string::npos) << err.substr(0, 2000);
  EXPECT_NE(err.find("opt.metadata_thp: \"always\""), std::string::npos);
}

}  // namespace
}  // namespace idstitch
