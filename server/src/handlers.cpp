#include "handlers.hpp"

#include <algorithm>
#include <map>
#include <string_view>

#include "api_models/delivery_options.hpp"
#include "api_models/filter_pattern.hpp"
#include "api_models/mapping_json.hpp"
#include "api_models/mapping_state.hpp"
#include "api_models/mapping_status.hpp"
#include "api_models/offset_reset.hpp"
#include "dashboard.hpp"
#include "metrics_text.hpp"
#include "request_guard.hpp"

namespace esm::server {

using api_models::ApiError;
using api_models::ErrorCode;
using api_models::EventSourceMapping;
using api_models::Ok;
using api_models::Result;

namespace {

constexpr std::string_view kFunctionMissing = "Function does not exist";

// "Credential=AKID/20250101/us-west-2/lambda/aws4_request": the third field.
std::optional<std::string> scope_region(std::string_view credential) {
  std::size_t pos = 0;
  for (int field = 0; field < 2; ++field) {
    pos = credential.find('/', pos);
    if (pos == std::string_view::npos) return std::nullopt;
    ++pos;
  }
  const auto end = credential.find('/', pos);
  if (end == std::string_view::npos || end == pos || end - pos > 32) return std::nullopt;
  std::string region(credential.substr(pos, end - pos));
  if (region.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos)
    return std::nullopt;
  return region;
}

Response mapping_response(int status, const EventSourceMapping& m, const Request& req) {
  return json_response(status, api_models::to_json(m), req);
}

}  // namespace

api_models::RequestContext Handlers::context(const Request& req) const {
  api_models::RequestContext ctx = defaults_;
  const std::string& auth = req.header("authorization");
  std::optional<std::string> region;
  if (const auto pos = auth.find("Credential="); pos != std::string::npos) {
    region = scope_region(std::string_view(auth).substr(pos + 11));
  } else if (auto it = req.query.find("X-Amz-Credential"); it != req.query.end()) {
    region = scope_region(it->second);
  }
  if (region) ctx.region = *region;
  return ctx;
}

Response Handlers::create(Request& req) {
  const auto ctx = context(req);
  auto input = api_models::parse_create_request(req.body, ctx);
  if (!input.ok()) return error_response(input.error(), req);
  if (!functions_.resolve(input.value().function)) {
    return error_response({ErrorCode::InvalidParameterValue, std::string(kFunctionMissing)}, req);
  }
  auto stored = store_.insert(std::move(input.value().mapping), input.value().tags);
  if (!stored.ok()) return error_response(stored.error(), req);
  warn_misleading(stored.value());
  engine_.notify_changed(stored.value().uuid);
  return mapping_response(202, stored.value(), req);
}

Response Handlers::get(Request& req) {
  const std::string& uuid = req.path_params.at(0);
  if (auto v = api_models::validate_uuid(uuid); !v.ok()) return error_response(v.error(), req);
  auto got = store_.get(uuid);
  if (!got.ok()) return error_response(got.error(), req);
  return mapping_response(200, got.value(), req);
}

Response Handlers::list(Request& req) {
  auto query = api_models::parse_list_query(req.query);
  if (!query.ok()) return error_response(query.error(), req);
  const auto ctx = context(req);
  storage::ListFilter filter;
  filter.event_source_arn = query.value().event_source_arn;
  if (const auto& fn = query.value().function) {
    const std::string arn = fn->arn(ctx.region, ctx.account_id);
    if (fn->qualifier) {
      filter.function_arn = arn;
    } else {
      filter.function_base_arn = arn;
    }
  }
  filter.marker = query.value().marker;
  filter.max_items = query.value().max_items;
  auto page = store_.list(filter);
  if (!page.ok()) return error_response(page.error(), req);
  return json_response(
      200, api_models::list_response_json(page.value().mappings, page.value().next_marker), req);
}

Response Handlers::update(Request& req) {
  const std::string& uuid = req.path_params.at(0);
  if (auto v = api_models::validate_uuid(uuid); !v.ok()) return error_response(v.error(), req);
  auto input = api_models::parse_update_request(req.body);
  if (!input.ok()) return error_response(input.error(), req);
  const auto& update = input.value();
  if (update.function && !functions_.resolve(*update.function)) {
    return error_response({ErrorCode::InvalidParameterValue, std::string(kFunctionMissing)}, req);
  }
  auto stored = store_.update(uuid, [&](EventSourceMapping& m) -> Result<Ok> {
    return api_models::apply_update(update, {m.region, m.account_id}, m);  // refused in transition
  });
  if (!stored.ok()) return error_response(stored.error(), req);
  warn_misleading(stored.value());
  engine_.notify_changed(uuid);
  return mapping_response(202, stored.value(), req);
}

void Handlers::warn_misleading(const EventSourceMapping& m) const {
  if (log_ == nullptr) return;
  std::vector<std::string> elsewhere;
  for (const auto& pattern : api_models::delivery_options(m).filter_patterns) {
    for (auto& field : api_models::fields_besides_value(pattern)) elsewhere.push_back(field);
  }
  if (!elsewhere.empty()) {
    std::string text = "FilterCriteria names";
    for (const auto& f : elsewhere) text += " \"" + f + "\"";
    log_->warn(m.uuid, text +
                           ": Kafka records are filtered on \"value\" only (reference §8.10), so "
                           "such a condition holds only as {\"exists\": false}");
  }
}

Response Handlers::remove(Request& req) {
  const std::string& uuid = req.path_params.at(0);
  if (auto v = api_models::validate_uuid(uuid); !v.ok()) return error_response(v.error(), req);
  auto stored = store_.update(uuid, [&](EventSourceMapping& m) -> Result<Ok> {
    const auto state = api_models::next_state(m.state, api_models::MappingEvent::Delete, m.enabled);
    if (!state) {
      return ApiError{ErrorCode::ResourceInUse,
                      "Cannot delete the event source mapping because it is in use."};
    }
    m.state = *state;
    m.state_transition_reason = std::string(api_models::kUserInitiated);
    return Ok{};
  });
  if (!stored.ok()) return error_response(stored.error(), req);
  engine_.notify_changed(uuid);
  return mapping_response(202, stored.value(), req);
}

namespace {
// Tag calls name the mapping by ARN; an unknown one is answered as AWS does (reference §7).
api_models::ApiError tag_target_error(api_models::ApiError error, const std::string& arn) {
  if (error.code == api_models::ErrorCode::ResourceNotFound) {
    error.message = "Event source mapping not found: " + arn;
  }
  return error;
}
}  // namespace

Response Handlers::tag(Request& req) {
  auto uuid = api_models::mapping_uuid_from_arn(req.path_params.at(0));
  if (!uuid.ok()) return error_response(uuid.error(), req);
  auto tags = api_models::parse_tag_request(req.body);
  if (!tags.ok()) return error_response(tags.error(), req);
  if (auto r = store_.add_tags(uuid.value(), tags.value()); !r.ok())
    return error_response(tag_target_error(r.error(), req.path_params.at(0)), req);
  return no_content_response(req);
}

Response Handlers::untag(Request& req) {
  auto uuid = api_models::mapping_uuid_from_arn(req.path_params.at(0));
  if (!uuid.ok()) return error_response(uuid.error(), req);
  auto keys = api_models::parse_untag_query(req.query);
  if (!keys.ok()) return error_response(keys.error(), req);
  if (auto r = store_.remove_tags(uuid.value(), keys.value()); !r.ok())
    return error_response(tag_target_error(r.error(), req.path_params.at(0)), req);
  return no_content_response(req);
}

Response Handlers::list_tags(Request& req) {
  auto uuid = api_models::mapping_uuid_from_arn(req.path_params.at(0));
  if (!uuid.ok()) return error_response(uuid.error(), req);
  auto tags = store_.tags(uuid.value());
  if (!tags.ok()) return error_response(tag_target_error(tags.error(), req.path_params.at(0)), req);
  return json_response(200, api_models::tags_response_json(tags.value()), req);
}

std::optional<Response> Handlers::authenticate(const Request& req) const {
  // POST / is Secrets Manager's endpoint (signed for "secretsmanager"), the rest Lambda's.
  const bool secrets = req.path == "/" && req.method != "GET";
  if (auto refused = cross_origin_refusal(req))
    return secrets ? secrets_error(*refused, req) : error_response(*refused, req);
  if (credentials_ == nullptr) return std::nullopt;
  // Open: what a load balancer or Prometheus reads (no secret values are in either).
  if (req.method == "GET" &&
      (req.path == "/health" || req.path == "/health/" || req.path == "/metrics"))
    return std::nullopt;
  // The dashboard's files hold no data: served when a token lets its calls in.
  if (req.method == "GET" && is_dashboard_path(req.path)) {
    if (dashboard_token_ != nullptr) return std::nullopt;
    return error_response({ErrorCode::AccessDenied,
                           "The dashboard is off: with --require-sigv4 it needs "
                           "--dashboard-token."},
                          req);
  }
  // The dashboard's calls: every Lambda and status API call, never Secrets Manager's.
  if (const auto& token = req.header("x-esm-dashboard-token"); !token.empty() && !secrets) {
    if (dashboard_token_ != nullptr && same_secret(token, *dashboard_token_)) return std::nullopt;
    return error_response({ErrorCode::AccessDenied, "The dashboard token is not valid."}, req);
  }
  auto refused = sigv4::verify(req, secrets ? "secretsmanager" : "lambda", *credentials_,
                               std::chrono::system_clock::now());
  if (!refused) return std::nullopt;
  return secrets ? secrets_error(*refused, req) : error_response(*refused, req);
}

// 200 while the emulator serves; "status" says whether every enabled mapping is healthy (its
// last result not a PROBLEM) and "unhealthy" lists those that are not, with the mappings the
// emulator disabled because of an error (a mapping on its way to Enabled is neither).
Response Handlers::health(Request& req) {
  std::vector<EventSourceMapping> unhealthy;
  each_mapping([&](EventSourceMapping& m) {
    const bool problem = m.last_processing_result.rfind("PROBLEM", 0) == 0;
    const bool stopped = m.state == api_models::MappingState::Disabled &&
                         m.state_transition_reason != api_models::kUserInitiated;
    if ((m.enabled && problem) || stopped) unhealthy.push_back(std::move(m));
  });
  return json_response(200, api_models::health_json(unhealthy), req);
}

// Every stored mapping, page by page; the store's error if a page cannot be read.
std::optional<ApiError> Handlers::each_mapping(
    const std::function<void(EventSourceMapping&)>& visit) {
  storage::ListFilter filter;
  filter.max_items = 1000;
  for (int page = 0; page < 10000; ++page) {  // bounded: 10M mappings
    auto got = store_.list(filter);
    if (!got.ok()) return got.error();
    for (auto& m : got.value().mappings) visit(m);
    if (got.value().next_marker.empty()) break;
    filter.marker = got.value().next_marker;
  }
  return std::nullopt;
}

// GET /_esm/mappings and /_esm/mappings/{UUID}: what the store says of a mapping with what its
// consumer holds (`view`: its counters, none before its first consumer) and, for one mapping,
// its last invocations.
api_models::MappingStatus Handlers::status_of(EventSourceMapping m,
                                              const engine::MappingMetricsView* view,
                                              bool with_invocations) {
  api_models::MappingStatus s;
  if (view != nullptr) {
    const auto partitions = view->metrics->partitions();
    s.consumer_running = !partitions.empty();
    for (const auto& p : partitions)
      s.partitions.push_back({p.partition, p.committed, p.high_watermark, p.lag()});
    std::tie(s.last_error, s.last_error_ms) = view->metrics->last_error();
    if (with_invocations) s.invocations = view->metrics->recent_invocations();
  }
  s.mapping = std::move(m);
  return s;
}

Response Handlers::status_list(Request& req) {
  const auto views = engine_.metrics();
  std::map<std::string_view, const engine::MappingMetricsView*> by_uuid;
  for (const auto& v : views) by_uuid.emplace(v.uuid, &v);
  std::vector<api_models::MappingStatus> out;
  auto failed = each_mapping([&](EventSourceMapping& m) {
    const auto it = by_uuid.find(m.uuid);
    out.push_back(status_of(std::move(m), it == by_uuid.end() ? nullptr : it->second, false));
  });
  if (failed) return error_response(*failed, req);
  return json_response(200, api_models::mapping_status_list_json(out), req);
}

Response Handlers::status_one(Request& req) {
  auto got = store_.get(req.path_params.at(0));
  if (!got.ok()) return error_response(got.error(), req);
  const auto views = engine_.metrics();
  const auto view = std::find_if(views.begin(), views.end(),
                                 [&](const auto& v) { return v.uuid == got.value().uuid; });
  const auto status =
      status_of(got.value(), view == views.end() ? nullptr : &*view, /*with_invocations=*/true);
  return json_response(200, api_models::mapping_status_json(status, true), req);
}

// PUT /_esm/mappings/{UUID}/offsets: a Disabled mapping's group resumes where the body says.
Response Handlers::reset_offsets(Request& req) {
  auto reset = api_models::parse_offset_reset(req.body);
  if (!reset.ok()) return error_response(reset.error(), req);
  auto got = store_.get(req.path_params.at(0));
  if (!got.ok()) return error_response(got.error(), req);
  const auto& m = got.value();
  auto set = engine_.reset_offsets(m, reset.value());
  if (!set.ok()) return error_response(set.error(), req);
  return json_response(
      200, api_models::offset_reset_json(m.uuid, m.group_id(), m.topics.front(), set.value()), req);
}

// POST /_esm/mappings/{UUID}/invocations/{RequestId}/replay: the recorded event, sent again.
Response Handlers::replay(Request& req) {
  auto got = store_.get(req.path_params.at(0));
  if (!got.ok()) return error_response(got.error(), req);
  auto call = engine_.replay(got.value(), req.path_params.at(1));
  if (!call.ok()) return error_response(call.error(), req);
  return json_response(200, api_models::invocation_record_json(call.value()), req);
}

Response Handlers::metrics(Request&) {
  Response r;
  r.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  r.body = prometheus_text(engine_.metrics());
  return r;
}

Router make_routes(Handlers& h) {
  Router r;
  r.set_guard([&h](const Request& req) { return h.authenticate(req); });
  auto bind = [&h](Response (Handlers::*fn)(Request&)) {
    return [&h, fn](Request& req) { return (h.*fn)(req); };
  };
  r.add("POST", "/2015-03-31/event-source-mappings", bind(&Handlers::create));
  r.add("GET", "/2015-03-31/event-source-mappings", bind(&Handlers::list));
  r.add("GET", "/2015-03-31/event-source-mappings/{UUID}", bind(&Handlers::get));
  r.add("PUT", "/2015-03-31/event-source-mappings/{UUID}", bind(&Handlers::update));
  r.add("DELETE", "/2015-03-31/event-source-mappings/{UUID}", bind(&Handlers::remove));
  r.add("GET", "/2015-03-31/functions/{FunctionName}", bind(&Handlers::get_function));
  r.add("POST", "/2015-03-31/functions/{FunctionName}/invocations",
        bind(&Handlers::invoke_function), Router::Waits::Yes);
  r.add("POST", "/2017-03-31/tags/{ARN}", bind(&Handlers::tag));
  r.add("DELETE", "/2017-03-31/tags/{ARN}", bind(&Handlers::untag));
  r.add("GET", "/2017-03-31/tags/{ARN}", bind(&Handlers::list_tags));
  for (const auto& asset : dashboard_assets())
    r.add("GET", std::string(asset.path), [&asset](Request&) { return dashboard_response(asset); });
  r.add("GET", "/health", bind(&Handlers::health));
  r.add("GET", "/metrics", bind(&Handlers::metrics));
  r.add("GET", "/_esm/mappings", bind(&Handlers::status_list));
  r.add("GET", "/_esm/mappings/{UUID}", bind(&Handlers::status_one));
  r.add("PUT", "/_esm/mappings/{UUID}/offsets", bind(&Handlers::reset_offsets), Router::Waits::Yes);
  r.add("POST", "/_esm/mappings/{UUID}/invocations/{RequestId}/replay", bind(&Handlers::replay),
        Router::Waits::Yes);
  r.add("POST", "/", bind(&Handlers::secrets));
  return r;
}

}  // namespace esm::server
