#include "storage/mapping_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <iostream>

#include "api_models/mapping_json.hpp"
#include "api_models/uuid.hpp"
#include "sqlite_handle.hpp"

namespace esm::storage {

using api_models::ApiError;
using api_models::ErrorCode;
using api_models::Ok;

namespace {

// Forward-only migrations: entry i brings a database from version i to i + 1.
constexpr std::array<std::string_view, MappingStore::kSchemaVersion> kMigrations{{
    R"sql(
      CREATE TABLE mappings (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        function_arn TEXT NOT NULL,
        function_base_arn TEXT NOT NULL,
        event_source_arn TEXT,
        topic TEXT NOT NULL,
        doc TEXT NOT NULL
      );
      CREATE INDEX mappings_function ON mappings(function_base_arn);
      CREATE TABLE tags (
        uuid TEXT NOT NULL REFERENCES mappings(uuid) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (uuid, key)
      );
    )sql",
    R"sql(
      CREATE TABLE secrets (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        arn TEXT NOT NULL UNIQUE,
        doc TEXT NOT NULL
      );
    )sql",
}};

ApiError service_error(sqlite3* db, std::string_view what) {
  std::cerr << "storage: " << what << ": " << sqlite3_errmsg(db) << '\n';  // detail to the log
  return ApiError{ErrorCode::Service, "An internal error occurred."};
}

ApiError secret_not_found() {
  return ApiError{ErrorCode::ResourceNotFound, "Secrets Manager can't find the specified secret."};
}

// A secret whose scheduled deletion date has passed is gone: purged when next seen.
bool deletion_due(const api_models::Secret& s, double now) {
  return s.deletion_date && *s.deletion_date <= now;
}

ApiError not_found() {
  return ApiError{ErrorCode::ResourceNotFound, "The resource you requested does not exist."};
}

// arn:aws:lambda:r:a:function:name[:qualifier] -> without the qualifier.
std::string base_arn(const std::string& function_arn) {
  const auto fn = function_arn.find(":function:");
  if (fn == std::string::npos) return function_arn;
  const auto q = function_arn.find(':', fn + 10);
  return q == std::string::npos ? function_arn : function_arn.substr(0, q);
}

std::string encode_marker(std::int64_t seq) { return "esm1." + std::to_string(seq); }

std::optional<std::int64_t> decode_marker(const std::string& marker) {
  if (marker.rfind("esm1.", 0) != 0 || marker.size() > 25) return std::nullopt;
  std::int64_t v = 0;
  for (std::size_t i = 5; i < marker.size(); ++i) {
    if (marker[i] < '0' || marker[i] > '9') return std::nullopt;
    v = v * 10 + (marker[i] - '0');
  }
  return marker.size() > 5 ? std::optional(v) : std::nullopt;
}

// A transaction that rolls back unless committed.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {
    std::string err;
    active_ = exec(db_, "BEGIN IMMEDIATE", err);
  }
  ~Transaction() {
    std::string err;
    if (active_) exec(db_, "ROLLBACK", err);
  }
  bool active() const { return active_; }
  bool commit() {
    std::string err;
    const bool ok = exec(db_, "COMMIT", err);
    active_ = !ok;
    return ok;
  }

 private:
  sqlite3* db_;
  bool active_ = false;
};

}  // namespace

void MappingStore::DbCloser::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

MappingStore::MappingStore(sqlite3* db)
    : db_(db), statements_(std::make_unique<StatementCache>(db)) {}
MappingStore::~MappingStore() = default;

