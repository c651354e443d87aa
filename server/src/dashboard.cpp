#include "dashboard.hpp"

#include <algorithm>

namespace esm::server {

namespace {

std::string_view content_type(std::string_view path) {
  if (path.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (path.ends_with(".css")) return "text/css; charset=utf-8";
  if (path.ends_with(".svg")) return "image/svg+xml";
  return "text/html; charset=utf-8";
}

}  // namespace

Response dashboard_response(const DashboardAsset& asset) {
  Response r;
  r.headers.emplace_back("Content-Type", std::string(content_type(asset.path)));
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'none'; script-src 'self'; style-src 'self'; "
                         "connect-src 'self'; img-src 'self'; base-uri 'none'; "
                         "form-action 'none'; frame-ancestors 'none'");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Cache-Control", "no-store");
  r.body = std::string(asset.body);
  return r;
}

bool is_dashboard_path(std::string_view path) {
  const auto assets = dashboard_assets();
  return std::any_of(assets.begin(), assets.end(),
                     [&](const DashboardAsset& a) { return a.path == path; });
}

}  // namespace esm::server
