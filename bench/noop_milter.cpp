// bench/noop_milter: a milter that registers every callback (xxfi_data included, to avoid the
// 40 ms Nagle stall) and accepts everything without looking. Baseline B of bench/smtp: the cost
// of the milter protocol itself, so that C/B isolates what archiving adds. With --tempfail-at-eom
// it answers 4xx at the end of every message instead: tests/integration/milter_faults_e2e.sh puts
// it after postjournal-milter to make Postfix fail a transaction after our durable commit.
// With --no-reply it negotiates the same no-reply flags as postjournal-milter (no_reply.hpp), so
// B measures the protocol exactly as C speaks it.
// Usage: noop_milter SOCKET [--tempfail-at-eom] [--no-reply]   (SOCKET: inet:PORT@127.0.0.1,
// unix:PATH)
#include <libmilter/mfapi.h>

#include <cstdio>
#include <string_view>

#include "no_reply.hpp"

namespace {
bool tempfail_at_eom = false;
unsigned long no_reply = 0;  // the flags agreed (same for every connection)
sfsistat quiet(unsigned long flag) {
  return (no_reply & flag) != 0 ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}
sfsistat cont(SMFICTX*) {
  return SMFIS_CONTINUE;
}
sfsistat on_data(SMFICTX*) {
  return quiet(SMFIP_NR_DATA);
}
sfsistat on_eoh(SMFICTX*) {
  return quiet(SMFIP_NR_EOH);
}
sfsistat on_connect(SMFICTX*, char*, _SOCK_ADDR*) {
  return quiet(SMFIP_NR_CONN);
}
sfsistat on_helo(SMFICTX*, char*) {
  return quiet(SMFIP_NR_HELO);
}
sfsistat on_args(SMFICTX*, char**) {
  return SMFIS_CONTINUE;
}
sfsistat on_header(SMFICTX*, char*, char*) {
  return quiet(SMFIP_NR_HDR);
}
sfsistat on_body(SMFICTX*, unsigned char*, size_t) {
  return quiet(SMFIP_NR_BODY);
}
sfsistat on_eom(SMFICTX*) {
  return tempfail_at_eom ? SMFIS_TEMPFAIL : SMFIS_ACCEPT;
}
sfsistat on_unknown(SMFICTX*, const char*) {
  return quiet(SMFIP_NR_UNKN);
}
bool want_no_reply = false;
sfsistat on_negotiate(SMFICTX*, unsigned long, unsigned long f1, unsigned long, unsigned long,
                      unsigned long* a, unsigned long* b, unsigned long* c, unsigned long* d) {
  *a = *c = *d = 0;
  *b = want_no_reply ? (f1 & postjournal::milter::kNoReplyFlags) : 0;
  no_reply = *b;
  return SMFIS_CONTINUE;
}
}  // namespace

int main(int argc, char** argv) {
  bool usage = argc < 2;
  for (int i = 2; i < argc; ++i) {
    std::string_view a(argv[i]);
    if (a == "--tempfail-at-eom") {
      tempfail_at_eom = true;
    } else if (a == "--no-reply") {
      want_no_reply = true;
    } else {
      usage = true;
    }
  }
  if (usage) {
    std::fprintf(stderr, "usage: noop_milter SOCKET [--tempfail-at-eom] [--no-reply]\n");
    return 64;
  }
  static char name[] = "noop";
  smfiDesc desc = {name,    SMFI_VERSION, 0,       on_connect,  on_helo, on_args,
                   on_args, on_header,    on_eoh,  on_body,     on_eom,  cont,
                   cont,    on_unknown,   on_data, on_negotiate};
  if (smfi_setconn(argv[1]) == MI_FAILURE || smfi_register(desc) == MI_FAILURE ||
      smfi_opensocket(1) == MI_FAILURE) {
    std::fprintf(stderr, "noop_milter: cannot listen on %s\n", argv[1]);
    return 69;
  }
  return smfi_main() == MI_SUCCESS ? 0 : 70;
}
