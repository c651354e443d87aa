#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "engine/bounded_executor.hpp"
#include "kafka_handles.hpp"
#include "schema_registry/record_decoder.hpp"

namespace esm::engine {

// The schema registry stage, run off the consumer thread: the records a partition takes from
// Kafka are decoded on the stage's workers a chunk at a time, one chunk per partition at once
// (so each partition's records keep their order), and handed back to the consumer thread, which
// decides what becomes of them. Registry requests happen on the workers too. Owned by one
// runner's consumer loop; submit(), busy() and take_finished() are for that thread alone.
class DecodeStage {
 public:
  // `wake` is called (on a worker) when a chunk is done; `workers` decode at once at most.
  DecodeStage(schema_registry::RegistrySettings settings, std::function<void()> wake,
              std::size_t workers);
  ~DecodeStage();  // waits for the chunks being decoded
  DecodeStage(const DecodeStage&) = delete;
  DecodeStage& operator=(const DecodeStage&) = delete;

  struct Record {
    KafkaMessage msg;
    // False: not decoded, because the registry did not answer for a record before it in the
    // chunk (it waits behind that one).
    bool tried = false;
    schema_registry::DecodeOutcome outcome;
  };
  struct Chunk {
    std::int32_t partition = 0;
    std::uint64_t epoch = 0;  // the partition's assignment when the chunk was taken
    std::vector<Record> records;
  };

  // A chunk of the partition is being decoded (nothing more of it may start meanwhile).
  bool busy(std::int32_t partition) const { return busy_.count(partition) != 0; }
  void submit(std::int32_t partition, std::uint64_t epoch, std::vector<KafkaMessage> messages);
  // The chunks decoded since the last call, each in its records' order.
  std::vector<Chunk> take_finished();

 private:
  void decode(Chunk& chunk);
  std::unique_ptr<schema_registry::RecordDecoder> borrow_decoder();
  void give_back(std::unique_ptr<schema_registry::RecordDecoder> decoder);

  const schema_registry::RegistrySettings settings_;
  const std::function<void()> wake_;
  std::set<std::int32_t> busy_;  // consumer thread only
  std::mutex mutex_;
  // Each worker decodes with a decoder of its own (their schema caches are separate).
  std::vector<std::unique_ptr<schema_registry::RecordDecoder>> idle_decoders_;  // guarded
  std::vector<Chunk> finished_;                                                 // guarded
  BoundedExecutor workers_;  // last: joined before the members above go
};

}  // namespace esm::engine
