#include "shape_model.hpp"

#include <stdexcept>

#include "json_util.hpp"

namespace esm::api_models {

extern const std::string_view kEmbeddedModel;

namespace {

// Java reads a '-' right after a range inside [...] ("[a-z0-9-_]") as a literal; Boost calls it
// an invalid range. Escape such dashes (and leading or trailing ones) so both read it the same.
std::string escape_literal_dashes(const std::string& in) {
  std::string out;
  bool in_class = false;
  bool class_start = false;
  bool after_range = false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (!in_class) {
      out += c;
      if (c == '\\' && i + 1 < in.size()) {
        out += in[++i];
      } else if (c == '[') {
        in_class = true;
        class_start = true;
        after_range = false;
        if (i + 1 < in.size() && in[i + 1] == '^') out += in[++i];
      }
      continue;
    }
    if (c == ']' && !class_start) {
      in_class = false;
      out += c;
      continue;
    }
    if (c == '-') {
      const bool literal = class_start || after_range || (i + 1 < in.size() && in[i + 1] == ']');
      if (literal) {
        out += "\\-";
        class_start = false;
        after_range = false;
        continue;
      }
      out += c;
      // The range's upper end follows; copy it (escaped or not) and remember the range closed.
      if (i + 1 < in.size()) {
        out += in[++i];
        if (in[i] == '\\' && i + 1 < in.size()) out += in[++i];
      }
      after_range = true;
      class_start = false;
      continue;
    }
    out += c;
    if (c == '\\' && i + 1 < in.size()) out += in[++i];
    class_start = false;
    after_range = false;
  }
  return out;
}

// Java's \p{L}, \p{Z}, \p{N} have no byte-regex equivalent: the pattern keeps their ASCII part
// and the subject has each non-ASCII code point replaced by a letter (all such tag characters
// are letters, marks or digits in practice), so the pattern sees a same-length stand-in.
std::string translate_pattern(std::string pattern) {
  pattern = escape_literal_dashes(pattern);
  const std::pair<std::string_view, std::string_view> classes[] = {
      {"\\p{L}", "a-zA-Z"}, {"\\p{Z}", " "}, {"\\p{N}", "0-9"}};
  for (const auto& [from, to] : classes) {
    for (auto pos = pattern.find(from); pos != std::string::npos; pos = pattern.find(from, pos)) {
      pattern.replace(pos, from.size(), to);
      pos += to.size();
    }
  }
  return pattern;
}

std::string ascii_stand_in(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if ((c & 0xC0) != 0x80) {
      out.push_back('a');  // first byte of a multi-byte sequence
    }
  }
  return out;
}

// AWS prints enum sets in the order of its own (Java) set, which differs from the model's for
// some enums. Orders recorded from real AWS responses (reference/aws-esm-kafka.md §6.1).
std::string_view recorded_enum_order(std::string_view shape) {
  if (shape == "EventSourcePosition") return "[LATEST, AT_TIMESTAMP, TRIM_HORIZON]";
  return {};
}

std::string quote(std::string_view value, const std::string& path, std::string_view rule) {
  return "Value '" + std::string(value) + "' at '" + path +
         "' failed to satisfy constraint: " + std::string(rule);
}

std::string member_path(const std::string& parent, std::string_view member) {
  return parent.empty() ? camel(member) : parent + "." + camel(member);
}

// The length limits of a string, list or map shape, as AWS words them.
void check_count(const rapidjson::Value& def, std::uint64_t n, std::vector<std::string>& rules) {
  if (const auto* mx = find(def, "max"); mx && n > mx->GetUint64()) {
    rules.push_back("Member must have length less than or equal to " +
                    std::to_string(mx->GetUint64()));
  }
  if (const auto* mn = find(def, "min"); mn && n < mn->GetUint64()) {
    rules.push_back("Member must have length greater than or equal to " +
                    std::to_string(mn->GetUint64()));
  }
}

}  // namespace

std::size_t utf16_length(std::string_view utf8) {
  std::size_t n = 0;
  for (unsigned char c : utf8) {
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    n += (c >= 0xF0) ? 2 : 1;          // 4-byte sequences are surrogate pairs in UTF-16
  }
  return n;
}

const ShapeModel& ShapeModel::get() {
  static const ShapeModel model;  // immutable after construction
  return model;
}

