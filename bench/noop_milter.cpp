// bench/noop_milter: a milter that registers every callback (xxfi_data included, to avoid the
// 40 ms Nagle stall) and accepts everything without looking. Baseline B of bench/smtp: the cost
// of the milter protocol itself, so that C/B isolates what archiving adds. With --tempfail-at-eom
// it answers 4xx at the end of every message instead: tests/integration/milter_faults_e2e.sh puts
// it after postjournal-milter to make Postfix fail a transaction after our durable commit.
// Usage: noop_milter inet:PORT@127.0.0.1 [--tempfail-at-eom]
#include <libmilter/mfapi.h>

#include <cstdio>
#include <string_view>

namespace {
bool tempfail_at_eom = false;
sfsistat cont(SMFICTX*) {
  return SMFIS_CONTINUE;
}
sfsistat on_connect(SMFICTX*, char*, _SOCK_ADDR*) {
  return SMFIS_CONTINUE;
}
sfsistat on_helo(SMFICTX*, char*) {
  return SMFIS_CONTINUE;
}
sfsistat on_args(SMFICTX*, char**) {
  return SMFIS_CONTINUE;
}
sfsistat on_header(SMFICTX*, char*, char*) {
  return SMFIS_CONTINUE;
}
sfsistat on_body(SMFICTX*, unsigned char*, size_t) {
  return SMFIS_CONTINUE;
}
sfsistat on_eom(SMFICTX*) {
  return tempfail_at_eom ? SMFIS_TEMPFAIL : SMFIS_ACCEPT;
}
sfsistat on_unknown(SMFICTX*, const char*) {
  return SMFIS_CONTINUE;
}
sfsistat on_negotiate(SMFICTX*, unsigned long, unsigned long, unsigned long, unsigned long,
                      unsigned long* a, unsigned long* b, unsigned long* c, unsigned long* d) {
  *a = *b = *c = *d = 0;
  return SMFIS_CONTINUE;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string_view(argv[2]) == "--tempfail-at-eom") {
    tempfail_at_eom = true;
  } else if (argc != 2) {
    std::fprintf(stderr, "usage: noop_milter inet:PORT@127.0.0.1 [--tempfail-at-eom]\n");
    return 64;
  }
  static char name[] = "noop";
  smfiDesc desc = {name,    SMFI_VERSION, 0,    on_connect,  on_helo, on_args,
                   on_args, on_header,    cont, on_body,     on_eom,  cont,
                   cont,    on_unknown,   cont, on_negotiate};
  if (smfi_setconn(argv[1]) == MI_FAILURE || smfi_register(desc) == MI_FAILURE ||
      smfi_opensocket(1) == MI_FAILURE) {
    std::fprintf(stderr, "noop_milter: cannot listen on %s\n", argv[1]);
    return 69;
  }
  return smfi_main() == MI_SUCCESS ? 0 : 70;
}
