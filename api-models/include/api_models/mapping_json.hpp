#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api_models/error.hpp"
#include "api_models/mapping.hpp"
#include "api_models/requests.hpp"

namespace esm::api_models {

enum class MappingView {
  Response,  // Create/Get/Update/Delete body: unset members omitted
  ListItem,  // as Response, but FilterCriteria null when a KMS key encrypts it
  Storage,   // everything, including what AWS never returns (Enabled, Region, AccountId)
};

std::string to_json(const EventSourceMapping& mapping, MappingView view = MappingView::Response);
Result<EventSourceMapping> mapping_from_storage(std::string_view json);

std::string list_response_json(const std::vector<EventSourceMapping>& page,
                               const std::string& next_marker);
std::string tags_response_json(const Tags& tags);
// GET /health: {"unhealthy":[{UUID, State, StateTransitionReason, LastProcessingResult}],
// "status":"ok"|"degraded","service":"esm-emulator"}.
std::string health_json(const std::vector<EventSourceMapping>& unhealthy);

}  // namespace esm::api_models