ShapeModel::ShapeModel() {
  doc_.Parse(kEmbeddedModel.data(), kEmbeddedModel.size());
  if (doc_.HasParseError() || !doc_.IsObject())
    throw std::logic_error("embedded model is not JSON");
  for (const auto& s : doc_["shapes"].GetObject()) {
    if (const auto* p = find(s.value, "pattern"); p && p->IsString()) {
      patterns_.emplace(s.name.GetString(),
                        boost::regex(translate_pattern(p->GetString()), boost::regex::perl));
    }
  }
}

const rapidjson::Value* ShapeModel::shape(std::string_view name) const {
  return find(doc_["shapes"], name);
}

bool ShapeModel::matches_pattern(std::string_view shape_name, std::string_view text) const {
  auto it = patterns_.find(shape_name);
  if (it == patterns_.end()) return true;
  const std::string subject = ascii_stand_in(text);
  try {
    return boost::regex_match(subject, it->second, boost::match_not_dot_newline);
  } catch (const std::runtime_error&) {
    return false;  // Boost gave up on a pathological subject: treat as no match
  }
}

void ShapeModel::check_string(const rapidjson::Value& def, std::string_view shape_name,
                              std::string_view text, std::vector<std::string>& rules) const {
  check_count(def, utf16_length(text), rules);
  if (const auto* en = find(def, "enum")) {
    bool found = false;
    for (const auto& e : en->GetArray()) {
      found = found || std::string_view(e.GetString(), e.GetStringLength()) == text;
    }
    if (!found) {
      std::string set(recorded_enum_order(shape_name));
      if (set.empty()) {
        set = "[";
        for (const auto& e : en->GetArray()) {
          if (set.size() > 1) set += ", ";
          set += e.GetString();
        }
        set += "]";
      }
      rules.push_back("Member must satisfy enum value set: " + set);
    }
  }
  if (const auto* p = find(def, "pattern"); p && !matches_pattern(shape_name, text)) {
    rules.push_back(std::string("Member must satisfy regular expression pattern: ") +
                    p->GetString());
  }
}

void ShapeModel::validate_text(std::string_view shape_name, std::string_view text,
                               const std::string& path, std::vector<std::string>& failures) const {
  const auto* def = shape(shape_name);
  if (def == nullptr) return;
  const std::string_view type = (*def)["type"].GetString();
  if (type == "integer" || type == "long") {
    rapidjson::Document d;
    d.Parse(std::string(text).c_str());
    if (d.HasParseError() || !d.IsInt64()) {
      failures.push_back(quote(text, path, "Member must be an integer"));
      return;
    }
    validate(shape_name, d, path, failures);
    return;
  }
  std::vector<std::string> rules;
  check_string(*def, shape_name, text, rules);
  for (const auto& r : rules) failures.push_back(quote(text, path, r));
}

namespace {

// The value limits of an integer or long shape.
void check_range(const rapidjson::Value& def, std::int64_t v, std::vector<std::string>& rules) {
  if (const auto* mx = find(def, "max"); mx && v > mx->GetInt64()) {
    rules.push_back("Member must have value less than or equal to " +
                    std::to_string(mx->GetInt64()));
  }
  if (const auto* mn = find(def, "min"); mn && v < mn->GetInt64()) {
    rules.push_back("Member must have value greater than or equal to " +
                    std::to_string(mn->GetInt64()));
  }
}

// Each rule `value` (at `path`) fails, as one failure sentence.
void quote_all(const rapidjson::Value& value, const std::string& path,
               const std::vector<std::string>& rules, std::vector<std::string>& failures) {
  if (rules.empty()) return;
  const std::string shown = render_value(value);
  for (const auto& r : rules) failures.push_back(quote(shown, path, r));
}

}  // namespace