Result<std::unique_ptr<MappingStore>> MappingStore::open(const StoreSettings& settings) {
  const bool memory = settings.path == ":memory:";
  if (!memory) {
    // Create the file 0600 before SQLite does, so no other user can ever read it.
    const int fd = ::open(settings.path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
      return ApiError{ErrorCode::Service, "cannot open database file " + settings.path};
    }
    ::fchmod(fd, 0600);
    ::close(fd);
  }
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(settings.path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  std::unique_ptr<MappingStore> store(new MappingStore(raw));
  if (rc != SQLITE_OK) {
    return ApiError{ErrorCode::Service,
                    "cannot open database " + settings.path + ": " + sqlite3_errstr(rc)};
  }
  sqlite3_busy_timeout(raw, 5000);
  std::string err;
  const char* pragmas =
      memory ? "PRAGMA foreign_keys=ON;"
             : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;";
  if (!exec(raw, pragmas, err)) {
    return ApiError{ErrorCode::Service, "cannot use database " + settings.path + ": " + err};
  }
  Statement version(raw, "PRAGMA user_version");
  if (version.step() != SQLITE_ROW) {
    return ApiError{ErrorCode::Service, "cannot read the schema version of " + settings.path +
                                            ": " + sqlite3_errmsg(raw)};
  }
  const auto current = version.column_int(0);
  if (current > kSchemaVersion) {
    return ApiError{ErrorCode::Service,
                    "database " + settings.path + " has schema version " + std::to_string(current) +
                        ", newer than this emulator supports (" + std::to_string(kSchemaVersion) +
                        "); refusing to touch it"};
  }
  for (auto v = current; v < kSchemaVersion; ++v) {
    const std::string sql = "BEGIN IMMEDIATE;" +
                            std::string(kMigrations[static_cast<std::size_t>(v)]) +
                            "PRAGMA user_version=" + std::to_string(v + 1) + "; COMMIT;";
    if (!exec(raw, sql, err)) {
      exec(raw, "ROLLBACK", err);
      return ApiError{ErrorCode::Service, "cannot migrate database " + settings.path + ": " + err};
    }
  }
  return store;
}

Result<Ok> MappingStore::write_locked(const EventSourceMapping& m, bool insert) {
  const std::string doc = api_models::to_json(m, api_models::MappingView::Storage);
  Statement st(*statements_, insert
                                 ? "INSERT INTO mappings (uuid, function_arn, function_base_arn, "
                                   "event_source_arn, topic, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                                 : "UPDATE mappings SET function_arn=?2, function_base_arn=?3, "
                                   "event_source_arn=?4, topic=?5, doc=?6 WHERE uuid=?1");
  st.bind(1, m.uuid).bind(2, m.function_arn).bind(3, base_arn(m.function_arn));
  if (m.event_source_arn) {
    st.bind(4, *m.event_source_arn);
  } else {
    st.bind_null(4);
  }
  st.bind(5, m.topics.empty() ? std::string() : m.topics.front()).bind(6, doc);
  if (st.step() != SQLITE_DONE) return service_error(db_.get(), "write mapping");
  return Ok{};
}

Result<EventSourceMapping> MappingStore::insert(EventSourceMapping mapping,
                                                const api_models::Tags& tags) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_.get());
  if (!tx.active()) return service_error(db_.get(), "begin");
  {
    Statement st(*statements_, "SELECT doc FROM mappings WHERE function_arn=?1 AND topic=?2");
    st.bind(1, mapping.function_arn)
        .bind(2, mapping.topics.empty() ? std::string() : mapping.topics.front());
    for (int rc = st.step(); rc == SQLITE_ROW; rc = st.step()) {
      auto existing = api_models::mapping_from_storage(st.column_text(0));
      if (!existing.ok()) continue;
      if (auto msg = api_models::duplicate_message(existing.value(), mapping)) {
        return ApiError{ErrorCode::ResourceConflict, *msg};
      }
    }
  }
  mapping.uuid = api_models::random_uuid();
  if (mapping.consumer_group_id.empty()) mapping.consumer_group_id = mapping.uuid;
  if (auto w = write_locked(mapping, true); !w.ok()) return w.error();
  for (const auto& [k, v] : tags) {
    Statement st(*statements_,
                 "INSERT OR REPLACE INTO tags (uuid, key, value) VALUES (?1, ?2, ?3)");
    st.bind(1, mapping.uuid).bind(2, k).bind(3, v);
    if (st.step() != SQLITE_DONE) return service_error(db_.get(), "insert tag");
  }
  if (!tx.commit()) return service_error(db_.get(), "commit");
  cache_[mapping.uuid] = mapping;
  return mapping;
}

