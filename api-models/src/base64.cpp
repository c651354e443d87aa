#include "api_models/base64.hpp"

#include <cstring>

namespace esm::api_models {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The two characters of every 12 bits: three input bytes become two lookups (the encoder is
// the largest single cost of delivering small records, 16 % of the instructions under callgrind).
struct Pairs {
  char chars[4096][2];
  constexpr Pairs() : chars{} {
    for (unsigned i = 0; i < 4096; ++i) {
      chars[i][0] = kAlphabet[i >> 6];
      chars[i][1] = kAlphabet[i & 63];
    }
  }
};
constexpr Pairs kPairs;

}  // namespace

void append_base64(std::string& out, std::string_view in) {
  const std::size_t start = out.size();
  out.resize(start + (in.size() + 2) / 3 * 4);
  char* o = out.data() + start;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3, o += 4) {
    const unsigned n = (unsigned{p[i]} << 16) | (unsigned{p[i + 1]} << 8) | p[i + 2];
    std::memcpy(o, kPairs.chars[n >> 12], 2);
    std::memcpy(o + 2, kPairs.chars[n & 0xfff], 2);
  }
  if (i < in.size()) {
    unsigned n = unsigned{p[i]} << 16;
    if (i + 1 < in.size()) n |= unsigned{p[i + 1]} << 8;
    *o++ = kAlphabet[(n >> 18) & 63];
    *o++ = kAlphabet[(n >> 12) & 63];
    *o++ = i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
    *o++ = '=';
  }
}

std::optional<std::string> from_base64(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(in.size() / 4 * 3);
  unsigned n = 0;
  int bits = 0;
  std::size_t padding = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    if (c >= '0' && c <= '9') v = c - '0' + 52;
    if (c == '+') v = 62;
    if (c == '/') v = 63;
    if (c == '=' && i + 2 >= in.size()) {
      ++padding;
      continue;
    }
    if (v < 0 || padding > 0) return std::nullopt;  // not the alphabet, or data after '='
    n = (n << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((n >> bits) & 0xff));
    }
  }
  return out;
}

std::string base64(std::string_view in) {
  std::string out;
  append_base64(out, in);
  return out;
}

}  // namespace esm::api_models
