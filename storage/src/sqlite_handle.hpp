#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace esm::storage {

struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using SqliteStmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// One prepared statement with positional binds; step() returns SQLITE_ROW/DONE/error code.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  bool ok() const { return stmt_ != nullptr; }
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind_null(int index);
  int step();
  std::string column_text(int index) const;
  std::int64_t column_int(int index) const;

 private:
  SqliteStmt stmt_;
};

// Runs statements that return no rows; false (and the error text in `error`) on failure.
bool exec(sqlite3* db, std::string_view sql, std::string& error);

}  // namespace esm::storage
