#include "api_models/batch_response.hpp"

#include <rapidjson/document.h>

#include <charconv>
#include <optional>

namespace esm::api_models {

namespace {

std::optional<std::int64_t> offset_of(const rapidjson::Value& v) {
  if (v.IsInt64()) return v.GetInt64();
  if (!v.IsString() || v.GetStringLength() == 0) return std::nullopt;
  std::int64_t out = 0;
  const char* end = v.GetString() + v.GetStringLength();
  auto [ptr, ec] = std::from_chars(v.GetString(), end, out);
  if (ec != std::errc() || ptr != end || out < 0) return std::nullopt;
  return out;
}

std::optional<ItemFailure> item_of(const rapidjson::Value& entry) {
  if (!entry.IsObject()) return std::nullopt;
  auto id = entry.FindMember("itemIdentifier");
  if (id == entry.MemberEnd() || !id->value.IsObject()) return std::nullopt;
  auto partition = id->value.FindMember("partition");
  auto offset = id->value.FindMember("offset");
  if (partition == id->value.MemberEnd() || !partition->value.IsString() ||
      partition->value.GetStringLength() == 0 || offset == id->value.MemberEnd()) {
    return std::nullopt;
  }
  const auto n = offset_of(offset->value);
  if (!n) return std::nullopt;
  return ItemFailure{std::string(partition->value.GetString(), partition->value.GetStringLength()),
                     *n};
}

bool blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

}  // namespace

BatchItemFailures parse_batch_item_failures(std::string_view body) {
  BatchItemFailures out;
  if (blank(body)) return out;
  rapidjson::Document d;
  d.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());  // any depth, no recursion
  if (d.HasParseError() || !(d.IsObject() || d.IsNull())) {
    out.whole_batch_failed = true;
    return out;
  }
  if (d.IsNull()) return out;
  auto list = d.FindMember("batchItemFailures");
  if (list == d.MemberEnd() || list->value.IsNull()) return out;
  if (!list->value.IsArray()) {
    out.whole_batch_failed = true;
    return out;
  }
  for (const auto& entry : list->value.GetArray()) {
    auto item = item_of(entry);
    if (!item) {
      out.whole_batch_failed = true;
      out.items.clear();
      return out;
    }
    out.items.push_back(std::move(*item));
  }
  return out;
}

}  // namespace esm::api_models
