#include "aws_client/sigv4.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>
#include <vector>

namespace esm::aws {

using Clock = std::chrono::system_clock;

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const auto pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) return out;
    start = pos + 1;
  }
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr);
  return hex(std::string_view(reinterpret_cast<const char*>(md.data()), len));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md.data(), &len);
  return std::string(reinterpret_cast<const char*>(md.data()), len);
}

std::string uri_encode(std::string_view in, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size());
  for (unsigned char c : in) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 15]);
    }
  }
  return out;
}

std::string canonical_uri(std::string_view raw_path) {
  if (raw_path.empty()) return "/";
  std::vector<std::string_view> kept;
  for (auto segment : split(raw_path, '/')) {
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (!kept.empty()) kept.pop_back();
      continue;
    }
    kept.push_back(segment);
  }
  std::string path = raw_path.front() == '/' ? "/" : "";
  for (std::size_t i = 0; i < kept.size(); ++i) {
    if (i > 0) path += '/';
    path += kept[i];
  }
  if (raw_path.back() == '/' && !kept.empty()) path += '/';
  return uri_encode(path, true);
}

std::string canonical_query(const std::multimap<std::string, std::string>& query,
                            std::string_view skip) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& [k, v] : query) {
    if (!skip.empty() && k == skip) continue;
    pairs.emplace_back(uri_encode(k, false), uri_encode(v, false));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

std::optional<Clock::time_point> parse_amz_date(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  auto digits = [&](std::size_t from, std::size_t n) -> int {
    int v = 0;
    for (std::size_t i = from; i < from + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  const int year = digits(0, 4), month = digits(4, 2), day = digits(6, 2);
  const int hour = digits(9, 2), minute = digits(11, 2), second = digits(13, 2);
  // Years past 2200 would overflow the clock's nanoseconds (found by the fuzzer).
  if (year < 1970 || year > 2200 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || second < 0 || second > 60) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year(year),
                                        std::chrono::month(static_cast<unsigned>(month)),
                                        std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) return std::nullopt;
  return Clock::time_point(std::chrono::sys_days(ymd).time_since_epoch() +
                           std::chrono::hours(hour) + std::chrono::minutes(minute) +
                           std::chrono::seconds(second));
}

std::string format_amz_date(Clock::time_point t) {
  const std::time_t tt = Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service) {
  const std::string k_date = hmac_sha256("AWS4" + std::string(secret), date);
  const std::string k_region = hmac_sha256(k_date, region);
  const std::string k_service = hmac_sha256(k_region, service);
  return hmac_sha256(k_service, "aws4_request");
}

void sign(RequestToSign& req, std::string_view service, std::string_view region,
          const Credentials& credentials, Clock::time_point now) {
  const std::string amz_date = format_amz_date(now);
  const std::string date = amz_date.substr(0, 8);
  const std::string payload_hash = sha256_hex(req.body);
  req.headers["x-amz-date"] = amz_date;
  req.headers["x-amz-content-sha256"] = payload_hash;
  if (!credentials.session_token.empty())
    req.headers["x-amz-security-token"] = credentials.session_token;
  std::string names, canonical_headers;
  for (const auto& [name, value] : req.headers) {  // a std::map: sorted by name
    if (name == "authorization") continue;
    if (!names.empty()) names += ';';
    names += name;
    canonical_headers += name + ":" + value + "\n";
  }
  const std::string uri = service == "s3" ? req.path : canonical_uri(req.path);
  const std::string canonical = req.method + "\n" + uri + "\n" + canonical_query(req.query, "") +
                                "\n" + canonical_headers + "\n" + names + "\n" + payload_hash;
  const std::string scope =
      date + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
  const std::string to_sign =
      "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + sha256_hex(canonical);
  const std::string key = signing_key(credentials.secret_access_key, date, region, service);
  req.headers["authorization"] = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" +
                                 scope + ", SignedHeaders=" + names +
                                 ", Signature=" + hex(hmac_sha256(key, to_sign));
}

}  // namespace esm::aws
