// File: tests/test_support.h
// Helpers shared by the cross-module tests: paths of the source tree, temp
// directories, reading files, running the idstitch binary, and rendering an
// identity_map.csv as a canonical partition string.
#ifndef IDSTITCH_TESTS_TEST_SUPPORT_H_
#define IDSTITCH_TESTS_TEST_SUPPORT_H_

#include <string>
#include <utility>
#include <vector>

namespace idstitch::testing {

// The repository root (compiled in by CMake).
std::string SourceDir();
// A fresh empty directory under the test temp dir.
std::string MakeTempDir(const std::string& name);
// A fresh empty directory named after the running test.
std::string CurrentTestDir();
// File names in `dir`, sorted.
std::vector<std::string> DirectoryEntries(const std::string& dir);
std::string ReadFile(const std::string& path);
// The non-empty lines of a file.
std::vector<std::string> ReadLines(const std::string& path);
void WriteFile(const std::string& path, const std::string& content);
bool FileExists(const std::string& path);

// Runs the idstitch binary with `args` (shell-quoted here); returns its exit
// code and captures stderr into *err if given.
int RunIdstitch(const std::vector<std::string>& args, std::string* err = nullptr);

// Starts `idstitch serve` with `args` plus --listen 127.0.0.1:0 --port-file
// `port_file` (its stderr goes to port_file + ".log"); returns the child's
// pid and the bound port (-1 if it did not start within 5 s).
std::pair<int, int> StartServer(const std::vector<std::string>& args, const std::string& port_file);

// One line per identity, members "type:value" space-separated in map order,
// lines sorted: a rendering independent of identity IDs.
std::string PartitionOfIdentityMap(const std::string& identity_map_csv);
// Sorts the lines of `text` (for comparing expected partitions).
std::string SortLines(const std::string& text);

}  // namespace idstitch::testing

#endif  // IDSTITCH_TESTS_TEST_SUPPORT_H_
