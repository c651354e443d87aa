#include "api_models/base64.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace esm::api_models;

TEST_CASE("base64: RFC 4648's test vectors, and bytes of every value", "[api_models]") {
  CHECK(base64("") == "");
  CHECK(base64("f") == "Zg==");
  CHECK(base64("fo") == "Zm8=");
  CHECK(base64("foo") == "Zm9v");
  CHECK(base64("foob") == "Zm9vYg==");
  CHECK(base64("fooba") == "Zm9vYmE=");
  CHECK(base64("foobar") == "Zm9vYmFy");
  CHECK(base64(std::string("\xff\xfe\x00\x80", 4)) == "//4AgA==");
  std::string out = "prefix:";
  append_base64(out, "foo");
  CHECK(out == "prefix:Zm9v");
}

TEST_CASE("from_base64 reverses base64 and refuses what is not base64", "[api_models]") {
  const std::string samples[] = {"",     "f",     "fo",     "foo",
                                 "foob", "fooba", "foobar", std::string("\0\xff\x80", 3)};
  for (const auto& s : samples) CHECK(from_base64(base64(s)) == s);
  CHECK_FALSE(from_base64("Zm9v!"));     // not the alphabet
  CHECK_FALSE(from_base64("Zm9"));       // not a multiple of 4
  CHECK_FALSE(from_base64("Zg==Zm9v"));  // data after the padding
  CHECK_FALSE(from_base64("syntax = \"proto3\";"));
}
