#pragma once

#include <rapidjson/document.h>

#include <boost/regex.hpp>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace esm::api_models {

// The Lambda service model subset (api-models/model/lambda-esm-model.json, embedded at build
// time), and a validator that checks request values against its shape constraints. Built once,
// immutable afterwards: any thread may call it.
class ShapeModel {
 public:
  static const ShapeModel& get();

  // Validates `value` against `shape`; each failure is one AWS-style sentence
  // ("Value 'x' at 'batchSize' failed to satisfy constraint: Member must ...").
  // Members bound to the URI or query string are skipped (the router validates those).
  void validate(std::string_view shape, const rapidjson::Value& value, const std::string& path,
                std::vector<std::string>& failures) const;

  // Validates a scalar that arrived as text (path or query parameter) against a string shape.
  void validate_text(std::string_view shape, std::string_view text, const std::string& path,
                     std::vector<std::string>& failures) const;

  const rapidjson::Value* shape(std::string_view name) const;
  const rapidjson::Document& document() const { return doc_; }
  // True when `text` matches the model pattern of string shape `shape` as a whole.
  bool matches_pattern(std::string_view shape, std::string_view text) const;

 private:
  ShapeModel();
  void check_string(const rapidjson::Value& shape_def, std::string_view shape_name,
                    std::string_view text, std::vector<std::string>& rules) const;
  void validate_members(const rapidjson::Value& shape_def, const rapidjson::Value& value,
                        const std::string& path, std::vector<std::string>& failures) const;
  void validate_list(const rapidjson::Value& shape_def, const rapidjson::Value& value,
                     const std::string& path, std::vector<std::string>& failures) const;
  void validate_map(const rapidjson::Value& shape_def, const rapidjson::Value& value,
                    const std::string& path, std::vector<std::string>& failures) const;
  rapidjson::Document doc_;
  std::map<std::string, boost::regex, std::less<>> patterns_;
};

// Joins failures into AWS's ValidationException message ("N validation error(s) detected: ...").
std::string validation_message(const std::vector<std::string>& failures);

// Java String.length(): UTF-16 code units of a UTF-8 string.
std::size_t utf16_length(std::string_view utf8);

}  // namespace esm::api_models
