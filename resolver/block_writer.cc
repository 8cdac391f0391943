#include "resolver/block_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>

#include "resolver/write_fully.h"

namespace idstitch {
namespace {

// O_DIRECT needs buffer address, length and file offset aligned to the
// device's logical block size: 4096 covers 512-byte and 4K devices.
constexpr size_t kAlignment = 4096;
static_assert(BlockWriter::kBlockBytes % kAlignment == 0);

// Buffered writes hand what is complete to the disk every few megabytes,
// without waiting, so the final fsync finds most of it already written.
constexpr uint64_t kWritebackBytes = uint64_t{8} << 20;

bool SetDirect(int fd, bool on) {
  const int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return false;
  return fcntl(fd, F_SETFL, on ? (flags | O_DIRECT) : (flags & ~O_DIRECT)) == 0;
}

}  // namespace

BlockWriter::BlockWriter(int fd, bool try_direct)
    : fd_(fd), blocks_{{nullptr, &std::free}, {nullptr, &std::free}} {
  direct_ = try_direct && SetDirect(fd_, true);
}

BlockWriter::~BlockWriter() {
  if (!thread_.joinable()) return;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    WaitIdle(lock);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

bool BlockWriter::direct() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return direct_;
}

void BlockWriter::Append(std::string_view text) {
  appended_ += text.size();
  while (!text.empty()) {
    if (blocks_[current_] == nullptr) {
      blocks_[current_].reset(static_cast<char*>(std::aligned_alloc(kAlignment, kBlockBytes)));
      if (blocks_[current_] == nullptr) throw std::bad_alloc();
    }
    const size_t n = std::min(kBlockBytes - filled_, text.size());
    memcpy(blocks_[current_].get() + filled_, text.data(), n);
    filled_ += n;
    text.remove_prefix(n);
    if (filled_ == kBlockBytes) Submit();
  }
}

void BlockWriter::Submit() {
  const char* data = blocks_[current_].get();
  if (!thread_.joinable()) {
    try {
      thread_ = std::thread([this] { Run(); });
    } catch (const std::system_error&) {
      // No thread to spare: write on the caller's thread.
    }
  }
  if (thread_.joinable()) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      WaitIdle(lock);  // the other block is free once the thread is idle
      pending_ = data;
      pending_size_ = filled_;
      pending_offset_ = submitted_;
    }
    changed_.notify_all();
  } else {
    WriteBlock(data, filled_, submitted_);
  }
  submitted_ += filled_;
  filled_ = 0;
  current_ ^= 1;
}

int BlockWriter::Finish() {
  if (thread_.joinable()) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      WaitIdle(lock);
      stop_ = true;
    }
    changed_.notify_all();
    thread_.join();
    stop_ = false;
  }
  if (filled_ > 0) {
    WriteBlock(blocks_[current_].get(), filled_, submitted_);
    submitted_ += filled_;
    filled_ = 0;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  return error_;
}

void BlockWriter::WriteBlock(const char* data, size_t size, uint64_t offset) {
  bool direct;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (error_ != 0) return;
    if (direct_ && size % kAlignment != 0) {
      // A tail: the file will end off a block boundary, so this and every
      // later write go buffered.
      SetDirect(fd_, false);
      direct_ = false;
    }
    direct = direct_;
  }
  size_t done = 0;
  if (direct) {
    while (done < size) {
      const ssize_t n = pwrite(fd_, data + done, size - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || (static_cast<size_t>(n) % kAlignment) != 0) {
        if (n > 0) done += static_cast<size_t>(n);
        // Refused (EINVAL on a filesystem without direct I/O), short or
        // failed: the rest of the file goes buffered, and a real failure
        // (no space, file too big) shows again there.
        std::lock_guard<std::mutex> lock(mutex_);
        SetDirect(fd_, false);
        direct_ = false;
        break;
      }
      done += static_cast<size_t>(n);
    }
    if (done == size) return;
  }
  const int error = PwriteFully(fd_, std::string_view(data + done, size - done), offset + done);
  std::lock_guard<std::mutex> lock(mutex_);
  if (error != 0) {
    error_ = error;
    return;
  }
  const uint64_t end = offset + size;
  if (end - writeback_started_ >= kWritebackBytes) {
    sync_file_range(fd_, static_cast<off_t>(writeback_started_),
                    static_cast<off_t>(end - writeback_started_), SYNC_FILE_RANGE_WRITE);
    writeback_started_ = end;
  }
}

void BlockWriter::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    changed_.wait(lock, [&] { return pending_ != nullptr || stop_; });
    if (pending_ == nullptr) return;  // stopped, nothing left
    const char* data = pending_;
    const size_t size = pending_size_;
    const uint64_t offset = pending_offset_;
    pending_ = nullptr;
    busy_ = true;
    lock.unlock();
    WriteBlock(data, size, offset);
    lock.lock();
    busy_ = false;
    changed_.notify_all();
  }
}

void BlockWriter::WaitIdle(std::unique_lock<std::mutex>& lock) {
  changed_.wait(lock, [&] { return pending_ == nullptr && !busy_; });
}

}  // namespace idstitch
