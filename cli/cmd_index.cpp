// postjournal index / reindex, the full-text form of search, and export --query: the commands
// over the per-tenant Xapian index (index/index.hpp).
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <iostream>
#include <mutex>

#include "archive/mbox.hpp"
#include "commands.hpp"
#include "index/follower.hpp"
#include "index/index.hpp"
#include "index/query.hpp"
#include "render.hpp"
#include "util/file.hpp"
#include "util/json_writer.hpp"
#include "util/time.hpp"

namespace postjournal::cli {

namespace {

std::atomic<bool> g_stop{false};
std::mutex g_stop_mu;
std::condition_variable g_stop_cv;

void on_signal(int) {
  g_stop = true;  // the waiting loop below polls with a bounded wait; no lock in a handler
}

void catch_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

// Run as root, `index` and `reindex` leave the index owned by whoever owns the tenant's archive
// (the milter's user), so that the milter's indexer can go on writing it.
void give_index_to_archive_owner(const Context& ctx, const archive::TenantId& t) {
  if (::geteuid() != 0) return;
  struct stat st {};
  if (::stat((ctx.root + "/" + t.str()).c_str(), &st) != 0 || st.st_uid == 0) return;
  std::error_code ec;
  std::string dir = index::index_dir(ctx.root, t);
  if (::chown(dir.c_str(), st.st_uid, st.st_gid) != 0) return;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (::lchown(e.path().c_str(), st.st_uid, st.st_gid) != 0) return;
  }
}

std::string progress_line(const archive::TenantId& t, const index::Progress& p) {
  return t.str() + ": indexed up to " + std::to_string(p.watermark) + " (" +
         std::to_string(p.indexed) + " deliveries this run, " + std::to_string(p.removed) +
         " removed, " + std::to_string(p.extracted) + " attachments extracted, " +
         std::to_string(p.cache_hits) + " from the cache)" + (p.compacted ? ", compacted" : "");
}

// The query of `search QUERY` with the classic options folded in.
std::string full_query(const Args& args) {
  std::string q;
  for (const auto& p : args.positional()) q += (q.empty() ? "" : " ") + p;
  std::vector<std::string> parts;
  if (!q.empty() && q != "*") parts.push_back("(" + q + ")");
  if (auto a = args.value("address")) {
    parts.push_back("(from:" + index::quote_value(*a) + " OR rcpt:" + index::quote_value(*a) + ")");
  }
  if (auto m = args.value("message-id")) parts.push_back("id:" + index::quote_value(*m));
  auto since = parse_time_option(args, "since");
  auto until = parse_time_option(args, "until");
  if (since || until) {
    std::string lo = since ? "@" + std::to_string(*since / 1000000) : "";
    std::string hi = until ? "@" + std::to_string(*until / 1000000 - 1) : "";
    parts.push_back("received:" + lo + ".." + hi);
  }
  if (parts.empty()) return "*";
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : " AND ") + p;
  return out;
}

std::uint64_t number_option(const Args& args, const std::string& name) {
  auto v = args.value(name);
  if (!v) return 0;
  unsigned long long n = 0;
  if (!util::parse_u64(*v, n)) throw UsageError("--" + name + " needs a number");
  return n;
}

// Opens the tenant's index for reading; notes on stderr what it does not cover yet.
std::unique_ptr<index::Searcher> open_index(const Context& ctx, const archive::TenantArchive& a,
                                            bool quiet_when_missing = false) {
  std::string dir = index::index_dir(ctx.root, a.tenant());
  std::unique_ptr<index::Searcher> s;
  try {
    s = std::make_unique<index::Searcher>(dir, &a);
  } catch (const index::IndexMissing&) {
    std::uint64_t n = a.count();
    if (n > 0 && !quiet_when_missing) {
      std::cerr << "postjournal: note: " << a.tenant().str() << " has no full-text index yet; its "
                << n << " deliveries were not searched (postjournal index --tenant "
                << a.tenant().str() << ")\n";
    }
    return nullptr;
  } catch (const std::exception& e) {
    throw CommandError(kExitSoftware, e.what());
  }
  std::uint64_t lag = a.count_after(s->watermark());
  if (lag > 0) {
    std::cerr << "postjournal: note: the index of " << a.tenant().str() << " does not cover its "
              << lag << " newest deliveries yet (indexed up to " << a.tenant().str() << ":"
              << s->watermark() << "; see postjournal status)\n";
  }
  return s;
}

index::Sort sort_option(const Args& args) {
  auto v = args.value("sort").value_or("date");
  if (v == "date") return index::Sort::kDate;
  if (v == "relevance") return index::Sort::kRelevance;
  throw UsageError("--sort is date or relevance");
}

struct Hit {
  double key;
  archive::TenantId tenant;
  std::uint64_t seq;
};

