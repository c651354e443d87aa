#include "api_models/base64.hpp"

namespace esm::api_models {

void append_base64(std::string& out, std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::size_t start = out.size();
  out.resize(start + (in.size() + 2) / 3 * 4);
  char* o = out.data() + start;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned n = (unsigned{p[i]} << 16) | (unsigned{p[i + 1]} << 8) | p[i + 2];
    *o++ = kAlphabet[(n >> 18) & 63];
    *o++ = kAlphabet[(n >> 12) & 63];
    *o++ = kAlphabet[(n >> 6) & 63];
    *o++ = kAlphabet[n & 63];
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

std::string base64(std::string_view in) {
  std::string out;
  append_base64(out, in);
  return out;
}

}  // namespace esm::api_models
