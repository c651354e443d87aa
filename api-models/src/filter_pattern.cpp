#include "api_models/filter_pattern.hpp"

#include <locale.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <cwctype>
#include <iterator>
#include <string>
#include <utility>

namespace esm::api_models {

namespace {

constexpr int kMaxPatternDepth = 32;
// Arrays inside arrays in the data are looked into this deep; deeper leaves are not seen (a
// hostile value cannot make matching recurse without bound).
constexpr int kMaxArrayDepth = 64;

using Json = rapidjson::Value;

// ---- Unicode helpers: UTF-8 decoding and case folding for equals-ignore-case ----

// Decodes one code point at `i`, advancing it; false on malformed UTF-8.
bool next_code_point(std::string_view s, std::size_t& i, char32_t& out) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  int extra = b0 < 0x80           ? 0
              : (b0 >> 5) == 0x6  ? 1
              : (b0 >> 4) == 0xE  ? 2
              : (b0 >> 3) == 0x1E ? 3
                                  : -1;
  if (extra < 0 || i + static_cast<std::size_t>(extra) >= s.size()) return false;
  char32_t cp = extra == 0 ? b0 : (b0 & (0x3F >> extra));
  for (int k = 1; k <= extra; ++k) {
    const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((b >> 6) != 0x2) return false;
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
  i += static_cast<std::size_t>(extra) + 1;
  out = cp;
  return true;
}

bool is_utf8(std::string_view s) {
  char32_t cp = 0;
  for (std::size_t i = 0; i < s.size();) {
    if (!next_code_point(s, i, cp)) return false;
  }
  return true;
}

bool is_ascii(std::string_view s) {
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    if (word & 0x8080808080808080ULL) return false;
  }
  for (; i < s.size(); ++i) {
    if (static_cast<unsigned char>(s[i]) & 0x80) return false;
  }
  return true;
}

// A record's value as JSON, as cheaply as is safe: ASCII needs no encoding check; a short value
// is copied into `scratch` (kScratchBytes, which must outlive the document) and parsed in place
// (its strings are not copied again) and recursively (it cannot nest deeper than the stack
// allows); a longer one, or one holding a NUL byte, is parsed iteratively, so no value can
// exhaust the stack. (RapidJSON's SIMD scanning is not enabled: it reads whole 16-byte blocks
// past the end of every other string the module parses, which AddressSanitizer rightly reports.)
constexpr std::size_t kShortValue = 2048;
constexpr std::size_t kScratchBytes = kShortValue + 1;

template <typename Document>
void parse_value(Document& doc, std::string_view v, char* scratch) {
  constexpr unsigned kIterative = rapidjson::kParseIterativeFlag;
  constexpr unsigned kValidate = rapidjson::kParseValidateEncodingFlag;
  const bool ascii = is_ascii(v);
  if (v.size() <= kShortValue && std::memchr(v.data(), 0, v.size()) == nullptr) {
    std::memcpy(scratch, v.data(), v.size());
    scratch[v.size()] = '\0';
    if (ascii) {
      doc.template ParseInsitu<rapidjson::kParseDefaultFlags>(scratch);
    } else {
      doc.template ParseInsitu<kValidate>(scratch);
    }
  } else if (ascii) {
    doc.template Parse<kIterative>(v.data(), v.size());
  } else {
    doc.template Parse<kIterative | kValidate>(v.data(), v.size());
  }
}

locale_t utf8_locale() {
  static const locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return loc;
}

// Code points folded one by one (lower case of the upper case, as Java's String methods give for
// the simple mappings); strings that are not UTF-8 stay as they are.
std::u32string case_folded(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  const locale_t loc = utf8_locale();
  char32_t cp = 0;
  for (std::size_t i = 0; i < s.size();) {
    if (!next_code_point(s, i, cp)) {
      cp = static_cast<unsigned char>(s[i]);
      ++i;
    } else if (loc != static_cast<locale_t>(nullptr)) {
      cp = static_cast<char32_t>(towlower_l(towupper_l(static_cast<wint_t>(cp), loc), loc));
    } else if (cp < 0x80) {
      cp = static_cast<char32_t>(std::tolower(static_cast<int>(cp)));
    }
    out.push_back(cp);
  }
  return out;
}

std::string_view text_of(const Json& v) { return {v.GetString(), v.GetStringLength()}; }

}  // namespace