Result<EventSourceMapping> MappingStore::get_locked(const std::string& uuid) {
  if (auto it = cache_.find(uuid); it != cache_.end()) return it->second;
  auto read = read_locked(uuid);
  if (read.ok()) cache_.emplace(uuid, read.value());
  return read;
}

Result<EventSourceMapping> MappingStore::read_locked(const std::string& uuid) {
  Statement st(*statements_, "SELECT doc FROM mappings WHERE uuid=?1");
  st.bind(1, uuid);
  const int rc = st.step();
  if (rc == SQLITE_DONE) return not_found();
  if (rc != SQLITE_ROW) return service_error(db_.get(), "get mapping");
  return api_models::mapping_from_storage(st.column_text(0));
}

Result<EventSourceMapping> MappingStore::get(const std::string& uuid) {
  std::lock_guard lock(mutex_);
  return get_locked(uuid);
}

Result<ListPage> MappingStore::list(const ListFilter& f) {
  std::int64_t after = 0;
  if (f.marker) {
    auto m = decode_marker(*f.marker);
    if (!m) return ApiError{ErrorCode::InvalidParameterValue, "Invalid Marker: " + *f.marker};
    after = *m;
  }
  std::lock_guard lock(mutex_);
  Statement st(*statements_,
               "SELECT seq, doc FROM mappings WHERE seq > ?1 "
               "AND (?2 IS NULL OR event_source_arn = ?2) AND (?3 IS NULL OR function_arn = ?3) "
               "AND (?4 IS NULL OR function_base_arn = ?4) ORDER BY seq LIMIT ?5");
  st.bind(1, after);
  if (f.event_source_arn)
    st.bind(2, *f.event_source_arn);
  else
    st.bind_null(2);
  if (f.function_arn)
    st.bind(3, *f.function_arn);
  else
    st.bind_null(3);
  if (f.function_base_arn)
    st.bind(4, *f.function_base_arn);
  else
    st.bind_null(4);
  st.bind(5, static_cast<std::int64_t>(f.max_items) + 1);
  ListPage page;
  std::int64_t last_seq = 0;
  int rc = st.step();
  for (; rc == SQLITE_ROW; rc = st.step()) {
    if (static_cast<int>(page.mappings.size()) == f.max_items) {
      page.next_marker = encode_marker(last_seq);
      break;
    }
    auto m = api_models::mapping_from_storage(st.column_text(1));
    if (!m.ok()) return m.error();
    last_seq = st.column_int(0);
    page.mappings.push_back(std::move(m).value());
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return service_error(db_.get(), "list mappings");
  return page;
}

std::vector<EventSourceMapping> MappingStore::all() {
  std::lock_guard lock(mutex_);
  std::vector<EventSourceMapping> out;
  Statement st(*statements_, "SELECT doc FROM mappings ORDER BY seq");
  for (int rc = st.step(); rc == SQLITE_ROW; rc = st.step()) {
    if (auto m = api_models::mapping_from_storage(st.column_text(0)); m.ok())
      out.push_back(std::move(m).value());
  }
  return out;
}

Result<EventSourceMapping> MappingStore::update(
    const std::string& uuid, const std::function<Result<Ok>(EventSourceMapping&)>& mutate) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_.get());
  if (!tx.active()) return service_error(db_.get(), "begin");
  auto current = get_locked(uuid);
  if (!current.ok()) return current.error();
  EventSourceMapping m = std::move(current).value();
  if (auto r = mutate(m); !r.ok()) return r.error();
  m.uuid = uuid;
  if (auto w = write_locked(m, false); !w.ok()) return w.error();
  if (!tx.commit()) return service_error(db_.get(), "commit");
  cache_[uuid] = m;
  return m;
}

