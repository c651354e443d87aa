#pragma once

#include "server/config.hpp"

namespace esm::server {

// Builds the store, the engine and the HTTP server from `config`, serves until SIGINT/SIGTERM,
// then shuts down in reverse order. Returns the process exit status.
int run(const Config& config);

}  // namespace esm::server