// ---- The compiled pattern ----

namespace {

struct NumericRange {
  std::optional<double> lower, upper;
  bool lower_inclusive = false, upper_inclusive = false;
  bool contains(double x) const {
    if (lower && (lower_inclusive ? x < *lower : x <= *lower)) return false;
    if (upper && (upper_inclusive ? x > *upper : x >= *upper)) return false;
    return true;
  }
};

// One entry of a leaf's list: a value to equal or one operator.
struct Rule {
  enum class Kind {
    Null,
    String,
    Number,
    Bool,
    Prefix,
    Suffix,
    EqualsIgnoreCase,
    AnythingBut,
    Numeric,
    Exists
  };
  Kind kind = Kind::Null;
  std::string text;                   // String, Prefix, Suffix
  std::u32string folded;              // EqualsIgnoreCase
  double number = 0;                  // Number
  bool flag = false;                  // Bool; Exists (true: must exist)
  std::vector<std::string> but_text;  // AnythingBut (all strings, or all numbers)
  std::vector<double> but_numbers;
  NumericRange range;  // Numeric

  bool matches(const Json& leaf) const;
};

bool Rule::matches(const Json& leaf) const {
  switch (kind) {
    case Kind::Null:
      return leaf.IsNull();
    case Kind::String:
      return leaf.IsString() && text_of(leaf) == text;
    case Kind::Number:
      return leaf.IsNumber() && leaf.GetDouble() == number;
    case Kind::Bool:
      return leaf.IsBool() && leaf.GetBool() == flag;
    case Kind::Prefix:
      return leaf.IsString() && text_of(leaf).substr(0, text.size()) == text;
    case Kind::Suffix: {
      if (!leaf.IsString() || leaf.GetStringLength() < text.size()) return false;
      return text_of(leaf).substr(leaf.GetStringLength() - text.size()) == text;
    }
    case Kind::EqualsIgnoreCase:
      return leaf.IsString() && case_folded(text_of(leaf)) == folded;
    case Kind::AnythingBut:
      if (leaf.IsString()) {
        for (const auto& t : but_text) {
          if (text_of(leaf) == t) return false;
        }
      } else if (leaf.IsNumber()) {
        for (const double n : but_numbers) {
          if (leaf.GetDouble() == n) return false;
        }
      }
      return true;
    case Kind::Numeric:
      return leaf.IsNumber() && range.contains(leaf.GetDouble());
    case Kind::Exists:
      return flag;  // asked only when the field has leaves
  }
  return false;
}

}  // namespace

// One pattern after its "$or"s are expanded: an object pattern without alternatives. A field
// may hold both a leaf list and an object pattern (one variant can name a path and a path below
// it); both must then hold.
struct RecordFilter::Node {
  struct Field {
    std::string name;
    std::optional<std::vector<Rule>> rules;  // a leaf: its list of rules, ORed
    std::unique_ptr<Node> child;             // an object pattern one level down
  };
  std::vector<Field> fields;  // ANDed
  Field& field(std::string_view name) {
    for (auto& f : fields) {
      if (f.name == name) return f;
    }
    fields.push_back(Field{std::string(name), std::nullopt, nullptr});
    return fields.back();
  }
};

