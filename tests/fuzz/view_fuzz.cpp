// libFuzzer target: what postjournal-web shows of untrusted mail — the HTML sanitiser
// (view/sanitize.hpp) and the reader's MIME walk (view/message_view.hpp).
// Invariants: no crash; the sanitised HTML has no script, style, frame, object or image element,
// no event-handler or style attribute, and every link target is http:, https: or mailto:;
// sanitising is idempotent on its own output; every attachment range lies inside the message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "view/message_view.hpp"
#include "view/sanitize.hpp"

namespace {

std::string lower(std::string s) {
  for (auto& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

void check_safe(const std::string& html) {
  std::string l = lower(html);
  for (const char* bad : {"<script", "<style", "<iframe", "<object", "<embed", "<img", "<svg",
                          "<frame", "<base", "<link", "<meta", "<form", "<input"}) {
    if (l.find(bad) != std::string::npos) std::abort();
  }
  // Inside tags only kept attributes appear: " on...=" or " style=" would be a leak.
  bool in_tag = false;
  for (std::size_t i = 0; i < l.size(); ++i) {
    if (l[i] == '<') in_tag = true;
    if (l[i] == '>') in_tag = false;
    if (in_tag && l[i] == ' ' &&
        (l.compare(i + 1, 2, "on") == 0 || l.compare(i + 1, 6, "style=") == 0))
      std::abort();
    if (in_tag && l.compare(i, 6, "href=\"") == 0) {
      std::string v = l.substr(i + 6, 8);
      if (v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0 && v.rfind("mailto:", 0) != 0)
        std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace postjournal;
  std::string in(reinterpret_cast<const char*>(data), size);
  std::string once = view::sanitize_html(in);
  check_safe(once);
  if (view::sanitize_html(once) != once) std::abort();
  view::MessageView v = view::read_view(in);
  check_safe(view::sanitize_html(v.html));
  for (const auto& a : v.attachments) {
    if (a.body_start > a.body_end || a.body_end > in.size()) std::abort();
    (void)view::attachment_bytes(in, a);
  }
  return 0;
}
