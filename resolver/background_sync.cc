#include "resolver/background_sync.h"

#include <system_error>

namespace idstitch {

void BackgroundSync::Start(AtomicFile* file) {
  std::lock_guard<std::mutex> lock(mutex_);
  absl::Status& result = results_.emplace_back();
  try {
    threads_.emplace_back([file, &result] { result = file->Sync(); });
  } catch (const std::system_error&) {
    result = file->Sync();
  }
}

absl::Status BackgroundSync::Wait() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
  absl::Status first = absl::OkStatus();
  for (const absl::Status& result : results_) {
    if (first.ok() && !result.ok()) first = result;
  }
  return first;
}

}  // namespace idstitch
