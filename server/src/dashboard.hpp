#pragma once

#include <span>
#include <string_view>

#include "http_types.hpp"

namespace esm::server {

// One file of the dashboard, compiled into the binary (server/dashboard/, embedded by
// embed.cmake into dashboard_assets.cpp at build time).
struct DashboardAsset {
  std::string_view path;  // "/" for index.html, else /_esm/dashboard/NAME
  std::string_view body;
};

std::span<const DashboardAsset> dashboard_assets();  // generated

// The asset with its type and the headers that keep the page to itself: a Content-Security-Policy
// allowing only its own scripts, styles and API, no framing, no sniffing, no caching.
Response dashboard_response(const DashboardAsset& asset);

// Whether the request is for one of the dashboard's files.
bool is_dashboard_path(std::string_view path);

}  // namespace esm::server
