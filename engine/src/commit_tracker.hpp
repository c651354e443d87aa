#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <utility>

namespace esm::engine {

// The commit stage's memory: per partition, the next offset to commit. It only rises, and it is
// raised only to where every record before it is done (delivered, or passed over on purpose:
// PartitionBuffer::done_up_to). What rose is sent to the group shortly after (see
// Delivery::commit), all of it again when partitions are let go or the brokers come back, and at
// close. Runner thread only.
class CommitTracker {
 public:
  // True if `next` is above what was held (or the partition is new).
  bool raise(std::int32_t partition, std::int64_t next) {
    auto [it, fresh] = next_.try_emplace(partition, next);
    if (!fresh && it->second >= next) return false;
    it->second = next;
    unsent_.insert(partition);
    return true;
  }
  void forget(std::int32_t partition) {
    next_.erase(partition);
    unsent_.erase(partition);
  }
  const std::map<std::int32_t, std::int64_t>& offsets() const { return next_; }
  // The partitions whose offset rose since the last take_unsent().
  bool has_unsent() const { return !unsent_.empty(); }
  std::set<std::int32_t> take_unsent() { return std::exchange(unsent_, {}); }

 private:
  std::map<std::int32_t, std::int64_t> next_;
  std::set<std::int32_t> unsent_;
};

}  // namespace esm::engine