void ShapeModel::validate(std::string_view shape_name, const rapidjson::Value& value,
                          const std::string& path, std::vector<std::string>& failures) const {
  const auto* def = shape(shape_name);
  if (def == nullptr) return;
  const std::string_view type = (*def)["type"].GetString();
  std::vector<std::string> rules;  // what the value fails as a whole
  if (type == "structure") {
    if (value.IsObject()) {
      validate_members(*def, value, path, failures);
    } else {
      rules.push_back("Member must be a structure");
    }
  } else if (type == "list") {
    if (value.IsArray()) {
      validate_list(*def, value, path, failures);
    } else {
      rules.push_back("Member must be a list");
    }
  } else if (type == "map") {
    if (value.IsObject()) {
      validate_map(*def, value, path, failures);
    } else {
      rules.push_back("Member must be a map");
    }
  } else if (type == "string") {
    if (value.IsString()) {
      check_string(*def, shape_name, std::string_view(value.GetString(), value.GetStringLength()),
                   rules);
    } else {
      rules.push_back("Member must be a string");
    }
  } else if (type == "integer" || type == "long") {
    if (value.IsInt64()) {
      check_range(*def, value.GetInt64(), rules);
    } else {
      rules.push_back("Member must be an integer");
    }
  } else if (type == "boolean") {
    if (!value.IsBool()) rules.push_back("Member must be a boolean");
  } else if (type == "timestamp") {
    if (!value.IsNumber()) rules.push_back("Member must be a timestamp in epoch seconds");
  }
  quote_all(value, path, rules, failures);
}

// A structure's required members first (null or missing), then each member present.
void ShapeModel::validate_members(const rapidjson::Value& def, const rapidjson::Value& value,
                                  const std::string& path,
                                  std::vector<std::string>& failures) const {
  const auto& members = def["members"];
  if (const auto* req = find(def, "required")) {
    for (const auto& r : req->GetArray()) {
      const auto& m = members[r.GetString()];
      if (find(m, "location")) continue;
      const auto* v = find(value, r.GetString());
      if (v == nullptr || v->IsNull()) {
        failures.push_back(
            quote("null", member_path(path, r.GetString()), "Member must not be null"));
      }
    }
  }
  for (const auto& m : members.GetObject()) {
    if (find(m.value, "location")) continue;
    const auto* v = find(value, m.name.GetString());
    if (v == nullptr || v->IsNull()) continue;
    validate(m.value["shape"].GetString(), *v, member_path(path, m.name.GetString()), failures);
  }
}

// A list's length, then each item ("path.N.member", counted from 1).
void ShapeModel::validate_list(const rapidjson::Value& def, const rapidjson::Value& value,
                               const std::string& path, std::vector<std::string>& failures) const {
  std::vector<std::string> rules;
  check_count(def, value.Size(), rules);
  quote_all(value, path, rules, failures);
  const std::string member_shape = def["member"]["shape"].GetString();
  rapidjson::SizeType i = 0;
  for (const auto& item : value.GetArray()) {
    ++i;
    const std::string item_path = path + "." + std::to_string(i) + ".member";
    if (item.IsNull()) {
      failures.push_back(quote("null", item_path, "Member must not be null"));
      continue;
    }
    validate(member_shape, item, item_path, failures);
  }
}

// A map's size and its keys' constraints (one sentence for all keys), then each value.
void ShapeModel::validate_map(const rapidjson::Value& def, const rapidjson::Value& value,
                              const std::string& path, std::vector<std::string>& failures) const {
  std::vector<std::string> rules;
  check_count(def, value.MemberCount(), rules);
  const std::string key_shape = def["key"]["shape"].GetString();
  const std::string value_shape = def["value"]["shape"].GetString();
  std::vector<std::string> key_rules;
  std::vector<std::string> value_failures;
  for (const auto& m : value.GetObject()) {
    if (const auto* kd = shape(key_shape)) {
      check_string(*kd, key_shape, std::string_view(m.name.GetString(), m.name.GetStringLength()),
                   key_rules);
    }
    const std::string vpath =
        path + "." + std::string(m.name.GetString(), m.name.GetStringLength());
    if (m.value.IsNull()) {
      value_failures.push_back(quote("null", vpath, "Member must not be null"));
    } else {
      validate(value_shape, m.value, vpath, value_failures);
    }
  }
  if (!key_rules.empty()) {
    std::string joined;
    for (const auto& r : key_rules) joined += (joined.empty() ? "" : ", ") + r;
    rules.push_back("Map keys must satisfy constraint: [" + joined + "]");
  }
  quote_all(value, path, rules, failures);
  failures.insert(failures.end(), value_failures.begin(), value_failures.end());
}

std::string validation_message(const std::vector<std::string>& failures) {
  std::string out =
      std::to_string(failures.size()) +
      (failures.size() == 1 ? " validation error detected: " : " validation errors detected: ");
  for (std::size_t i = 0; i < failures.size(); ++i) {
    if (i) out += "; ";
    out += failures[i];
  }
  return out;
}

}  // namespace esm::api_models
