// File: resolver/background_sync.h
// Syncs finished AtomicFiles on threads of their own while the run goes on:
// fsync waits for the disk without computing, so a file written early is on
// disk by the time the last one is done, and the final commit only renames.
// Thread safety: Start() may be called from any thread; Wait() from one.
#ifndef IDSTITCH_RESOLVER_BACKGROUND_SYNC_H_
#define IDSTITCH_RESOLVER_BACKGROUND_SYNC_H_

#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "resolver/atomic_file.h"

namespace idstitch {

class BackgroundSync {
 public:
  BackgroundSync() = default;
  BackgroundSync(const BackgroundSync&) = delete;
  BackgroundSync& operator=(const BackgroundSync&) = delete;
  ~BackgroundSync() { Wait().IgnoreError(); }

  // Starts syncing `file`, which nothing may append to any more. Without a
  // thread to spare it syncs on the caller's thread.
  void Start(AtomicFile* file);
  // Waits for every started sync; the first error, if any, naming its file.
  absl::Status Wait();

 private:
  std::mutex mutex_;
  std::vector<std::thread> threads_;
  std::deque<absl::Status> results_;  // one per Start(); a deque keeps them in place
};

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_BACKGROUND_SYNC_H_
