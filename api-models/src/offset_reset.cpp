#include "api_models/offset_reset.hpp"

#include <cmath>
#include <set>

#include "json_util.hpp"

namespace esm::api_models {

namespace {

ApiError invalid(std::string message) {
  return ApiError{ErrorCode::InvalidParameterValue, std::move(message)};
}

bool is_count(const rapidjson::Value& v, std::int64_t max) {
  return v.IsInt64() && v.GetInt64() >= 0 && v.GetInt64() <= max;
}

Result<std::vector<PartitionOffset>> parse_offsets(const rapidjson::Value& list) {
  if (!list.IsArray() || list.Empty() || list.Size() > 100000)
    return invalid("Offsets must be a list of 1 to 100000 {\"Partition\": N, \"Offset\": N}.");
  std::vector<PartitionOffset> out;
  std::set<std::int32_t> seen;
  for (const auto& item : list.GetArray()) {
    const auto* partition = item.IsObject() ? find(item, "Partition") : nullptr;
    const auto* offset = item.IsObject() ? find(item, "Offset") : nullptr;
    if (!item.IsObject() || item.MemberCount() != 2 || !partition || !offset)
      return invalid("Each of Offsets must be {\"Partition\": N, \"Offset\": N}.");
    if (!is_count(*partition, INT32_MAX))
      return invalid("Offsets: Partition must be an integer from 0 to 2147483647.");
    if (!is_count(*offset, INT64_MAX))
      return invalid("Offsets: Offset must be an integer of 0 or more.");
    const auto p = static_cast<std::int32_t>(partition->GetInt64());
    if (!seen.insert(p).second)
      return invalid("Offsets: partition " + std::to_string(p) + " is given twice.");
    out.push_back({p, offset->GetInt64()});
  }
  return out;
}

Result<OffsetReset> parse_position(const rapidjson::Value& position,
                                   const rapidjson::Value* timestamp) {
  OffsetReset r;
  const std::string name = position.IsString() ? str(position) : "";
  if (name == "TRIM_HORIZON") {
    r.position = OffsetReset::Position::TrimHorizon;
  } else if (name == "LATEST") {
    r.position = OffsetReset::Position::Latest;
  } else if (name == "AT_TIMESTAMP") {
    r.position = OffsetReset::Position::AtTimestamp;
  } else {
    return invalid("Position must be TRIM_HORIZON, LATEST or AT_TIMESTAMP.");
  }
  const bool at_timestamp = r.position == OffsetReset::Position::AtTimestamp;
  if (at_timestamp && timestamp == nullptr)
    return invalid("Timestamp (epoch seconds) is required with Position AT_TIMESTAMP.");
  if (!at_timestamp && timestamp != nullptr)
    return invalid("Timestamp is only valid with Position AT_TIMESTAMP.");
  if (at_timestamp) {
    const double seconds = timestamp->IsNumber() ? timestamp->GetDouble() : -1;
    if (!(seconds >= 0 && seconds < 1e11))
      return invalid("Timestamp must be a number of seconds since the epoch.");
    r.timestamp_ms = static_cast<std::int64_t>(std::llround(seconds * 1000));
  }
  return r;
}

}  // namespace

Result<OffsetReset> parse_offset_reset(std::string_view body) {
  rapidjson::Document doc;
  if (auto r = parse_json(body, doc); !r.ok()) return r.error();
  if (!doc.IsObject())
    return ApiError{ErrorCode::InvalidRequestContent, "The body must be a JSON object."};
  for (const auto& m : doc.GetObject()) {
    const std::string name = str(m.name);
    if (name != "Position" && name != "Timestamp" && name != "Offsets")
      return invalid("Unknown member " + name + ": give Position (and Timestamp) or Offsets.");
  }
  const auto* position = find(doc, "Position");
  const auto* offsets = find(doc, "Offsets");
  if ((position == nullptr) == (offsets == nullptr))
    return invalid("Give exactly one of Position or Offsets.");
  if (offsets != nullptr) {
    if (find(doc, "Timestamp") != nullptr)
      return invalid("Timestamp is only valid with Position AT_TIMESTAMP.");
    auto parsed = parse_offsets(*offsets);
    if (!parsed.ok()) return parsed.error();
    OffsetReset r;
    r.position = OffsetReset::Position::Explicit;
    r.offsets = std::move(parsed).value();
    return r;
  }
  return parse_position(*position, find(doc, "Timestamp"));
}

std::string offset_reset_json(const std::string& uuid, const std::string& group,
                              const std::string& topic, const std::vector<PartitionOffset>& set) {
  JsonWriter w;
  w.start_object();
  w.key("UUID").string(uuid);
  w.key("ConsumerGroupId").string(group);
  w.key("Topic").string(topic);
  w.key("Partitions").start_array();
  for (const auto& p : set) {
    w.start_object();
    w.key("Partition").integer(p.partition);
    w.key("Offset").integer(p.offset);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.take();
}

}  // namespace esm::api_models
