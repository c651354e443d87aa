#pragma once

#include <optional>

#include "api_models/mapping.hpp"

namespace esm::api_models {

// What happens to a mapping, from the API (the user's requests) or from the engine (its
// consumer). The one table of which event moves a mapping from which state to which (reference
// §5.1), used by request handling and the engine alike; tested as a table.
enum class MappingEvent {
  Create,          // CreateEventSourceMapping accepted
  Update,          // UpdateEventSourceMapping accepted
  Delete,          // DeleteEventSourceMapping accepted
  ConsumerLive,    // the consumer holds its partitions (or the topic does not exist yet)
  ConsumerGone,    // no consumer runs for it (disabled, or stopped to be disabled)
  StoppedByError,  // a configuration, authentication or function problem stops the consumer
};

// The state after `event`; `enabled` is the mapping's Enabled as it is after the event (an
// Update may change it). Nothing: the event does not apply in state `from` (an API request is
// then refused with ResourceInUseException; an engine event is stale and ignored).
std::optional<MappingState> next_state(MappingState from, MappingEvent event, bool enabled);

// Whether a mapping in this state runs a consumer.
bool wants_consumer(MappingState state, bool enabled);

}  // namespace esm::api_models
