#pragma once

#include <avro.h>

#include <cstddef>
#include <functional>
#include <optional>

namespace esm::schema_registry::avro_limits {

// What Apache Avro's C library may do with a record's bytes, which come from Kafka and are as
// untrusted as a client's: its allocations are capped and a failed read's leftovers freed
// (ReadGuard), and a recursive schema's records are read with the stack their nesting may need.

// Every allocation of the library goes through a capped allocator from now on (once a process).
void use_capped_allocator();

// One record's read, on this thread: while it lives, the library may take about 64 bytes for
// each of the record's bytes (and 1 MB), no more. Not nested.
class ReadGuard {
 public:
  explicit ReadGuard(std::size_t body_bytes);
  ~ReadGuard();
  ReadGuard(const ReadGuard&) = delete;
  ReadGuard& operator=(const ReadGuard&) = delete;

  // The read into `value` failed: the value is destroyed, then what the read allocated and left
  // outside it (the library leaks a string's buffer when the record ends first) is freed.
  static void failed(avro_value_t& value);
};

// How a schema nests: whether it refers to itself, and how many nodes that nest it has.
struct Nesting {
  bool recursive = false;
  std::size_t nesting_nodes = 0;  // records, unions, arrays and maps, links not followed
};
Nesting nesting_of(avro_schema_t schema);

// Whether some record contains itself through records alone (fields and links, no union, array
// or map on the way): then no value of it is finite, and reading one would never end.
bool has_endless_record(avro_schema_t schema);

// The stack reading a record of `body_bytes` of a recursive schema may need: 0 when any thread's
// will do, none when it is more than a thread is given.
std::optional<std::size_t> stack_for(const Nesting& nesting, std::size_t body_bytes);

// Runs `fn` on a thread of its own with `stack` bytes of stack and waits for it; false when no
// such thread could be made (then `fn` did not run).
bool run_with_stack(std::size_t stack, const std::function<void()>& fn);

}  // namespace esm::schema_registry::avro_limits