Result<Ok> MappingStore::remove(const std::string& uuid) {
  std::lock_guard lock(mutex_);
  Statement st(*statements_, "DELETE FROM mappings WHERE uuid=?1");
  st.bind(1, uuid);
  if (st.step() != SQLITE_DONE) return service_error(db_.get(), "delete mapping");
  cache_.erase(uuid);
  if (sqlite3_changes(db_.get()) == 0) return not_found();
  return Ok{};
}

Result<Ok> MappingStore::exists_locked(const std::string& uuid) {
  Statement st(*statements_, "SELECT 1 FROM mappings WHERE uuid=?1");
  st.bind(1, uuid);
  const int rc = st.step();
  if (rc == SQLITE_DONE) return not_found();
  if (rc != SQLITE_ROW) return service_error(db_.get(), "find mapping");
  return Ok{};
}

Result<api_models::Tags> MappingStore::tags(const std::string& uuid) {
  std::lock_guard lock(mutex_);
  if (auto e = exists_locked(uuid); !e.ok()) return e.error();
  api_models::Tags out;
  Statement st(*statements_, "SELECT key, value FROM tags WHERE uuid=?1 ORDER BY key");
  st.bind(1, uuid);
  for (int rc = st.step(); rc == SQLITE_ROW; rc = st.step())
    out[st.column_text(0)] = st.column_text(1);
  return out;
}

Result<Ok> MappingStore::add_tags(const std::string& uuid, const api_models::Tags& tags) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_.get());
  if (!tx.active()) return service_error(db_.get(), "begin");
  if (auto e = exists_locked(uuid); !e.ok()) return e.error();
  for (const auto& [k, v] : tags) {
    Statement st(*statements_,
                 "INSERT OR REPLACE INTO tags (uuid, key, value) VALUES (?1, ?2, ?3)");
    st.bind(1, uuid).bind(2, k).bind(3, v);
    if (st.step() != SQLITE_DONE) return service_error(db_.get(), "insert tag");
  }
  if (!tx.commit()) return service_error(db_.get(), "commit");
  return Ok{};
}

Result<Ok> MappingStore::remove_tags(const std::string& uuid,
                                     const std::vector<std::string>& keys) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_.get());
  if (!tx.active()) return service_error(db_.get(), "begin");
  if (auto e = exists_locked(uuid); !e.ok()) return e.error();
  for (const auto& k : keys) {
    Statement st(*statements_, "DELETE FROM tags WHERE uuid=?1 AND key=?2");
    st.bind(1, uuid).bind(2, k);
    if (st.step() != SQLITE_DONE) return service_error(db_.get(), "delete tag");
  }
  if (!tx.commit()) return service_error(db_.get(), "commit");
  return Ok{};
}

Result<api_models::Secret> MappingStore::find_secret_locked(const std::string& id) {
  // By name, by full ARN, or by ARN without the "-XXXXXX" suffix (a partial ARN).
  Statement st(*statements_,
               "SELECT doc FROM secrets WHERE name = ?1 OR arn = ?1 OR "
               "(length(arn) > 7 AND substr(arn, 1, length(arn) - 7) = ?1) "
               "ORDER BY (arn = ?1) DESC, (name = ?1) DESC LIMIT 1");
  st.bind(1, id);
  const int rc = st.step();
  if (rc == SQLITE_DONE) return secret_not_found();
  if (rc != SQLITE_ROW) return service_error(db_.get(), "find secret");
  auto secret = api_models::secret_from_storage(st.column_text(0));
  if (!secret.ok()) return secret.error();
  if (deletion_due(secret.value(), api_models::now_epoch_seconds())) {
    if (auto d = delete_secret_locked(secret.value().arn); !d.ok()) return d.error();
    return secret_not_found();
  }
  return secret;
}

Result<bool> MappingStore::delete_secret_locked(const std::string& arn) {
  Statement del(*statements_, "DELETE FROM secrets WHERE arn = ?1");
  del.bind(1, arn);
  if (del.step() != SQLITE_DONE) return service_error(db_.get(), "delete secret");
  return sqlite3_changes(db_.get()) > 0;
}

