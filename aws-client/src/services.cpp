#include "aws_client/services.hpp"

#include <vector>

namespace esm::aws {

namespace {

constexpr auto kRequestTimeout = std::chrono::seconds(10);

std::string form_encode(const std::multimap<std::string, std::string>& form) {
  std::string out;
  for (const auto& [k, v] : form) {
    if (!out.empty()) out += '&';
    out += uri_encode(k, false) + "=" + uri_encode(v, false);
  }
  return out;
}

// The text between <tag> and </tag>, if there is one.
std::optional<std::string_view> xml_element(std::string_view body, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  const auto start = body.find(open);
  if (start == std::string_view::npos) return std::nullopt;
  const auto end = body.find(close, start);
  if (end == std::string_view::npos) return std::nullopt;
  return body.substr(start + open.size(), end - start - open.size());
}

// The string value of "name" in a flat JSON error object (no escapes expected in codes).
std::optional<std::string_view> json_member(std::string_view body, std::string_view name) {
  const std::string key = "\"" + std::string(name) + "\"";
  auto at = body.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  at = body.find('"', body.find(':', at + key.size()));
  if (at == std::string_view::npos) return std::nullopt;
  const auto end = body.find('"', at + 1);
  if (end == std::string_view::npos) return std::nullopt;
  return body.substr(at + 1, end - at - 1);
}

}  // namespace

std::optional<Arn> parse_arn(std::string_view arn) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    const auto colon = arn.find(':', start);
    if (colon == std::string_view::npos) return std::nullopt;
    parts.emplace_back(arn.substr(start, colon - start));
    start = colon + 1;
  }
  if (parts[0] != "arn" || parts[2].empty() || start >= arn.size()) return std::nullopt;
  return Arn{parts[1], parts[2], parts[3], parts[4], std::string(arn.substr(start))};
}

const HttpEndpoint* ServiceEndpoints::find(const std::string& service) const {
  if (auto it = per_service.find(service); it != per_service.end()) return &it->second;
  return all ? &*all : nullptr;
}

AwsServices::AwsServices(ServiceEndpoints endpoints, Credentials credentials,
                         std::string default_region)
    : endpoints_(std::move(endpoints)),
      credentials_(std::move(credentials)),
      default_region_(std::move(default_region)) {}

std::string error_summary(std::string_view body) {
  auto code = xml_element(body, "Code");
  auto message = xml_element(body, "Message");
  if (!code) code = json_member(body, "__type");
  if (!message) message = json_member(body, "message");
  if (code) {
    std::string_view c = *code;
    if (const auto hash = c.rfind('#'); hash != std::string_view::npos) c.remove_prefix(hash + 1);
    return std::string(c) + (message ? ": " + std::string(*message) : "");
  }
  return std::string(body.substr(0, 200));
}

std::variant<HttpReply, std::string> AwsServices::exchange(const std::string& service,
                                                           const std::string& region,
                                                           RequestToSign request) const {
  const HttpEndpoint* endpoint = endpoints_.find(service);
  if (endpoint == nullptr) {
    return "no endpoint is configured for " + service + " (start the emulator with " +
           "--aws-endpoint URL or --" + service + "-endpoint URL)";
  }
  request.path = endpoint->path_prefix + request.path;
  request.headers["host"] = endpoint->host_header();
  sign(request, service, region.empty() ? default_region_ : region, credentials_,
       std::chrono::system_clock::now());
  const std::string body(request.body);
  return http_request(*endpoint, request.method, request.path, request.headers, body,
                      kRequestTimeout);
}

std::optional<std::string> AwsServices::call(const std::string& service, const std::string& region,
                                             RequestToSign request) const {
  auto reply = exchange(service, region, std::move(request));
  if (auto* why = std::get_if<std::string>(&reply)) return *why;
  const auto& r = std::get<HttpReply>(reply);
  if (r.status >= 200 && r.status < 300) return std::nullopt;
  return service + " answered HTTP " + std::to_string(r.status) + ": " + error_summary(r.body);
}

std::variant<HttpReply, std::string> AwsServices::json_call(const std::string& service,
                                                            const std::string& region,
                                                            const std::string& target,
                                                            const std::string& body) const {
  RequestToSign request{"POST", "/", {}, {}, body};
  request.headers["content-type"] = "application/x-amz-json-1.1";
  request.headers["x-amz-target"] = target;
  return exchange(service, region, std::move(request));
}

std::optional<std::string> AwsServices::query_call(
    const std::string& service, const Arn& resource, const std::string& path,
    const std::multimap<std::string, std::string>& form) const {
  const std::string body = form_encode(form);
  RequestToSign request{"POST", path, {}, {}, body};
  request.headers["content-type"] = "application/x-www-form-urlencoded; charset=utf-8";
  return call(service, resource.region, std::move(request));
}

std::optional<std::string> AwsServices::sqs_send_message(const Arn& queue,
                                                         const std::string& body) const {
  // The queue URL as AWS forms it (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME), on the
  // endpoint given: the request goes to the queue's path, as the SDKs send it.
  const std::string path = "/" + queue.account + "/" + queue.resource;
  const HttpEndpoint* endpoint = endpoints_.find("sqs");
  const std::string url =
      endpoint ? "http://" + endpoint->host_header() + endpoint->path_prefix + path : path;
  return query_call("sqs", queue, path,
                    {{"Action", "SendMessage"},
                     {"Version", "2012-11-05"},
                     {"QueueUrl", url},
                     {"MessageBody", body}});
}

std::optional<std::string> AwsServices::sns_publish(const Arn& topic,
                                                    const std::string& message) const {
  const std::string arn = "arn:" + topic.partition + ":sns:" + topic.region + ":" + topic.account +
                          ":" + topic.resource;
  return query_call(
      "sns", topic, "/",
      {{"Action", "Publish"}, {"Version", "2010-03-31"}, {"TopicArn", arn}, {"Message", message}});
}

std::optional<std::string> AwsServices::s3_put_object(const Arn& bucket, const std::string& key,
                                                      const std::string& body) const {
  // Path-style (/BUCKET/KEY): it needs no DNS for the bucket's name, and every S3 serves it.
  RequestToSign request{
      "PUT", "/" + uri_encode(bucket.resource, false) + "/" + uri_encode(key, true), {}, {}, body};
  request.headers["content-type"] = "application/json";
  return call("s3", bucket.region, std::move(request));
}

}  // namespace esm::aws
