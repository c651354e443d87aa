#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace esm::storage {

struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using SqliteStmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// A connection's prepared statements, by their SQL text, prepared once and kept for its life
// (preparing took a seventh of a GetEventSourceMapping). Used under the connection's lock; a
// statement is in use by one Statement at a time.
class StatementCache {
 public:
  explicit StatementCache(sqlite3* db) : db_(db) {}
  // Null if it does not prepare (not kept: the next use tries again).
  sqlite3_stmt* get(std::string_view sql);

 private:
  sqlite3* db_;
  std::map<std::string, SqliteStmt, std::less<>> statements_;
};

// One prepared statement with positional binds; step() returns SQLITE_ROW/DONE/error code.
// Either its own, or borrowed from a StatementCache and reset for the next use when it goes.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  Statement(StatementCache& cache, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return stmt_ != nullptr; }
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind_null(int index);
  int step();
  std::string column_text(int index) const;
  std::int64_t column_int(int index) const;

 private:
  SqliteStmt owned_;
  sqlite3_stmt* stmt_ = nullptr;  // owned_'s, or the cache's
};

// Runs statements that return no rows; false (and the error text in `error`) on failure.
bool exec(sqlite3* db, std::string_view sql, std::string& error);

}  // namespace esm::storage
