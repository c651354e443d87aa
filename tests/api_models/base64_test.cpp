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
  // Every byte value, against Python's base64 module (base64.b64encode(bytes(range(256)))).
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  CHECK(base64(all) ==
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQk"
        "NERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWG"
        "h4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIyc"
        "rLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==");
  // Every 12-bit group in both halves of a 3-byte group, read back by the bit-by-bit decoder.
  std::string groups;
  for (unsigned n = 0; n < 4096; ++n) {
    const unsigned v = (n << 12) | (4095 - n);
    groups += {static_cast<char>(v >> 16), static_cast<char>((v >> 8) & 0xff),
               static_cast<char>(v & 0xff)};
  }
  CHECK(from_base64(base64(groups)) == groups);
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