namespace {

using Node = RecordFilter::Node;

// ---- Compiling (and so validating) a pattern ----

std::optional<NumericRange> compile_numeric(const Json& v) {
  if (!v.IsArray() || (v.Size() != 2 && v.Size() != 4)) return std::nullopt;
  NumericRange r;
  for (rapidjson::SizeType i = 0; i < v.Size(); i += 2) {
    if (!v[i].IsString() || !v[i + 1].IsNumber()) return std::nullopt;
    const std::string_view op = text_of(v[i]);
    const double x = v[i + 1].GetDouble();
    const bool second = i == 2;
    if (op == "=" && v.Size() == 2) {
      r.lower = r.upper = x;
      r.lower_inclusive = r.upper_inclusive = true;
    } else if ((op == ">" || op == ">=") && !second) {
      r.lower = x;
      r.lower_inclusive = op == ">=";
    } else if ((op == "<" || op == "<=") && (v.Size() == 2 || second)) {
      r.upper = x;
      r.upper_inclusive = op == "<=";
    } else {
      return std::nullopt;  // "=" in a range, two lower or two upper bounds, an unknown operator
    }
  }
  if (r.lower && r.upper && !(r.lower_inclusive && r.upper_inclusive) && *r.lower >= *r.upper)
    return std::nullopt;
  if (r.lower && r.upper && *r.lower > *r.upper) return std::nullopt;
  return r;
}

bool compile_anything_but(const Json& arg, Rule& rule) {
  rule.kind = Rule::Kind::AnythingBut;
  if (arg.IsString()) {
    rule.but_text.emplace_back(text_of(arg));
    return true;
  }
  if (arg.IsNumber()) {
    rule.but_numbers.push_back(arg.GetDouble());
    return true;
  }
  // A list: all strings or all numbers (AWS refuses a mixed list, and null or booleans in it).
  if (!arg.IsArray() || arg.Empty()) return false;
  const bool strings = arg[0].IsString();
  for (const auto& x : arg.GetArray()) {
    if (strings ? !x.IsString() : !x.IsNumber()) return false;
    if (strings) {
      rule.but_text.emplace_back(text_of(x));
    } else {
      rule.but_numbers.push_back(x.GetDouble());
    }
  }
  return true;
}

// One entry of a leaf list. The operators are Lambda's table (§9): EventBridge's wildcard, cidr
// and the anything-but / prefix / suffix sub-operators are refused.
std::optional<Rule> compile_rule(const Json& v) {
  Rule rule;
  if (v.IsNull()) return rule;
  if (v.IsString()) {
    rule.kind = Rule::Kind::String;
    rule.text = std::string(text_of(v));
    return rule;
  }
  if (v.IsNumber()) {
    rule.kind = Rule::Kind::Number;
    rule.number = v.GetDouble();
    return rule;
  }
  if (v.IsBool()) {
    rule.kind = Rule::Kind::Bool;
    rule.flag = v.GetBool();
    return rule;
  }
  if (!v.IsObject() || v.MemberCount() != 1) return std::nullopt;
  const std::string_view op = text_of(v.MemberBegin()->name);
  const Json& arg = v.MemberBegin()->value;
  if (op == "prefix" || op == "suffix" || op == "equals-ignore-case") {
    if (!arg.IsString()) return std::nullopt;
    rule.kind = op == "prefix"   ? Rule::Kind::Prefix
                : op == "suffix" ? Rule::Kind::Suffix
                                 : Rule::Kind::EqualsIgnoreCase;
    rule.text = std::string(text_of(arg));
    if (rule.kind == Rule::Kind::EqualsIgnoreCase) rule.folded = case_folded(rule.text);
    return rule;
  }
  if (op == "exists") {
    if (!arg.IsBool()) return std::nullopt;
    rule.kind = Rule::Kind::Exists;
    rule.flag = arg.GetBool();
    return rule;
  }
  if (op == "numeric") {
    auto range = compile_numeric(arg);
    if (!range) return std::nullopt;
    rule.kind = Rule::Kind::Numeric;
    rule.range = *range;
    return rule;
  }
  if (op == "anything-but" && compile_anything_but(arg, rule)) return rule;
  return std::nullopt;
}

// "$or" is expanded as event-ruler expands it: each alternative makes a variant of the whole
// pattern, and a variant is a map from a field's path to its leaf list, filled in the pattern's
// order, a later entry for the same path replacing the earlier one (so a field named both beside
// an "$or" and in one of its alternatives is decided by whichever comes last in the text).
struct LeafAt {
  std::vector<std::string> path;
  std::vector<Rule> rules;
};
using Variant = std::vector<LeafAt>;
// Past this many variants a pattern is refused: matching cost grows with them.
constexpr std::size_t kMaxVariants = 1024;

void put(Variant& v, const std::vector<std::string>& path, const std::vector<Rule>& rules) {
  for (auto& leaf : v) {
    if (leaf.path == path) {
      leaf.rules = rules;
      return;
    }
  }
  v.push_back(LeafAt{path, rules});
}

bool expand(const Json& obj, std::vector<std::string>& path, int depth,
            std::vector<Variant>& variants) {
  if (depth > kMaxPatternDepth || !obj.IsObject() || obj.MemberCount() == 0) return false;
  for (const auto& m : obj.GetObject()) {
    const std::string_view key = text_of(m.name);
    if (key == "$or") {
      if (!m.value.IsArray() || m.value.Size() < 2) return false;
      std::vector<Variant> alternatives;
      for (const auto& alt : m.value.GetArray()) {
        std::vector<Variant> branch = variants;
        if (!expand(alt, path, depth + 1, branch)) return false;
        if (alternatives.size() + branch.size() > kMaxVariants) return false;
        std::move(branch.begin(), branch.end(), std::back_inserter(alternatives));
      }
      variants = std::move(alternatives);
      continue;
    }
    path.emplace_back(key);
    bool ok = true;
    if (m.value.IsObject()) {
      ok = expand(m.value, path, depth + 1, variants);
    } else if (m.value.IsArray() && !m.value.Empty()) {
      std::vector<Rule> rules;
      for (const auto& entry : m.value.GetArray()) {
        auto rule = compile_rule(entry);
        if (!rule) {
          ok = false;
          break;
        }
        rules.push_back(std::move(*rule));
      }
      for (auto& v : variants) put(v, path, rules);
    } else {
      ok = false;
    }
    path.pop_back();
    if (!ok) return false;
  }
  return true;
}

std::shared_ptr<const Node> tree_of(const Variant& variant) {
  auto root = std::make_shared<Node>();
  for (const auto& leaf : variant) {
    Node* node = root.get();
    for (std::size_t i = 0; i + 1 < leaf.path.size(); ++i) {
      auto& f = node->field(leaf.path[i]);
      if (!f.child) f.child = std::make_unique<Node>();
      node = f.child.get();
    }
    node->field(leaf.path.back()).rules = leaf.rules;
  }
  return root;
}

// The pattern's variants (one without "$or"), or nothing when the pattern is not valid.
std::vector<std::shared_ptr<const Node>> compile_pattern(std::string_view text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(text.data(),
                                                                                    text.size());
  std::vector<Variant> variants(1);
  std::vector<std::string> path;
  if (doc.HasParseError() || !expand(doc, path, 0, variants)) return {};
  std::vector<std::shared_ptr<const Node>> out;
  for (const auto& v : variants) {
    if (!v.empty()) out.push_back(tree_of(v));
  }
  return out;
}

// ---- Matching ----

const Json* member(const Json* obj, const std::string& name) {
  if (obj == nullptr || !obj->IsObject()) return nullptr;
  auto it = obj->FindMember(rapidjson::StringRef(name.data(), name.size()));
  return it == obj->MemberEnd() ? nullptr : &it->value;
}

// The leaves under a field: the value itself, or an array's scalar elements (arrays in arrays
// looked into); objects are not leaves.
template <typename Visit>
bool any_leaf(const Json& v, int depth, const Visit& visit) {
  if (v.IsObject()) return false;
  if (!v.IsArray()) return visit(v);
  if (depth >= kMaxArrayDepth) return false;
  for (const auto& e : v.GetArray()) {
    if (any_leaf(e, depth + 1, visit)) return true;
  }
  return false;
}

bool matches_node(const Node& node, const Json* data);

bool matches_leaf_field(const std::vector<Rule>& rules, const Json* v) {
  const bool has_leaves = v != nullptr && any_leaf(*v, 0, [](const Json&) { return true; });
  for (const auto& rule : rules) {
    if (rule.kind == Rule::Kind::Exists) {
      if (rule.flag == has_leaves) return true;
    } else if (has_leaves &&
               any_leaf(*v, 0, [&](const Json& leaf) { return rule.matches(leaf); })) {
      return true;
    }
  }
  return false;
}

// An object pattern against an array: element by element (fields ANDed within one element).
bool matches_child_in_array(const Node& child, const Json& array, int depth, bool& any_element) {
  if (depth >= kMaxArrayDepth) return false;
  for (const auto& e : array.GetArray()) {
    if (e.IsArray()) {
      if (matches_child_in_array(child, e, depth + 1, any_element)) return true;
      continue;
    }
    any_element = true;
    if (matches_node(child, &e)) return true;
  }
  return false;
}

bool matches_field(const Node::Field& field, const Json* data) {
  const Json* v = member(data, field.name);
  if (field.rules && !matches_leaf_field(*field.rules, v)) return false;
  if (!field.child) return true;
  if (v != nullptr && v->IsArray()) {
    bool any_element = false;
    if (matches_child_in_array(*field.child, *v, 0, any_element)) return true;
    return !any_element && matches_node(*field.child, nullptr);
  }
  return matches_node(*field.child, v);
}

// `data` may be null (the object is absent) or not an object: every field is then absent.
bool matches_node(const Node& node, const Json* data) {
  for (const auto& field : node.fields) {
    if (!matches_field(field, data)) return false;
  }
  return true;
}

}  // namespace

