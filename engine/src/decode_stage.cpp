#include "decode_stage.hpp"

#include <chrono>
#include <optional>
#include <string_view>

namespace esm::engine {

namespace {

std::optional<std::string_view> bytes(const void* data, std::size_t len) {
  if (data == nullptr) return std::nullopt;
  return std::string_view(static_cast<const char*>(data), len);
}

}  // namespace

DecodeStage::DecodeStage(schema_registry::RegistrySettings settings, std::function<void()> wake,
                         std::size_t workers)
    : settings_(std::move(settings)),
      wake_(std::move(wake)),
      workers_(workers, std::chrono::seconds(5), "esm-decode") {}

DecodeStage::~DecodeStage() = default;

void DecodeStage::submit(std::int32_t partition, std::uint64_t epoch,
                         std::vector<KafkaMessage> messages) {
  busy_.insert(partition);
  auto chunk = std::make_shared<Chunk>();
  chunk->partition = partition;
  chunk->epoch = epoch;
  chunk->records.reserve(messages.size());
  for (auto& m : messages) chunk->records.push_back(Record{std::move(m), false, {}});
  workers_.submit([this, chunk] {
    decode(*chunk);
    {
      std::lock_guard lock(mutex_);
      finished_.push_back(std::move(*chunk));
    }
    wake_();
  });
}

std::vector<DecodeStage::Chunk> DecodeStage::take_finished() {
  std::vector<Chunk> out;
  {
    std::lock_guard lock(mutex_);
    out.swap(finished_);
  }
  for (const auto& chunk : out) busy_.erase(chunk.partition);
  return out;
}

// On a worker: record after record until the registry does not answer for one (the ones after
// it wait, not decoded).
void DecodeStage::decode(Chunk& chunk) {
  auto decoder = borrow_decoder();
  for (auto& r : chunk.records) {
    const rd_kafka_message_t& m = *r.msg;
    r.outcome = decoder->decode(bytes(m.key, m.key_len), bytes(m.payload, m.len));
    r.tried = true;
    if (r.outcome.status == schema_registry::DecodeStatus::RegistryUnavailable) break;
  }
  give_back(std::move(decoder));
}

std::unique_ptr<schema_registry::RecordDecoder> DecodeStage::borrow_decoder() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_decoders_.empty()) {
      auto d = std::move(idle_decoders_.back());
      idle_decoders_.pop_back();
      return d;
    }
  }
  return std::make_unique<schema_registry::RecordDecoder>(settings_);
}

void DecodeStage::give_back(std::unique_ptr<schema_registry::RecordDecoder> decoder) {
  std::lock_guard lock(mutex_);
  idle_decoders_.push_back(std::move(decoder));
}

}  // namespace esm::engine
