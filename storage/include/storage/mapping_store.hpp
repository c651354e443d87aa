#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "api_models/error.hpp"
#include "api_models/mapping.hpp"
#include "api_models/requests.hpp"
#include "api_models/secrets.hpp"

struct sqlite3;

namespace esm::storage {

using api_models::EventSourceMapping;
using api_models::Result;

struct StoreSettings {
  std::string path;  // database file; ":memory:" keeps everything in memory (--ephemeral)
};

struct ListFilter {
  std::optional<std::string> event_source_arn;
  std::optional<std::string> function_arn;       // a qualified name: exact FunctionArn
  std::optional<std::string> function_base_arn;  // an unqualified name: any qualifier
  std::optional<std::string> marker;             // from a previous page's next_marker
  int max_items = 100;
};

struct ListPage {
  std::vector<EventSourceMapping> mappings;
  std::string next_marker;  // empty on the last page
};

class StatementCache;  // sqlite_handle.hpp

// The durable home of mappings, their tags and the Secrets Manager secrets: one SQLite database
// (WAL, schema version in PRAGMA user_version, forward-only migrations, file mode 0600). Any thread
// may call it; one connection serialised by mutex_. Every call that returns success has committed.
// Mappings as last committed are also kept in memory, so reading one (Get, every Update's read)
// takes neither SQLite nor a JSON parse; every write of the table goes through here.
class MappingStore {
 public:
  static Result<std::unique_ptr<MappingStore>> open(const StoreSettings& settings);
  ~MappingStore();
  MappingStore(const MappingStore&) = delete;
  MappingStore& operator=(const MappingStore&) = delete;

  // Assigns a fresh UUID (and the UUID as ConsumerGroupId when none was given), rejects a
  // duplicate of an existing mapping with ResourceConflict, and stores mapping and tags at once.
  Result<EventSourceMapping> insert(EventSourceMapping mapping, const api_models::Tags& tags);
  Result<EventSourceMapping> get(const std::string& uuid);
  Result<ListPage> list(const ListFilter& filter);
  std::vector<EventSourceMapping> all();

  // Reads, lets `mutate` change the mapping (or refuse with an error), writes back: atomically.
  Result<EventSourceMapping> update(
      const std::string& uuid,
      const std::function<Result<api_models::Ok>(EventSourceMapping&)>& mutate);
  Result<api_models::Ok> remove(const std::string& uuid);

  Result<api_models::Tags> tags(const std::string& uuid);
  Result<api_models::Ok> add_tags(const std::string& uuid, const api_models::Tags& tags);
  Result<api_models::Ok> remove_tags(const std::string& uuid, const std::vector<std::string>& keys);

  // Secrets, found by name, full ARN or ARN without its random suffix. A secret whose scheduled
  // deletion date has passed is removed on the way and reported missing.
  Result<api_models::Secret> insert_secret(const api_models::Secret& secret);
  Result<api_models::Secret> find_secret(const std::string& id);
  Result<api_models::Secret> update_secret(
      const std::string& id,
      const std::function<Result<api_models::Ok>(api_models::Secret&)>& mutate);
  Result<api_models::Ok> remove_secret(const std::string& arn);
  // Every secret after `after_seq` in creation order, with its sequence number (ListSecrets).
  Result<std::vector<std::pair<std::int64_t, api_models::Secret>>> secrets_after(
      std::int64_t after_seq);

  static constexpr int kSchemaVersion = 2;

 private:
  explicit MappingStore(sqlite3* db);
  Result<EventSourceMapping> get_locked(const std::string& uuid);   // through cache_
  Result<EventSourceMapping> read_locked(const std::string& uuid);  // from the database
  Result<api_models::Ok> write_locked(const EventSourceMapping& mapping, bool insert);
  Result<api_models::Ok> exists_locked(const std::string& uuid);
  Result<api_models::Secret> find_secret_locked(const std::string& id);
  Result<api_models::Ok> write_secret_locked(const api_models::Secret& secret);
  // Deletes the secret's row: true if there was one.
  Result<bool> delete_secret_locked(const std::string& arn);

  struct DbCloser {
    void operator()(sqlite3* db) const;
  };
  std::mutex mutex_;
  std::unique_ptr<sqlite3, DbCloser> db_;       // guarded by mutex_
  std::unique_ptr<StatementCache> statements_;  // db_'s, guarded by mutex_; goes before it
  // Mappings read or written since the store opened, as committed; guarded by mutex_.
  std::unordered_map<std::string, EventSourceMapping> cache_;
};

}  // namespace esm::storage