void stream_raw(const archive::TenantArchive& a, const archive::Delivery& d, std::uint64_t offset,
                std::uint64_t length, const std::function<void(std::string_view)>& sink) {
  if (!a.read(d.content_sha256, offset, length, sink)) {
    throw CommandError(kExitSoftware, "content " + util::to_hex(d.content_sha256) + " of " +
                                          archive::DeliveryId{a.tenant(), d.seq}.str() +
                                          " is missing; run postjournal verify");
  }
}

std::string manifest_line(const archive::TenantId& t, const archive::Delivery& d) {
  return archive::DeliveryId{t, d.seq}.str() + "\t" + util::to_hex(d.content_sha256) + "\t" +
         std::to_string(d.size) + "\n";
}

std::string mbox_sender(const archive::Delivery& d) {
  return d.envelope.sender.empty() ? d.transport.mail_from : d.envelope.sender;
}

}  // namespace

int run_fulltext_search(const Context& ctx, const Args& args) {
  if (args.has("sha256")) throw UsageError("--sha256 cannot be combined with a QUERY");
  std::string q = full_query(args);
  bool count_only = args.has("count");
  std::uint64_t offset = number_option(args, "offset");
  std::uint64_t limit = limit_option(args);
  index::Sort sort = sort_option(args);
  std::uint64_t total = 0;
  std::vector<Hit> hits;
  std::map<std::string, std::shared_ptr<archive::TenantArchive>> archives;
  bool incomplete = false;  // a tenant with deliveries but no index: exit 75 after the output
  for (const auto& t : ctx.selected_or_all(args)) {
    auto a = ctx.open_existing(t);
    auto s = open_index(ctx, *a);
    if (!s) {
      incomplete = incomplete || a->count() > 0;
      continue;
    }
    archives[t.str()] = a;
    try {
      if (args.has("explain")) std::cerr << t.str() << ": " << s->explain(q) << "\n";
      if (count_only) {
        total += s->count(q);
        continue;
      }
      index::Hits h = s->search(q, 0, limit == 0 ? 0 : offset + limit, sort);
      total += h.total;
      for (std::size_t i = 0; i < h.seqs.size(); ++i) hits.push_back({h.keys[i], t, h.seqs[i]});
    } catch (const index::QueryError& e) {
      throw UsageError(e.what());
    }
  }
  if (count_only) {
    if (args.has("json")) {
      std::cout << "{\"total\": " << total << "}\n";
    } else {
      std::cout << total << "\n";
    }
    return incomplete ? kExitTempFail : kExitOk;
  }
  std::stable_sort(hits.begin(), hits.end(),
                   [](const Hit& x, const Hit& y) { return x.key > y.key; });
  std::vector<Listed> page;
  for (std::size_t i = static_cast<std::size_t>(offset); i < hits.size(); ++i) {
    if (limit != 0 && page.size() >= limit) break;
    auto d = archives[hits[i].tenant.str()]->get(hits[i].seq);
    if (d) page.push_back({hits[i].tenant, std::move(*d)});
  }
  if (args.has("json")) {
    std::cout << list_json(page);
  } else {
    std::cout << list_text(page);
    std::uint64_t first = page.empty() ? 0 : offset + 1;
    std::cout << total << (total == 1 ? " matching delivery" : " matching deliveries");
    if (!page.empty() && (offset > 0 || page.size() < total))
      std::cout << " (showing " << first << "-" << offset + page.size() << ")";
    std::cout << "\n";
  }
  return incomplete ? kExitTempFail : kExitOk;
}