namespace {
void collect_fields_besides_value(const Json& obj, std::vector<std::string>& out, int depth) {
  if (!obj.IsObject() || depth > kMaxPatternDepth) return;
  for (const auto& m : obj.GetObject()) {
    const std::string key(text_of(m.name));
    if (key == "$or" && m.value.IsArray()) {
      for (const auto& alt : m.value.GetArray()) collect_fields_besides_value(alt, out, depth + 1);
    } else if (key != "value" && std::find(out.begin(), out.end(), key) == out.end()) {
      out.push_back(key);
    }
  }
}
}  // namespace

std::vector<std::string> fields_besides_value(std::string_view pattern) {
  rapidjson::Document doc;
  doc.Parse(pattern.data(), pattern.size());
  std::vector<std::string> out;
  if (!doc.HasParseError()) collect_fields_besides_value(doc, out, 0);
  return out;
}

bool is_valid_filter_pattern(std::string_view pattern) { return !compile_pattern(pattern).empty(); }

std::optional<RecordFilter> RecordFilter::compile(const std::vector<std::string>& patterns) {
  RecordFilter filter;
  for (const auto& text : patterns) {
    auto variants = compile_pattern(text);
    if (variants.empty()) return std::nullopt;
    std::move(variants.begin(), variants.end(), std::back_inserter(filter.patterns_));
  }
  return filter;
}

