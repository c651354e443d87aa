#pragma once

// The AWS calls the emulator makes itself (on-failure destinations), against whatever endpoint
// the operator names: moto's server, LocalStack, ElasticMQ, MinIO or AWS. Query protocol for
// SQS and SNS (every implementation serves it), REST for S3 (path-style), SigV4-signed with the
// operator's credentials.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "aws_client/http_client.hpp"
#include "aws_client/sigv4.hpp"

namespace esm::aws {

// arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE
struct Arn {
  std::string partition, service, region, account, resource;
};
std::optional<Arn> parse_arn(std::string_view arn);

// Where each service is reached: one endpoint for all (--aws-endpoint) and per-service ones
// (--sqs-endpoint, ...), which win.
struct ServiceEndpoints {
  std::optional<HttpEndpoint> all;
  std::map<std::string, HttpEndpoint> per_service;  // "sqs", "sns", "s3", "glue"
  const HttpEndpoint* find(const std::string& service) const;
};

// Thread-safe: each call is a request of its own.
class AwsServices {
 public:
  AwsServices(ServiceEndpoints endpoints, Credentials credentials, std::string default_region);
  bool has_endpoint(const std::string& service) const { return endpoints_.find(service); }

  // Each: nothing when the service accepted it, else why not (the service's error code and
  // message when it answered).
  std::optional<std::string> sqs_send_message(const Arn& queue, const std::string& body) const;
  std::optional<std::string> sns_publish(const Arn& topic, const std::string& message) const;
  std::optional<std::string> s3_put_object(const Arn& bucket, const std::string& key,
                                           const std::string& body) const;

  // A call of a JSON 1.1 service (Glue: "AWSGlue.GetSchemaVersion" as `target`): the service's
  // reply whatever its status, or why there is none (no endpoint configured, unreachable).
  std::variant<HttpReply, std::string> json_call(const std::string& service,
                                                 const std::string& region,
                                                 const std::string& target,
                                                 const std::string& body) const;

 private:
  std::optional<std::string> call(const std::string& service, const std::string& region,
                                  RequestToSign request) const;
  std::variant<HttpReply, std::string> exchange(const std::string& service,
                                                const std::string& region,
                                                RequestToSign request) const;
  std::optional<std::string> query_call(const std::string& service, const Arn& resource,
                                        const std::string& path,
                                        const std::multimap<std::string, std::string>& form) const;

  const ServiceEndpoints endpoints_;
  const Credentials credentials_;
  const std::string default_region_;
};

// "Code: Message" from an AWS error reply (query XML, REST XML or JSON), else its start.
std::string error_summary(std::string_view body);

}  // namespace esm::aws
