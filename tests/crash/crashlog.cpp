// The marker and the replayer of the power-loss harness (tests/crash/run.sh).
//
//   crashlog mark LOG TEXT
//       appends a marker record (one write, O_APPEND: ordered with the recorder's records).
//   crashlog count LOG
//       prints the number of records.
//   crashlog replay LOG --at N --mode none|all|random:SEED|single:K [--root ROOT=BASE=OUT]...
//       builds, for each recorded ROOT, the directory OUT as it could be after a power cut just
//       after the first N records: every file and directory entry as of its last completed sync
//       (fsync/fdatasync of the file; fsync of the directory for its entries: creations,
//       renames, unlinks, links, mkdirs), plus a subset of the operations after that sync —
//       none, all, each with probability 1/2 (random:SEED), or only the K-th of them (single:K,
//       modulo their number) — in their original order; a write
//       on an O_DSYNC/O_SYNC descriptor is durable when it returned. BASE is the root's content
//       before recording began (taken as durable). Prints the markers among the first N records,
//       one per line, and "pending K" (operations that were not durable yet).
// The model is POSIX's worst case (what ALICE and LazyFS test), stricter than ext4's ordered
// mode: a new file's directory entry survives only after its directory's fsync.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "crashlog.hpp"

namespace {

using crash::Op;

struct Record {
  Op op;
  std::uint64_t a = 0;
  std::string path, path2, data;
};

std::vector<Record> read_log(const std::string& file, std::size_t limit) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file);
  std::vector<Record> out;
  crash::Header h{};
  while (out.size() < limit && in.read(reinterpret_cast<char*>(&h), sizeof h)) {
    if (h.magic != crash::kMagic) throw std::runtime_error("corrupt log record");
    Record r;
    r.op = static_cast<Op>(h.op);
    r.a = h.a;
    r.path.resize(h.path_len);
    r.path2.resize(h.path2_len);
    r.data.resize(h.data_len);
    in.read(r.path.data(), h.path_len);
    in.read(r.path2.data(), h.path2_len);
    in.read(r.data.data(), static_cast<std::streamsize>(h.data_len));
    if (!in) throw std::runtime_error("truncated log record");
    out.push_back(std::move(r));
  }
  return out;
}

