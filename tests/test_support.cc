#include "tests/test_support.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "resolver/csv.h"

namespace idstitch::testing {

std::string SourceDir() { return IDSTITCH_SOURCE_DIR; }

std::string MakeTempDir(const std::string& name) {
  // Unique per call: CTest runs tests in parallel processes sharing TempDir().
  std::string pattern =
      (std::filesystem::path(::testing::TempDir()) / ("idstitch-" + name + "-XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed for " << pattern;
  return pattern;
}

std::string CurrentTestDir() {
  return MakeTempDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
}

std::vector<std::string> DirectoryEntries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

bool FileExists(const std::string& path) { return std::filesystem::exists(path); }

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

int RunIdstitch(const std::vector<std::string>& args, std::string* err) {
  std::string command = IDSTITCH_BINARY;
  for (const std::string& arg : args) {
    std::string quoted = "'";
    for (char c : arg) {
      if (c == '\'') quoted += "'\\''";
      else quoted += c;
    }
    command += " " + quoted + "'";
  }
  std::string err_path = MakeTempDir("stderr") + "/stderr.txt";
  command += " 2>" + err_path;
  int status = std::system(command.c_str());
  if (err != nullptr) *err = ReadFile(err_path);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::pair<int, int> StartServer(const std::vector<std::string>& args, const std::string& port_file) {
  std::filesystem::remove(port_file);
  std::vector<std::string> argv = {IDSTITCH_BINARY, "serve"};
  argv.insert(argv.end(), args.begin(), args.end());
  for (const char* arg : {"--listen", "127.0.0.1:0", "--port-file"}) argv.emplace_back(arg);
  argv.push_back(port_file);
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string log = port_file + ".log";
    if (freopen(log.c_str(), "a", stderr) == nullptr) _exit(126);
    std::vector<char*> raw;
    for (std::string& arg : argv) raw.push_back(arg.data());
    raw.push_back(nullptr);
    execv(IDSTITCH_BINARY, raw.data());
    _exit(127);
  }
  for (int i = 0; i < 200 && !std::filesystem::exists(port_file); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  const std::string text = std::filesystem::exists(port_file) ? ReadFile(port_file) : "";
  return {pid, text.empty() ? -1 : std::stoi(text)};
}

std::string PartitionOfIdentityMap(const std::string& identity_map_csv) {
  std::istringstream in(identity_map_csv);
  std::string line;
  std::getline(in, line);  // header
  std::map<std::string, std::string> members_by_identity;
  std::vector<std::string> fields;
  while (std::getline(in, line)) {
    if (!SplitCsvRow(line, &fields).ok() || fields.size() != 3) {
      ADD_FAILURE() << "bad identity_map row: " << line;
      continue;
    }
    std::string& members = members_by_identity[fields[2]];
    if (!members.empty()) members += ' ';
    members += fields[0] + ":" + fields[1];
  }
  std::string out;
  for (const auto& [id, members] : members_by_identity) out += members + "\n";
  return SortLines(out);
}

std::string SortLines(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

}  // namespace idstitch::testing
