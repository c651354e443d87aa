#pragma once
// Force-included before every api-models source (see CMakeLists.txt): RapidJSON is configured
// once, here. A broken RapidJSON precondition throws (caught at the module edge) instead of
// aborting the process.
#include <stdexcept>
#define RAPIDJSON_HAS_STDSTRING 1
#define RAPIDJSON_ASSERT_THROWS 1
#define RAPIDJSON_ASSERT(x) \
  if (!(x)) throw std::logic_error("rapidjson: " #x)
