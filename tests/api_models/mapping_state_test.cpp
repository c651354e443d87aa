#include "api_models/mapping_state.hpp"

#include <catch2/catch.hpp>
#include <optional>
#include <vector>

using namespace esm::api_models;
using S = MappingState;
using E = MappingEvent;

TEST_CASE("state machine: every state and event, as reference §5.1 has it", "[api_models][state]") {
  struct Row {
    S from;
    E event;
    bool enabled;
    std::optional<S> to;
  };
  const std::optional<S> none;
  const std::vector<Row> rows = {
      {S::Disabled, E::Create, true, S::Creating},
      {S::Disabled, E::Create, false, S::Creating},
      // Update: settled states only; Enabled moves the way the flag goes.
      {S::Enabled, E::Update, true, S::Updating},
      {S::Enabled, E::Update, false, S::Disabling},
      {S::Disabled, E::Update, true, S::Enabling},
      {S::Disabled, E::Update, false, S::Updating},
      {S::Creating, E::Update, true, none},
      {S::Enabling, E::Update, true, none},
      {S::Updating, E::Update, true, none},
      {S::Disabling, E::Update, false, none},
      {S::Deleting, E::Update, true, none},
      // Delete: settled states only.
      {S::Enabled, E::Delete, true, S::Deleting},
      {S::Disabled, E::Delete, false, S::Deleting},
      {S::Creating, E::Delete, true, none},
      {S::Updating, E::Delete, true, none},
      {S::Deleting, E::Delete, true, none},
      // The consumer holds its partitions: a transition towards Enabled ends.
      {S::Creating, E::ConsumerLive, true, S::Enabled},
      {S::Enabling, E::ConsumerLive, true, S::Enabled},
      {S::Updating, E::ConsumerLive, true, S::Enabled},
      {S::Creating, E::ConsumerLive, false, none},
      {S::Enabled, E::ConsumerLive, true, none},
      {S::Disabling, E::ConsumerLive, false, none},
      {S::Deleting, E::ConsumerLive, true, none},
      // No consumer runs: a transition ends in Disabled; Deleting is the engine's to finish.
      {S::Creating, E::ConsumerGone, false, S::Disabled},
      {S::Updating, E::ConsumerGone, false, S::Disabled},
      {S::Disabling, E::ConsumerGone, false, S::Disabled},
      {S::Enabled, E::ConsumerGone, true, none},
      {S::Disabled, E::ConsumerGone, false, none},
      {S::Deleting, E::ConsumerGone, true, none},
      // A problem that stops the consumer disables the mapping, unless it is being deleted.
      {S::Enabled, E::StoppedByError, true, S::Disabled},
      {S::Creating, E::StoppedByError, true, S::Disabled},
      {S::Deleting, E::StoppedByError, true, none},
  };
  for (const auto& r : rows) {
    INFO(to_string(r.from) << " + event " << static_cast<int>(r.event) << " (enabled " << r.enabled
                           << ")");
    CHECK(next_state(r.from, r.event, r.enabled) == r.to);
  }
}

TEST_CASE("state machine: which states run a consumer", "[api_models][state]") {
  CHECK(wants_consumer(S::Enabled, true));
  CHECK(wants_consumer(S::Creating, true));
  CHECK(wants_consumer(S::Updating, true));
  CHECK(wants_consumer(S::Enabling, true));
  CHECK_FALSE(wants_consumer(S::Creating, false));
  CHECK_FALSE(wants_consumer(S::Updating, false));
  CHECK_FALSE(wants_consumer(S::Disabling, false));
  CHECK_FALSE(wants_consumer(S::Disabled, false));
  CHECK_FALSE(wants_consumer(S::Deleting, true));
}
