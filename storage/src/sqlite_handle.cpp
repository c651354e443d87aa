#include "sqlite_handle.hpp"

namespace esm::storage {

namespace {

sqlite3_stmt* prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr) !=
      SQLITE_OK) {
    sqlite3_finalize(raw);
    return nullptr;
  }
  return raw;
}

}  // namespace

sqlite3_stmt* StatementCache::get(std::string_view sql) {
  if (auto it = statements_.find(sql); it != statements_.end()) return it->second.get();
  sqlite3_stmt* raw = prepare(db_, sql);
  if (raw != nullptr) statements_.emplace(std::string(sql), SqliteStmt(raw));
  return raw;
}

Statement::Statement(sqlite3* db, std::string_view sql) : owned_(prepare(db, sql)) {
  stmt_ = owned_.get();
}

Statement::Statement(StatementCache& cache, std::string_view sql) : stmt_(cache.get(sql)) {}

Statement::~Statement() {
  if (owned_ || stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

int Statement::step() { return stmt_ != nullptr ? sqlite3_step(stmt_) : SQLITE_MISUSE; }

std::string Statement::column_text(int index) const {
  const auto* p = sqlite3_column_text(stmt_, index);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)))
           : std::string();
}

std::int64_t Statement::column_int(int index) const { return sqlite3_column_int64(stmt_, index); }

bool exec(sqlite3* db, std::string_view sql, std::string& error) {
  char* msg = nullptr;
  const int rc = sqlite3_exec(db, std::string(sql).c_str(), nullptr, nullptr, &msg);
  if (rc != SQLITE_OK) {
    error = msg ? msg : sqlite3_errstr(rc);
    sqlite3_free(msg);
    return false;
  }
  return true;
}

}  // namespace esm::storage