std::string slurp(const std::string& path) {
  std::string out;
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw std::runtime_error("cannot read " + path);
  char buf[65536];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

std::string parent_of(const std::string& p) {
  auto s = p.find_last_of('/');
  return s == 0 ? "/" : p.substr(0, s);
}

// A content operation not yet made durable by a sync.
struct ContentOp {
  std::size_t id;  // position in the pending order (for the subset choice)
  Op op;
  std::uint64_t a;
  const std::string* data;
  bool durable;  // O_DSYNC write
};

struct Inode {
  bool dir = false;
  std::string synced;
  std::vector<ContentOp> pending;
};

// A directory-entry operation not yet made durable by its directory's fsync.
struct EntryOp {
  std::size_t id;
  Op op;  // kCreate/kMkdir/kLink (add path -> inode), kUnlink (remove path), kRename
  std::string path, path2;
  std::size_t inode;
};

void apply_content(std::string& s, const ContentOp& c) {
  switch (c.op) {
    case Op::kWrite:
    case Op::kWriteSync:
      if (s.size() < c.a + c.data->size()) s.resize(c.a + c.data->size(), '\0');
      std::copy(c.data->begin(), c.data->end(), s.begin() + static_cast<std::ptrdiff_t>(c.a));
      break;
    case Op::kTruncate:
      s.resize(c.a, '\0');
      break;
    case Op::kExtend:
      if (s.size() < c.a) s.resize(c.a, '\0');
      break;
    default:
      break;
  }
}

// Renames `from` (and everything below it) to `to` in a namespace.
void move_tree(std::map<std::string, std::size_t>& ns, const std::string& from,
               const std::string& to) {
  std::vector<std::pair<std::string, std::size_t>> moved;
  for (auto it = ns.begin(); it != ns.end();) {
    if (it->first == from || it->first.compare(0, from.size() + 1, from + "/") == 0) {
      moved.emplace_back(to + it->first.substr(from.size()), it->second);
      it = ns.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& [p, i] : moved) ns[p] = i;
}

void apply_entry(std::map<std::string, std::size_t>& ns, const EntryOp& e) {
  switch (e.op) {
    case Op::kCreate:
    case Op::kMkdir:
    case Op::kLink:
      ns[e.path] = e.inode;
      break;
    case Op::kUnlink:
      ns.erase(e.path);
      break;
    case Op::kRename:
      if (ns.count(e.path) != 0) {
        ns.erase(e.path2);
        move_tree(ns, e.path, e.path2);
      } else {
        ns[e.path2] = e.inode;  // the source's entry was never durable: the inode appears anew
      }
      break;
    default:
      break;
  }
}

struct Root {
  std::string path, base, out;
};

class Model {
 public:
  std::vector<Inode> inodes;
  std::map<std::string, std::size_t> live;     // what the processes saw
  std::map<std::string, std::size_t> durable;  // what survives
  std::map<std::string, std::vector<EntryOp>> dir_pending;
  std::size_t next_id = 0;

  std::size_t add_inode(bool dir) {
    inodes.push_back({});
    inodes.back().dir = dir;
    return inodes.size() - 1;
  }

  void load_base(const std::string& root, const std::string& base) {
    std::size_t id = add_inode(true);
    live[root] = durable[root] = id;
    walk(root, base);
  }

  void walk(const std::string& root, const std::string& dir) {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return;
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      std::string src = dir + "/" + name, dst = root + "/" + name;
      struct stat st {};
      if (::lstat(src.c_str(), &st) != 0) continue;
      std::size_t id = add_inode(S_ISDIR(st.st_mode));
      live[dst] = durable[dst] = id;
      if (S_ISDIR(st.st_mode)) {
        walk(dst, src);
      } else {
        inodes[id].synced = slurp(src);
      }
    }
    ::closedir(d);
  }

  std::size_t inode_of(const std::string& p) {
    auto it = live.find(p);
    if (it != live.end()) return it->second;
    std::size_t id = add_inode(false);  // a file from before recording that the base did not have
    live[p] = id;
    return id;
  }

  void entry(const std::string& dir, EntryOp e) { dir_pending[dir].push_back(std::move(e)); }

  void apply(const Record& r) {
    switch (r.op) {
      case Op::kCreate:
      case Op::kMkdir: {
        std::size_t id = add_inode(r.op == Op::kMkdir);
        live[r.path] = id;
        entry(parent_of(r.path), {next_id++, r.op, r.path, "", id});
        break;
      }
      case Op::kWrite:
      case Op::kWriteSync:
      case Op::kTruncate:
      case Op::kExtend: {
        Inode& n = inodes[inode_of(r.path)];
        n.pending.push_back({next_id++, r.op, r.a, &r.data, r.op == Op::kWriteSync});
        break;
      }
      case Op::kSync: {
        Inode& n = inodes[inode_of(r.path)];
        for (const auto& c : n.pending) apply_content(n.synced, c);
        n.pending.clear();
        break;
      }
      case Op::kSyncDir: {
        auto& ops = dir_pending[r.path];
        for (const auto& e : ops) apply_entry(durable, e);
        // A rename is one operation in both of its directories: drop it from the other too.
        for (const auto& e : ops) {
          if (e.op != Op::kRename) continue;
          for (const std::string& d : {parent_of(e.path), parent_of(e.path2)}) {
            if (d == r.path) continue;
            auto& other = dir_pending[d];
            other.erase(std::remove_if(other.begin(), other.end(),
                                       [&](const EntryOp& o) { return o.id == e.id; }),
                        other.end());
          }
        }
        ops.clear();
        break;
      }
      case Op::kRename: {
        std::size_t id = inode_of(r.path);
        live.erase(r.path2);
        move_tree(live, r.path, r.path2);
        EntryOp e{next_id++, Op::kRename, r.path, r.path2, id};
        entry(parent_of(r.path), e);
        if (parent_of(r.path2) != parent_of(r.path)) entry(parent_of(r.path2), e);
        break;
      }
      case Op::kUnlink:
        live.erase(r.path);
        entry(parent_of(r.path), {next_id++, Op::kUnlink, r.path, "", SIZE_MAX});
        break;
      case Op::kLink: {
        std::size_t id = inode_of(r.path);
        live[r.path2] = id;
        entry(parent_of(r.path2), {next_id++, Op::kLink, r.path2, "", id});
        break;
      }
      case Op::kMark:
        break;
    }
  }
};

void write_image(const Model& m, const std::vector<Root>& roots, const std::set<std::size_t>& keep,
                 std::size_t& pending) {
  // Directory entries: durable ones, then the kept pending ones in their original order.
  std::map<std::string, std::size_t> ns = m.durable;
  std::vector<const EntryOp*> ops;
  std::set<std::size_t> seen;
  for (const auto& [dir, list] : m.dir_pending) {
    for (const auto& e : list) {
      if (seen.insert(e.id).second) ops.push_back(&e);
    }
  }
  pending = ops.size();
  std::sort(ops.begin(), ops.end(),
            [](const EntryOp* x, const EntryOp* y) { return x->id < y->id; });
  for (const EntryOp* e : ops) {
    if (keep.count(e->id) != 0) apply_entry(ns, *e);
  }
  for (const auto& [path, id] : ns) {
    const Root* root = nullptr;
    for (const auto& r : roots) {
      if (path == r.path || path.compare(0, r.path.size() + 1, r.path + "/") == 0) root = &r;
    }
    if (root == nullptr) continue;
    std::string out = root->out + path.substr(root->path.size());
    // An entry whose directory is not in the image is lost with it.
    bool reachable = true;
    for (std::string p = path; p != root->path && p.size() > root->path.size(); p = parent_of(p)) {
      if (ns.count(parent_of(p)) == 0) reachable = false;
    }
    if (!reachable) continue;
    const Inode& n = m.inodes[id];
    if (n.dir) {
      ::mkdir(out.c_str(), 0755);
      continue;
    }
    std::string content = n.synced;
    for (const auto& c : n.pending) {
      pending += 1;
      if (c.durable || keep.count(c.id) != 0) apply_content(content, c);
    }
    std::ofstream f(out, std::ios::binary | std::ios::trunc);
    f.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!f) throw std::runtime_error("cannot write " + out);
  }
}

