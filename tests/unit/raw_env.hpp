// Direct LMDB access to an archive for tampering tests, with the archive closed: one write
// transaction from construction to destruction (committed then). Test code only.
#pragma once

#include <gtest/gtest.h>
#include <lmdb.h>

#include <string>

namespace postjournal::test {

// Direct LMDB access for tampering, with the archive closed.
class RawEnv {
 public:
  explicit RawEnv(const std::string& dir) {
    mdb_env_create(&env_);
    mdb_env_set_maxdbs(env_, 32);
    EXPECT_EQ(mdb_env_open(env_, dir.c_str(), 0, 0640), 0);
    EXPECT_EQ(mdb_txn_begin(env_, nullptr, 0, &txn_), 0);
  }
  ~RawEnv() {
    EXPECT_EQ(mdb_txn_commit(txn_), 0);
    mdb_env_close(env_);
  }
  MDB_dbi dbi(const char* name) {
    MDB_dbi d = 0;
    EXPECT_EQ(mdb_dbi_open(txn_, name, 0, &d), 0);
    return d;
  }
  std::string get(const char* db, const std::string& key) {
    MDB_val k{key.size(), const_cast<char*>(key.data())}, v{};
    EXPECT_EQ(mdb_get(txn_, dbi(db), &k, &v), 0);
    return std::string(static_cast<char*>(v.mv_data), v.mv_size);
  }
  void put(const char* db, const std::string& key, const std::string& value) {
    MDB_val k{key.size(), const_cast<char*>(key.data())};
    MDB_val v{value.size(), const_cast<char*>(value.data())};
    EXPECT_EQ(mdb_put(txn_, dbi(db), &k, &v, 0), 0);
  }
  void del(const char* db, const std::string& key) {
    MDB_val k{key.size(), const_cast<char*>(key.data())};
    EXPECT_EQ(mdb_del(txn_, dbi(db), &k, nullptr), 0);
  }

 private:
  MDB_env* env_ = nullptr;
  MDB_txn* txn_ = nullptr;
};

}  // namespace postjournal::test
