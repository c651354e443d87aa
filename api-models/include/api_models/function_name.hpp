#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace esm::api_models {

// A FunctionName in any form the model allows: name, name:qualifier, partial ARN
// ([region:]account:function:name[:qualifier]) or full ARN.
struct FunctionRef {
  std::string name;
  std::optional<std::string> qualifier;
  std::optional<std::string> region;
  std::optional<std::string> account_id;

  // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER], the qualifier kept as given.
  std::string arn(std::string_view default_region, std::string_view default_account) const;
};

// Splits a FunctionName that already passed the model pattern; nothing when it does not parse.
std::optional<FunctionRef> parse_function_name(std::string_view text);

}  // namespace esm::api_models
