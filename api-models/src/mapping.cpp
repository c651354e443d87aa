#include "api_models/mapping.hpp"

#include <algorithm>
#include <array>

#include "api_models/delivery_options.hpp"

namespace esm::api_models {

namespace {
constexpr std::array<std::pair<MappingState, std::string_view>, 7> kStates{{
    {MappingState::Creating, "Creating"},
    {MappingState::Enabling, "Enabling"},
    {MappingState::Enabled, "Enabled"},
    {MappingState::Disabling, "Disabling"},
    {MappingState::Disabled, "Disabled"},
    {MappingState::Updating, "Updating"},
    {MappingState::Deleting, "Deleting"},
}};

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}
}  // namespace

std::string_view to_string(MappingState state) {
  for (const auto& [s, name] : kStates) {
    if (s == state) return name;
  }
  return "Disabled";
}

std::optional<MappingState> parse_state(std::string_view text) {
  for (const auto& [s, name] : kStates) {
    if (name == text) return s;
  }
  return std::nullopt;
}

bool is_transitional(MappingState state) {
  return state != MappingState::Enabled && state != MappingState::Disabled;
}

std::string EventSourceMapping::mapping_arn() const {
  return "arn:aws:lambda:" + region + ":" + account_id + ":event-source-mapping:" + uuid;
}

std::optional<std::string> duplicate_message(const EventSourceMapping& existing,
                                             const EventSourceMapping& candidate) {
  if (existing.function_arn != candidate.function_arn) return std::nullopt;
  if (existing.topics != candidate.topics) return std::nullopt;
  if (candidate.self_managed()) {
    if (!existing.self_managed()) return std::nullopt;
    const bool shared = std::any_of(
        candidate.bootstrap_servers.begin(), candidate.bootstrap_servers.end(), [&](const auto& s) {
          return std::find(existing.bootstrap_servers.begin(), existing.bootstrap_servers.end(),
                           s) != existing.bootstrap_servers.end();
        });
    if (!shared) return std::nullopt;
    return "An event source mapping with event source (\"" + join(candidate.bootstrap_servers) +
           "\"), function (\"" + candidate.function_arn + "\"), topics (\"" +
           join(candidate.topics) +
           "\") already exists. Please update or delete the existing mapping with UUID " +
           existing.uuid;
  }
  if (existing.event_source_arn != candidate.event_source_arn) return std::nullopt;
  return "An event source mapping with event source arn (\"" + *candidate.event_source_arn +
         "\"), function (\"" + candidate.function_arn + "\") and topics (\"" +
         join(candidate.topics) +
         "\") already exists. Please update or delete the existing mapping with UUID " +
         existing.uuid;
}

}  // namespace esm::api_models
