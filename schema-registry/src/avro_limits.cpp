#include "avro_limits.hpp"

#include <pthread.h>

#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace esm::schema_registry::avro_limits {

namespace {

// Apache Avro's C library allocates what a string's or bytes' length says before it finds the
// record shorter, and does not free that buffer when it is (a length of 2^62 asked for that
// much; fuzzing leaked 190 MB in two minutes). So every allocation it makes goes through
// capped_allocation(): none passes kMaxAvroAllocation, and while a record is read (ReadGuard) the
// record may take at most its budget, and what it allocated and did not attach to its value by
// the time the read fails is freed.
constexpr std::size_t kMaxAvroAllocation = 1u << 30;

struct ReadAllocations {
  bool reading = false;
  std::size_t budget = 0;                           // bytes the record may still take
  std::vector<std::pair<void*, std::size_t>> live;  // made during the read, not freed yet
  void forget(std::uintptr_t p) {  // by address: realloc may have freed the block already
    for (auto it = live.rbegin(); it != live.rend(); ++it) {
      if (reinterpret_cast<std::uintptr_t>(it->first) == p) {
        live.erase(std::next(it).base());
        return;
      }
    }
  }
};
thread_local ReadAllocations reading_record;

void* capped_allocation(void*, void* ptr, size_t osize, size_t nsize) {
  auto& r = reading_record;
  const auto was = reinterpret_cast<std::uintptr_t>(ptr);
  if (nsize == 0) {
    if (r.reading) r.forget(was);
    std::free(ptr);
    return nullptr;
  }
  const std::size_t growth = nsize > osize ? nsize - osize : 0;
  if (nsize > kMaxAvroAllocation || (r.reading && growth > r.budget)) return nullptr;
  void* out = std::realloc(ptr, nsize);
  if (out != nullptr && r.reading) {
    r.budget -= growth;
    if (was != 0) r.forget(was);
    r.live.emplace_back(out, nsize);
  }
  return out;
}

}  // namespace

void use_capped_allocator() {
  static std::once_flag once;
  std::call_once(once, [] { avro_set_allocator(capped_allocation, nullptr); });
}

// The list keeps its capacity from record to record (this runs for every record decoded).
ReadGuard::ReadGuard(std::size_t body_bytes) {
  reading_record.reading = true;
  reading_record.budget = 64 * body_bytes + (1u << 20);
  reading_record.live.clear();
}

ReadGuard::~ReadGuard() {
  reading_record.reading = false;
  reading_record.live.clear();
}

void ReadGuard::failed(avro_value_t& value) {
  avro_value_decref(&value);
  for (auto& [p, size] : reading_record.live) std::free(p);
  reading_record.live.clear();
}

// Apache Avro's C library reads, resets and frees a value recursively, and a recursive schema
// nests as deep as a record's bytes go: a crafted record of a megabyte overflowed a thread's
// stack. So a record that could nest deeper than a thread's stack safely holds is decoded on a
// thread of its own with a stack to match, and one that could need more than kMaxDeepStack is
// refused. The bound: every level of nesting that consumes no byte passes a record, union,
// array or map of the schema (a cycle through records alone has no finite value and is refused
// when the schema is compiled), so a record of n bytes nests at most n x (those nodes) deep;
// Avro's C library takes about 140 bytes of stack a level here, kStackPerLevel leaves room for
// sanitizer builds.
constexpr std::size_t kStackPerLevel = 512;
constexpr std::size_t kInlineStack = 1u << 20;   // of a decode thread's 8 MB
constexpr std::size_t kMaxDeepStack = 1u << 30;  // virtual; only what a record reaches is used

Nesting nesting_of(avro_schema_t s) {
  Nesting n;
  std::vector<avro_schema_t> todo{s};
  while (!todo.empty()) {  // the schema as written: a tree, links are its leaves
    avro_schema_t at = todo.back();
    todo.pop_back();
    switch (avro_typeof(at)) {
      case AVRO_RECORD:
        ++n.nesting_nodes;
        for (size_t i = 0; i < avro_schema_record_size(at); ++i)
          todo.push_back(avro_schema_record_field_get_by_index(at, static_cast<int>(i)));
        break;
      case AVRO_UNION:
        ++n.nesting_nodes;
        for (size_t i = 0; i < avro_schema_union_size(at); ++i)
          todo.push_back(avro_schema_union_branch(at, static_cast<int>(i)));
        break;
      case AVRO_ARRAY:
        ++n.nesting_nodes;
        todo.push_back(avro_schema_array_items(at));
        break;
      case AVRO_MAP:
        ++n.nesting_nodes;
        todo.push_back(avro_schema_map_values(at));
        break;
      case AVRO_LINK:
        n.recursive = true;
        break;
      default:
        break;
    }
  }
  return n;
}

bool has_endless_record(avro_schema_t root) {
  enum Color { Open, Done };
  std::map<avro_schema_t, Color> color;
  std::vector<avro_schema_t> roots{root};
  // Depth-first along record fields; a union, array or map starts a search of its own later.
  struct Frame {
    avro_schema_t record;
    size_t next_field;
  };
  auto resolve = [](avro_schema_t s) { return is_avro_link(s) ? avro_schema_link_target(s) : s; };
  while (!roots.empty()) {
    std::vector<Frame> path;
    auto enter = [&](avro_schema_t s) {  // false: an endless record found
      s = resolve(s);
      switch (avro_typeof(s)) {
        case AVRO_RECORD: {
          auto it = color.find(s);
          if (it != color.end()) return it->second == Done;
          color[s] = Open;
          path.push_back({s, 0});
          return true;
        }
        case AVRO_UNION:
          for (size_t i = 0; i < avro_schema_union_size(s); ++i)
            roots.push_back(avro_schema_union_branch(s, static_cast<int>(i)));
          return true;
        case AVRO_ARRAY:
          roots.push_back(avro_schema_array_items(s));
          return true;
        case AVRO_MAP:
          roots.push_back(avro_schema_map_values(s));
          return true;
        default:
          return true;
      }
    };
    avro_schema_t start = roots.back();
    roots.pop_back();
    if (!enter(start)) return true;
    while (!path.empty()) {
      Frame& f = path.back();
      if (f.next_field == avro_schema_record_size(f.record)) {
        color[f.record] = Done;
        path.pop_back();
        continue;
      }
      const int i = static_cast<int>(f.next_field++);
      if (!enter(avro_schema_record_field_get_by_index(f.record, i))) return true;
    }
  }
  return false;
}

std::optional<std::size_t> stack_for(const Nesting& nesting, std::size_t body_bytes) {
  const std::size_t stack = (body_bytes + 1) * nesting.nesting_nodes * kStackPerLevel;
  if (stack > kMaxDeepStack) return std::nullopt;
  return stack > kInlineStack ? stack : 0;
}

bool run_with_stack(std::size_t stack, const std::function<void()>& fn) {
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) return false;
  pthread_t thread;
  const bool started = pthread_attr_setstacksize(&attr, stack) == 0 &&
                       pthread_create(
                           &thread, &attr,
                           [](void* arg) -> void* {
                             (*static_cast<const std::function<void()>*>(arg))();
                             return nullptr;
                           },
                           const_cast<std::function<void()>*>(&fn)) == 0;
  pthread_attr_destroy(&attr);
  if (started) pthread_join(thread, nullptr);
  return started;
}

}  // namespace esm::schema_registry::avro_limits
