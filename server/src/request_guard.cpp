#include "request_guard.hpp"

namespace esm::server {

std::optional<api_models::ApiError> cross_origin_refusal(const Request& req) {
  if (req.method == "GET" || req.method == "HEAD") return std::nullopt;
  const std::string& site = req.header("sec-fetch-site");
  if (!site.empty() && site != "same-origin" && site != "none") {
    return api_models::ApiError{api_models::ErrorCode::AccessDenied,
                                "Refused a " + site +
                                    " request from a browser page (Sec-Fetch-Site): only the "
                                    "emulator's own pages may change its mappings."};
  }
  const std::string& origin = req.header("origin");
  if (!origin.empty() && origin != "http://" + req.header("host")) {
    return api_models::ApiError{api_models::ErrorCode::AccessDenied,
                                "Refused a request from the page at " + origin +
                                    ": only the emulator's own pages may change its mappings."};
  }
  return std::nullopt;
}

bool same_secret(std::string_view given, std::string_view expected) {
  if (expected.empty() || given.size() != expected.size()) return false;  // lengths are not secret
  unsigned char differ = 0;
  for (std::size_t i = 0; i < given.size(); ++i)
    differ |= static_cast<unsigned char>(given[i] ^ expected[i]);
  return differ == 0;
}

}  // namespace esm::server
