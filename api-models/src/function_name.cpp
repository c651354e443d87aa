#include "api_models/function_name.hpp"

#include <vector>

namespace esm::api_models {

namespace {
std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == sep) {
      parts.emplace_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

bool is_account(std::string_view s) {
  if (s.size() != 12) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}
// us-east-1, us-gov-west-1, eusc-de-east-1: letters and dashes ending in "-<digit>".
bool is_region(std::string_view s) {
  return s.size() >= 4 && s[s.size() - 2] == '-' && s.back() >= '0' && s.back() <= '9' &&
         s[0] >= 'a' && s[0] <= 'z';
}
}  // namespace

std::string FunctionRef::arn(std::string_view default_region,
                             std::string_view default_account) const {
  std::string out = "arn:aws:lambda:";
  out += region ? *region : std::string(default_region);
  out += ":";
  out += account_id ? *account_id : std::string(default_account);
  out += ":function:" + name;
  if (qualifier) out += ":" + *qualifier;
  return out;
}

std::optional<FunctionRef> parse_function_name(std::string_view text) {
  auto parts = split(text, ':');
  FunctionRef ref;
  std::size_t i = 0;
  if (parts.size() >= 6 && parts[0] == "arn") {
    // arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
    if (parts[2] != "lambda") return std::nullopt;
    ref.region = parts[3];
    ref.account_id = parts[4];
    i = 5;
  } else {
    // [REGION:][ACCOUNT:][function:]NAME[:QUALIFIER]
    if (parts.size() >= 3 && is_region(parts[i])) {
      ref.region = parts[i++];
    }
    if (parts.size() > i + 1 && is_account(parts[i])) ref.account_id = parts[i++];
  }
  if (parts.size() > i + 1 && parts[i] == "function") ++i;
  if (i >= parts.size() || parts[i].empty()) return std::nullopt;
  ref.name = parts[i++];
  if (i < parts.size()) ref.qualifier = parts[i++];
  if (i != parts.size()) return std::nullopt;
  return ref;
}

}  // namespace esm::api_models