int run_export_query(const Context& ctx, const Args& args) {
  auto tenant = ctx.selected_tenant(args);
  if (!tenant) throw UsageError("export --query needs --tenant T or --no-tenant");
  bool mbox = args.has("mbox");
  auto dir = args.value("eml-dir");
  if (mbox == dir.has_value())
    throw UsageError("export --query needs --mbox -o FILE or --eml-dir DIR");
  auto out = args.value("output");
  if (mbox && (!out || *out == "-"))
    throw UsageError("export --query --mbox needs -o FILE (the manifest is FILE.manifest.tsv)");
  auto a = ctx.open_existing(*tenant);
  auto s = open_index(ctx, *a, true);
  if (!s) {
    throw CommandError(kExitTempFail, tenant->str() +
                                          " has no full-text index yet; run postjournal index "
                                          "--tenant " +
                                          tenant->str() + " and export again");
  }
  std::uint64_t lag = a->count_after(s->watermark());
  if (lag > 0 && !args.has("allow-lag")) {
    throw CommandError(kExitTempFail,
                       "the index of " + tenant->str() + " does not cover its " +
                           std::to_string(lag) +
                           " newest deliveries yet, so this export could miss some; wait for the "
                           "indexer (postjournal status) or pass --allow-lag");
  }
  std::string query = args.value("query").value_or("");
  std::uint64_t n = 0, bytes = 0;
  try {
    // Every hit still in the archive, in delivery order, written by `write` and listed in the
    // manifest; the manifest appears only when the whole export did.
    auto export_hits = [&](const std::string& manifest_path,
                           const std::function<void(const archive::Delivery&)>& write,
                           const std::function<void()>& finish) {
      util::AtomicFile manifest(manifest_path, 0640);
      s->for_each(query, [&](std::uint64_t seq) {
        auto d = a->get(seq);
        if (!d) return;  // removed since it was indexed
        write(*d);
        manifest.write(manifest_line(*tenant, *d));
        ++n;
        bytes += d->size;
      });
      finish();  // the export itself is complete before its manifest appears
      manifest.commit();
    };
    if (mbox) {
      util::AtomicFile file(*out, 0640);
      archive::MboxWriter w([&file](std::string_view p) { file.write(p); });
      export_hits(
          *out + ".manifest.tsv",
          [&](const archive::Delivery& d) {
            w.begin(mbox_sender(d), d.transport.received);
            stream_raw(*a, d, 0, d.size, [&w](std::string_view p) { w.write(p); });
            w.end();
          },
          [&] { file.commit(); });
    } else {
      std::filesystem::create_directories(*dir);
      export_hits(
          *dir + "/MANIFEST.tsv",
          [&](const archive::Delivery& d) {
            std::string id = archive::DeliveryId{*tenant, d.seq}.str();
            util::AtomicFile eml(*dir + "/" + id + ".eml", 0640);
            stream_raw(*a, d, 0, d.size, [&eml](std::string_view p) { eml.write(p); });
            eml.commit();
          },
          [] {});
    }
  } catch (const index::QueryError& e) {
    throw UsageError(e.what());
  } catch (const std::system_error& e) {
    throw CommandError(kExitSoftware, e.what());
  }
  std::cerr << "postjournal: exported " << n << (n == 1 ? " delivery" : " deliveries") << " ("
            << bytes << " bytes) to " << (mbox ? *out : *dir) << "\n";
  return kExitOk;
}

bool index_tenant(const Context& ctx, const archive::TenantId& t, bool compact) {
  index::IndexOptions o = index::index_options(ctx.config);
  o.compact_after_removal = compact;
  index::Follower follower(ctx.root, o,
                           [&ctx](const archive::TenantId& x) { return ctx.open_existing(x); });
  return follower.pass(
      {t},
      [&ctx](const archive::TenantId& x, const index::Progress& p) {
        give_index_to_archive_owner(ctx, x);
        std::cerr << "postjournal: " << progress_line(x, p) << "\n";
      },
      [](const std::string& msg) { std::cerr << "postjournal: " << msg << "\n"; });
}

int run_index(const Context& ctx, const Args& args) {
  catch_signals();
  index::IndexOptions o = index::index_options(ctx.config);
  index::Follower follower(ctx.root, o,
                           [&ctx](const archive::TenantId& t) { return ctx.open_existing(t); });
  std::vector<archive::TenantId> tenants;
  if (auto t = ctx.selected_tenant(args)) tenants.push_back(*t);
  bool follow = args.has("follow");
  bool any_locked = false;
  std::set<std::string> reported;
  for (;;) {
    bool ok = follower.pass(
        tenants,
        [&ctx](const archive::TenantId& t, const index::Progress& p) {
          give_index_to_archive_owner(ctx, t);
          std::cout << progress_line(t, p) << "\n" << std::flush;
        },
        [&](const std::string& msg) {
          if (reported.insert(msg).second) std::cerr << "postjournal: " << msg << "\n";
        });
    any_locked = any_locked || !ok;
    if (!follow || g_stop) break;
    std::unique_lock lock(g_stop_mu);
    for (int i = 0; i < 20 && !g_stop; ++i)
      g_stop_cv.wait_for(lock, std::chrono::milliseconds(100));
    if (g_stop) break;
  }
  if (!follow && any_locked) return kExitTempFail;
  return kExitOk;
}

int run_reindex(const Context& ctx, const Args& args) {
  auto tenant = ctx.selected_tenant(args);
  if (!tenant) throw UsageError("reindex needs --tenant T or --no-tenant");
  catch_signals();
  auto a = ctx.open_existing(*tenant);
  index::IndexOptions o = index::index_options(ctx.config);
  extract::Pool pool(o.extract);
  index::Progress p;
  try {
    p = index::rebuild(*a, index::index_dir(ctx.root, *tenant), o, pool, g_stop,
                       [&](const index::Progress& pr) {
                         std::cout << progress_line(*tenant, pr) << "\n" << std::flush;
                       });
  } catch (const index::IndexLocked& e) {
    throw CommandError(kExitTempFail, e.what());
  }
  give_index_to_archive_owner(ctx, *tenant);
  if (g_stop) {
    std::cerr << "postjournal: reindex of " << tenant->str()
              << " interrupted; the previous index is unchanged\n";
    return kExitTempFail;
  }
  std::cout << tenant->str() << ": rebuilt, " << p.indexed << " deliveries indexed up to "
            << p.watermark << "\n";
  return kExitOk;
}

}  // namespace postjournal::cli