int replay(const std::string& log, std::size_t at, const std::string& mode,
           const std::vector<Root>& roots) {
  auto records = read_log(log, at);
  Model m;
  for (const auto& r : roots) m.load_base(r.path, r.base);
  std::vector<std::string> marks;
  for (const auto& r : records) {
    if (r.op == Op::kMark) marks.push_back(r.path);
    m.apply(r);
  }
  std::set<std::size_t> keep;
  if (mode == "all") {
    for (std::size_t i = 0; i < m.next_id; ++i) keep.insert(i);
  } else if (mode.rfind("random:", 0) == 0) {
    std::mt19937_64 rng(std::stoull(mode.substr(7)));
    for (std::size_t i = 0; i < m.next_id; ++i) {
      if ((rng() & 1) != 0) keep.insert(i);
    }
  } else if (mode.rfind("single:", 0) == 0) {
    // Only the K-th (modulo their number) of the operations that are not durable yet.
    std::vector<std::size_t> ids;
    for (const auto& n : m.inodes) {
      for (const auto& c : n.pending) ids.push_back(c.id);
    }
    for (const auto& [dir, list] : m.dir_pending) {
      for (const auto& e : list) ids.push_back(e.id);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    if (!ids.empty()) keep.insert(ids[std::stoull(mode.substr(7)) % ids.size()]);
  } else if (mode != "none") {
    throw std::runtime_error("mode must be none, all, random:SEED or single:K");
  }
  // The image directories are made before the files (the map orders parents first).
  for (const auto& r : roots) ::mkdir(r.out.c_str(), 0755);
  std::size_t pending = 0;
  write_image(m, roots, keep, pending);
  for (const auto& s : marks) std::cout << "mark " << s << "\n";
  std::cout << "pending " << pending << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() == 3 && args[0] == "mark") {
      int fd = ::open(args[1].c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
      crash::Header h{crash::kMagic,
                      static_cast<std::uint32_t>(Op::kMark),
                      0,
                      0,
                      static_cast<std::uint32_t>(args[2].size()),
                      0,
                      0};
      std::string rec(reinterpret_cast<const char*>(&h), sizeof h);
      rec += args[2];
      if (fd < 0 || ::write(fd, rec.data(), rec.size()) != static_cast<ssize_t>(rec.size())) {
        std::cerr << "crashlog: cannot append to " << args[1] << "\n";
        return 1;
      }
      ::close(fd);
      return 0;
    }
    if (args.size() == 2 && args[0] == "count") {
      std::cout << read_log(args[1], SIZE_MAX).size() << "\n";
      return 0;
    }
    if (args.size() >= 2 && args[0] == "replay") {
      std::size_t at = SIZE_MAX;
      std::string mode = "none";
      std::vector<Root> roots;
      for (std::size_t i = 2; i + 1 < args.size(); i += 2) {
        if (args[i] == "--at") {
          at = std::stoull(args[i + 1]);
        } else if (args[i] == "--mode") {
          mode = args[i + 1];
        } else if (args[i] == "--root") {
          auto a = args[i + 1].find('='), b = args[i + 1].rfind('=');
          if (a == std::string::npos || a == b) throw std::runtime_error("--root ROOT=BASE=OUT");
          roots.push_back({args[i + 1].substr(0, a), args[i + 1].substr(a + 1, b - a - 1),
                           args[i + 1].substr(b + 1)});
        } else {
          throw std::runtime_error("unknown option " + args[i]);
        }
      }
      return replay(args[1], at, mode, roots);
    }
    std::cerr << "usage: crashlog mark LOG TEXT | count LOG | replay LOG --at N --mode M "
                 "--root ROOT=BASE=OUT...\n";
    return 64;
  } catch (const std::exception& e) {
    std::cerr << "crashlog: " << e.what() << "\n";
    return 1;
  }
}
