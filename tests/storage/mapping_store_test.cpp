#include "storage/mapping_store.hpp"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "api_models/requests.hpp"

using namespace esm;
using api_models::ErrorCode;
using api_models::EventSourceMapping;
using api_models::MappingState;
using storage::MappingStore;

namespace {

EventSourceMapping mapping(const std::string& function, const std::string& topic) {
  auto r = api_models::parse_create_request(
      R"({"FunctionName":")" + function + R"(","Topics":[")" + topic +
          R"("],"SelfManagedEventSource":{"Endpoints":{"KAFKA_BOOTSTRAP_SERVERS":["k:9092"]}},)"
          R"("SourceAccessConfigurations":[{"Type":"VPC_SUBNET","URI":"subnet:s"}]})",
      {"us-east-1", "123456789012"});
  REQUIRE(r.ok());
  return r.value().mapping;
}

std::unique_ptr<MappingStore> open_memory() {
  auto s = MappingStore::open({":memory:"});
  REQUIRE(s.ok());
  return std::move(s).value();
}

struct StoreFixture {
  std::unique_ptr<MappingStore> owned = open_memory();
  MappingStore& store = *owned;
};

struct TempDir {
  std::filesystem::path path = [] {
    char tmpl[] = "/tmp/esm-store-XXXXXX";
    return std::filesystem::path(mkdtemp(tmpl));
  }();
  ~TempDir() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_CASE_METHOD(StoreFixture, "MappingStore: get of an unknown UUID is ResourceNotFound",
                 "[storage]") {
  auto got = store.get("no-such-uuid");
  REQUIRE_FALSE(got.ok());
  CHECK(got.error().code == ErrorCode::ResourceNotFound);
  CHECK(got.error().message == "The resource you requested does not exist.");
}

TEST_CASE_METHOD(StoreFixture, "MappingStore: insert assigns a UUID and the UUID as consumer group",
                 "[storage]") {
  auto stored = store.insert(mapping("f", "tt"), {{"team", "a"}});
  REQUIRE(stored.ok());
  const auto& m = stored.value();
  CHECK(m.uuid.size() == 36);
  CHECK(m.consumer_group_id == m.uuid);
  auto got = store.get(m.uuid);
  REQUIRE(got.ok());
  CHECK(got.value().function_arn == m.function_arn);
  CHECK(store.tags(m.uuid).value() == api_models::Tags{{"team", "a"}});
}

TEST_CASE_METHOD(StoreFixture,
                 "MappingStore: a duplicate is a ResourceConflict naming the existing UUID",
                 "[storage]") {
  auto first = store.insert(mapping("f", "tt"), {});
  REQUIRE(first.ok());
  auto second = store.insert(mapping("f", "tt"), {});
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().code == ErrorCode::ResourceConflict);
  CHECK(second.error().message.find(first.value().uuid) != std::string::npos);
  CHECK(store.all().size() == 1);
  CHECK(store.insert(mapping("f", "other-topic"), {}).ok());
  CHECK(store.insert(mapping("g", "tt"), {}).ok());
}

TEST_CASE_METHOD(StoreFixture, "MappingStore: list pages in creation order with opaque markers",
                 "[storage]") {
  std::vector<std::string> created;
  for (int i = 0; i < 7; ++i)
    created.push_back(store.insert(mapping("f", "tt" + std::to_string(i)), {}).value().uuid);
  std::vector<std::string> seen;
  storage::ListFilter filter;
  filter.max_items = 3;
  for (int page = 0; page < 10; ++page) {
    auto p = store.list(filter);
    REQUIRE(p.ok());
    for (const auto& m : p.value().mappings) seen.push_back(m.uuid);
    if (p.value().next_marker.empty()) break;
    filter.marker = p.value().next_marker;
  }
  CHECK(seen == created);
  filter.marker = "garbage";
  CHECK(store.list(filter).error().code == ErrorCode::InvalidParameterValue);
}

