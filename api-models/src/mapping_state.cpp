#include "api_models/mapping_state.hpp"

namespace esm::api_models {

std::optional<MappingState> next_state(MappingState from, MappingEvent event, bool enabled) {
  using S = MappingState;
  const bool settling = from == S::Creating || from == S::Enabling || from == S::Updating;
  switch (event) {
    case MappingEvent::Create:
      return S::Creating;
    case MappingEvent::Update:
      if (is_transitional(from)) return std::nullopt;
      if (enabled && from == S::Disabled) return S::Enabling;
      if (!enabled && from == S::Enabled) return S::Disabling;
      return S::Updating;
    case MappingEvent::Delete:
      if (is_transitional(from)) return std::nullopt;
      return S::Deleting;
    case MappingEvent::ConsumerLive:
      if (!settling || !enabled) return std::nullopt;
      return S::Enabled;
    case MappingEvent::ConsumerGone:
      if (!is_transitional(from) || from == S::Deleting) return std::nullopt;
      return S::Disabled;
    case MappingEvent::StoppedByError:
      if (from == S::Deleting) return std::nullopt;
      return S::Disabled;
  }
  return std::nullopt;
}

bool wants_consumer(MappingState state, bool enabled) {
  switch (state) {
    case MappingState::Creating:
    case MappingState::Enabling:
    case MappingState::Updating:
      return enabled;
    case MappingState::Enabled:
      return true;
    case MappingState::Disabling:
    case MappingState::Disabled:
    case MappingState::Deleting:
      return false;
  }
  return false;
}

}  // namespace esm::api_models