Result<Ok> MappingStore::write_secret_locked(const api_models::Secret& s) {
  Statement st(*statements_, "UPDATE secrets SET doc = ?2 WHERE arn = ?1");
  st.bind(1, s.arn).bind(2, api_models::secret_to_storage(s));
  if (st.step() != SQLITE_DONE) return service_error(db_.get(), "write secret");
  return Ok{};
}

Result<api_models::Secret> MappingStore::insert_secret(const api_models::Secret& secret) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_.get());
  if (!tx.active()) return service_error(db_.get(), "begin");
  if (auto existing = find_secret_locked(secret.name); existing.ok()) {
    if (existing.value().scheduled_for_deletion()) {
      return ApiError{ErrorCode::InvalidRequest,
                      "You can't create this secret because a secret with this name is already "
                      "scheduled for deletion."};
    }
    return ApiError{ErrorCode::ResourceExists,
                    "The operation failed because the secret " + secret.name + " already exists."};
  } else if (existing.error().code != ErrorCode::ResourceNotFound) {
    return existing.error();
  }
  Statement st(*statements_, "INSERT INTO secrets (name, arn, doc) VALUES (?1, ?2, ?3)");
  st.bind(1, secret.name).bind(2, secret.arn).bind(3, api_models::secret_to_storage(secret));
  if (st.step() != SQLITE_DONE) return service_error(db_.get(), "insert secret");
  if (!tx.commit()) return service_error(db_.get(), "commit");
  return secret;
}

Result<api_models::Secret> MappingStore::find_secret(const std::string& id) {
  std::lock_guard lock(mutex_);
  return find_secret_locked(id);
}

Result<api_models::Secret> MappingStore::update_secret(
    const std::string& id, const std::function<Result<Ok>(api_models::Secret&)>& mutate) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_.get());
  if (!tx.active()) return service_error(db_.get(), "begin");
  auto current = find_secret_locked(id);
  if (!current.ok()) {
    if (current.error().code == ErrorCode::ResourceNotFound) tx.commit();  // keep a purge
    return current.error();
  }
  api_models::Secret s = std::move(current).value();
  const std::string arn = s.arn;
  if (auto r = mutate(s); !r.ok()) return r.error();
  s.arn = arn;
  if (auto w = write_secret_locked(s); !w.ok()) return w.error();
  if (!tx.commit()) return service_error(db_.get(), "commit");
  return s;
}

Result<Ok> MappingStore::remove_secret(const std::string& arn) {
  std::lock_guard lock(mutex_);
  auto deleted = delete_secret_locked(arn);
  if (!deleted.ok()) return deleted.error();
  if (!deleted.value()) return secret_not_found();
  return Ok{};
}

Result<std::vector<std::pair<std::int64_t, api_models::Secret>>> MappingStore::secrets_after(
    std::int64_t after_seq) {
  std::lock_guard lock(mutex_);
  const double now = api_models::now_epoch_seconds();
  std::vector<std::pair<std::int64_t, api_models::Secret>> out;
  std::vector<std::string> expired;
  {
    Statement st(*statements_, "SELECT seq, doc FROM secrets WHERE seq > ?1 ORDER BY seq");
    st.bind(1, after_seq);
    int rc = st.step();
    for (; rc == SQLITE_ROW; rc = st.step()) {
      auto s = api_models::secret_from_storage(st.column_text(1));
      if (!s.ok()) return s.error();
      if (deletion_due(s.value(), now)) {
        expired.push_back(s.value().arn);
        continue;
      }
      out.emplace_back(st.column_int(0), std::move(s).value());
    }
    if (rc != SQLITE_DONE) return service_error(db_.get(), "list secrets");
  }
  for (const auto& arn : expired) {
    if (auto d = delete_secret_locked(arn); !d.ok()) return d.error();
  }
  return out;
}

}  // namespace esm::storage