TEST_CASE_METHOD(StoreFixture,
                 "MappingStore: list filters by function (any qualifier or exact) and source",
                 "[storage]") {
  REQUIRE(store.insert(mapping("f", "ta"), {}).ok());
  REQUIRE(store.insert(mapping("f:1", "tb"), {}).ok());
  REQUIRE(store.insert(mapping("g", "tc"), {}).ok());
  storage::ListFilter by_base;
  by_base.function_base_arn = "arn:aws:lambda:us-east-1:123456789012:function:f";
  CHECK(store.list(by_base).value().mappings.size() == 2);
  storage::ListFilter exact;
  exact.function_arn = "arn:aws:lambda:us-east-1:123456789012:function:f:1";
  CHECK(store.list(exact).value().mappings.size() == 1);
  storage::ListFilter by_source;
  by_source.event_source_arn = "arn:aws:kafka:us-east-1:123456789012:cluster/x/y";
  CHECK(store.list(by_source).value().mappings.empty());
}

TEST_CASE_METHOD(StoreFixture, "MappingStore: a refused update changes nothing", "[storage]") {
  auto m = store.insert(mapping("f", "tt"), {}).value();
  auto r = store.update(m.uuid, [](EventSourceMapping& cur) -> api_models::Result<api_models::Ok> {
    cur.batch_size = 5;
    return api_models::ApiError{ErrorCode::ResourceInUse, "busy"};
  });
  CHECK(r.error().code == ErrorCode::ResourceInUse);
  CHECK(store.get(m.uuid).value().batch_size == 100);
  REQUIRE(store
              .update(m.uuid,
                      [](EventSourceMapping& cur) -> api_models::Result<api_models::Ok> {
                        cur.batch_size = 5;
                        return api_models::Ok{};
                      })
              .ok());
  CHECK(store.get(m.uuid).value().batch_size == 5);
  REQUIRE(store.remove(m.uuid).ok());
  CHECK(store.get(m.uuid).error().code == ErrorCode::ResourceNotFound);
  CHECK(store.tags(m.uuid).error().code == ErrorCode::ResourceNotFound);
}

TEST_CASE_METHOD(StoreFixture, "MappingStore: tags add, replace and remove", "[storage]") {
  auto m = store.insert(mapping("f", "tt"), {{"a", "1"}}).value();
  REQUIRE(store.add_tags(m.uuid, {{"a", "2"}, {"b", "3"}}).ok());
  CHECK(store.tags(m.uuid).value() == api_models::Tags{{"a", "2"}, {"b", "3"}});
  REQUIRE(store.remove_tags(m.uuid, {"a", "zzz"}).ok());
  CHECK(store.tags(m.uuid).value() == api_models::Tags{{"b", "3"}});
  CHECK(store.add_tags("nope", {{"a", "1"}}).error().code == ErrorCode::ResourceNotFound);
}

TEST_CASE("MappingStore: a file database survives reopening, mode 0600", "[storage]") {
  TempDir dir;
  const auto path = (dir.path / "esm.db").string();
  std::string uuid;
  {
    auto store = MappingStore::open({path});
    REQUIRE(store.ok());
    uuid = store.value()->insert(mapping("f", "tt"), {{"k", "v"}}).value().uuid;
    REQUIRE(store.value()
                ->update(uuid,
                         [](EventSourceMapping& m) -> api_models::Result<api_models::Ok> {
                           m.state = MappingState::Enabled;
                           return api_models::Ok{};
                         })
                .ok());
  }
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto again = MappingStore::open({path});
  REQUIRE(again.ok());
  auto got = again.value()->get(uuid);
  REQUIRE(got.ok());
  CHECK(got.value().state == MappingState::Enabled);
  CHECK(again.value()->tags(uuid).value().at("k") == "v");
}

TEST_CASE("MappingStore: a database from a newer version is refused, not rewritten", "[storage]") {
  TempDir dir;
  const auto path = (dir.path / "esm.db").string();
  REQUIRE(MappingStore::open({path}).ok());
  REQUIRE(std::system(("sqlite3 " + path +
                       " 'PRAGMA user_version=99' 2>/dev/null || "
                       "python3 -c \"import sqlite3; c=sqlite3.connect('" +
                       path + "'); c.execute('PRAGMA user_version=99'); c.commit()\"")
                          .c_str()) == 0);
  auto newer = MappingStore::open({path});
  REQUIRE_FALSE(newer.ok());
  CHECK(newer.error().message.find("newer than this emulator supports") != std::string::npos);
}

