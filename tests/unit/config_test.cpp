#include <gtest/gtest.h>

#include "config/config.hpp"
#include "util/file.hpp"

using namespace postjournal::config;

TEST(Config, DefaultsAndOverrides) {
  Config d = defaults();
  EXPECT_EQ(d.archive_root, "/var/lib/postjournal");
  EXPECT_EQ(d.archive_max_map_size, 1ull << 40);
  Config c =
      load_string("archive:\n  root: /srv/pj\n  max_map_size: 2G\n  batch_max: 10\n", "t.yaml");
  EXPECT_EQ(c.archive_root, "/srv/pj");
  EXPECT_EQ(c.archive_max_map_size, 2ull << 30);
  EXPECT_EQ(c.archive_batch_max, 10u);
  EXPECT_EQ(load_string("", "empty.yaml").archive_root, d.archive_root);
}

TEST(Config, ErrorsNameFileAndLine) {
  struct Case {
    const char* yaml;
    const char* message;
  } cases[] = {
      {"archive:\n  root: /x\n  rooot: /y\n", "t.yaml:3: unknown key 'archive.rooot'"},
      {"archiv:\n  root: /x\n", "t.yaml:1: unknown section 'archiv'"},
      {"archive:\n  max_map_size: lots\n",
       "t.yaml:2: archive.max_map_size: 'lots' is not a size (like 64M)"},
      {"archive:\n  batch_max: 0\n",
       "t.yaml:2: archive.batch_max = 0 is out of bounds [1, 100000]"},
      {"archive:\n  batch_max: 5M\n", "t.yaml:2: archive.batch_max: '5M' is not a number"},
      {"archive: [1, 2]\n", "t.yaml:1: section 'archive' must be a mapping"},
      {"archive:\n  root: [a]\n", "t.yaml:2: archive.root must be a single value"},
      {"archive:\n  root: [a\n", "t.yaml:"},
      {"archive:\n\troot: x\n", "t.yaml:"},
  };
  for (const auto& c : cases) {
    try {
      load_string(c.yaml, "t.yaml");
      ADD_FAILURE() << "accepted: " << c.yaml;
    } catch (const ConfigError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(c.message, 0), 0u) << e.what();
    }
  }
  EXPECT_THROW(load_file("/nonexistent/postjournal.yaml"), ConfigError);
}

TEST(Config, SampleFileIsTheSchema) {
  std::string sample = postjournal::util::read_file(SOURCE_DIR "/conf/postjournal.yaml.sample");
  EXPECT_EQ(sample, render_sample()) << "regenerate with: postjournal show-config --sample";
  Config c = load_string(sample, "sample");
  EXPECT_EQ(render(c),
            render(defaults()).replace(render(defaults()).find("(defaults)"), 10, "sample"));
}
