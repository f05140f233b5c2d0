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

TEST(Config, Microsoft365SourcesAndOAuth2Mailboxes) {
  const std::string base =
      "microsoft365:\n"
      "  - name: contoso-m365\n"
      "    tenant: contoso\n"
      "    directory_id: 11111111-2222-3333-4444-555555555555\n"
      "    client_id: aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\n"
      "    client_secret_file: /etc/postjournal/m365.secret\n";
  Config c = load_string(base, "t.yaml");
  ASSERT_EQ(c.microsoft365.size(), 1u);
  const auto& m = c.microsoft365[0];
  EXPECT_EQ(m.users, std::vector<std::string>{"all"});
  EXPECT_EQ(m.skip_folders, (std::vector<std::string>{"Deleted Items", "Junk Email", "Drafts"}));
  EXPECT_EQ(m.login_url, "https://login.microsoftonline.com");
  EXPECT_EQ(m.graph_url, "https://graph.microsoft.com");
  EXPECT_EQ(m.parallel_mailboxes, 4u);
  EXPECT_EQ(load_string(base + "    users: {group: 9f0e}\n", "t.yaml").microsoft365[0].users,
            std::vector<std::string>{"group:9f0e"});
  EXPECT_EQ(load_string(base + "    users: [a@contoso.example, b@contoso.example]\n", "t.yaml")
                .microsoft365[0]
                .users.size(),
            2u);
  EXPECT_NE(render(load_string(base + "    users: {group: 9f0e}\n", "t.yaml"))
                .find("users: {group: 9f0e}"),
            std::string::npos);
  Config m2 = load_string(base +
                              "mailboxes:\n  - {name: jm, tenant: contoso, protocol: imaps, host: "
                              "outlook.office365.com, username: journal@contoso.example, "
                              "oauth2: {microsoft365: contoso-m365}}\n",
                          "t.yaml");
  EXPECT_EQ(m2.mailboxes[0].oauth2_microsoft365, "contoso-m365");
  struct Case {
    std::string yaml;
    const char* message;
  } cases[] = {
      {base + "    certificate_file: /c.pem\n    private_key_file: /k.pem\n",
       "give exactly one of client_secret_file and certificate_file"},
      {"microsoft365:\n  - {name: x, tenant: t, directory_id: d, client_id: c, certificate_file: "
       "/c.pem}\n",
       "certificate_file and private_key_file go together"},
      {base + "    users: [all, a@x.example]\n", "not a mix"},
      {base + "    users: [alice]\n", "'alice' is not a user principal name"},
      {base + "    graph_url: http://graph.example\n", "graph_url 'http://graph.example' is not"},
      {base + "    login_url: https://login.example/\n", "login_url"},
      {base + "    users: {team: x}\n", "users must be a list"},
      {base + "    directoryid: x\n", "unknown key 'directoryid' in a microsoft365 source"},
      {base + "mailboxes:\n  - {name: contoso-m365, tenant: t, protocol: imaps, host: h, "
              "username: u, password: p}\n",
       "source name 'contoso-m365' is already used"},
      {base + "mailboxes:\n  - {name: jm, tenant: t, protocol: imaps, host: h, username: u, "
              "password: p, oauth2: {microsoft365: contoso-m365}}\n",
       "give exactly one of password, password_file, oauth2.microsoft365"},
      {base + "mailboxes:\n  - {name: jm, tenant: t, protocol: imaps, host: h, username: u, "
              "oauth2: {microsoft365: other}}\n",
       "oauth2.microsoft365 'other' names no microsoft365 entry"},
      {base + "mailboxes:\n  - {name: jm, tenant: t, protocol: imaps, host: h, username: u, "
              "password: p, oauth2: {token_url: https://x}}\n",
       "oauth2.token_url belongs to oauth2.google_service_account_file"},
  };
  for (const auto& k : cases) {
    try {
      load_string(k.yaml, "t.yaml");
      ADD_FAILURE() << "accepted: " << k.yaml;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(k.message), std::string::npos) << e.what();
    }
  }
}