namespace {

api_models::Secret secret(const std::string& name, const std::string& value) {
  auto s = api_models::parse_create_secret(
      R"({"Name":")" + name + R"(","SecretString":")" + value + R"("})", {"us-east-1", "123"});
  REQUIRE(s.ok());
  return s.value();
}

}  // namespace

TEST_CASE_METHOD(StoreFixture, "MappingStore: secrets by name, full ARN and partial ARN",
                 "[storage][secrets]") {
  const auto s = store.insert_secret(secret("db/creds", "v1")).value();
  CHECK(store.find_secret("db/creds").value().arn == s.arn);
  CHECK(store.find_secret(s.arn).value().name == "db/creds");
  CHECK(store.find_secret(s.arn.substr(0, s.arn.size() - 7)).value().name == "db/creds");
  CHECK(store.find_secret("db/cred").error().code == ErrorCode::ResourceNotFound);
  CHECK(store.insert_secret(secret("db/creds", "v2")).error().code == ErrorCode::ResourceExists);
  CHECK(store.find_secret("db/creds").value().current()->string_value == "v1");
}

TEST_CASE_METHOD(StoreFixture,
                 "MappingStore: a refused secret update changes nothing, a past "
                 "deletion date purges the secret",
                 "[storage][secrets]") {
  const auto s = store.insert_secret(secret("s", "v1")).value();
  auto refused =
      store.update_secret("s", [](api_models::Secret& x) -> api_models::Result<api_models::Ok> {
        x.versions.clear();
        return api_models::ApiError{ErrorCode::InvalidRequest, "no"};
      });
  CHECK(refused.error().code == ErrorCode::InvalidRequest);
  CHECK(store.find_secret("s").value().versions.size() == 1);
  REQUIRE(store
              .update_secret("s",
                             [](api_models::Secret& x) -> api_models::Result<api_models::Ok> {
                               x.deletion_date = api_models::now_epoch_seconds() - 1;
                               return api_models::Ok{};
                             })
              .ok());
  CHECK(store.find_secret(s.arn).error().code == ErrorCode::ResourceNotFound);
  CHECK(store.secrets_after(0).value().empty());
  CHECK(store.insert_secret(secret("s", "again")).ok());  // the name is free again
}

TEST_CASE("MappingStore: a version 1 database is migrated to 2 with its mappings kept",
          "[storage][secrets]") {
  TempDir dir;
  const auto path = (dir.path / "esm.db").string();
  // A database as version 1 left it: mappings and tags, no secrets table.
  REQUIRE(std::system(("python3 -c \"import sqlite3; c=sqlite3.connect('" + path +
                       "'); c.executescript('CREATE TABLE mappings (seq INTEGER PRIMARY KEY "
                       "AUTOINCREMENT, uuid TEXT NOT NULL UNIQUE, function_arn TEXT NOT NULL, "
                       "function_base_arn TEXT NOT NULL, event_source_arn TEXT, topic TEXT NOT "
                       "NULL, doc TEXT NOT NULL); CREATE TABLE tags (uuid TEXT NOT NULL, key TEXT "
                       "NOT NULL, value TEXT NOT NULL, PRIMARY KEY (uuid, key)); PRAGMA "
                       "user_version=1;'); c.commit()\"")
                          .c_str()) == 0);
  auto store = MappingStore::open({path});
  REQUIRE(store.ok());
  REQUIRE(store.value()->insert(mapping("f", "tt"), {}).ok());
  REQUIRE(store.value()->insert_secret(secret("kept", "v")).ok());
  store.value().reset();
  auto again = MappingStore::open({path});
  REQUIRE(again.ok());
  CHECK(again.value()->all().size() == 1);
  CHECK(again.value()->find_secret("kept").value().current()->string_value == "v");
}