bool RecordFilter::matches_event(std::string_view event_json) const {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(
      event_json.data(), event_json.size());
  if (doc.HasParseError()) return false;
  for (const auto& p : patterns_) {
    if (matches_node(*p, &doc)) return true;
  }
  return false;
}

bool RecordFilter::matches_kafka_value(std::optional<std::string_view> value) const {
  // Parsed into memory on this stack frame (a record of a few KiB needs no heap at all): the
  // matcher runs for every record the consumer takes.
  using Pool = rapidjson::MemoryPoolAllocator<>;
  alignas(8) char tree_memory[8192];
  alignas(8) char parse_memory[2048];
  char scratch[kScratchBytes];
  Pool pool(tree_memory, sizeof tree_memory, 16384);
  Pool parse_pool(parse_memory, sizeof parse_memory, 16384);
  Json event(rapidjson::kObjectType);
  if (value) {
    rapidjson::GenericDocument<rapidjson::UTF8<>, Pool, Pool> parsed(&pool, 256, &parse_pool);
    parse_value(parsed, *value, scratch);
    Json v;
    if (!parsed.HasParseError()) {
      v.Swap(parsed);
    } else if (is_utf8(*value)) {
      v.SetString(rapidjson::StringRef(value->data(), value->size()));
    } else {
      return false;  // not UTF-8: the value part of a pattern is never evaluated (§8.10)
    }
    event.AddMember("value", v, pool);
  }
  for (const auto& p : patterns_) {
    if (matches_node(*p, &event)) return true;
  }
  return false;
}

}  // namespace esm::api_models
