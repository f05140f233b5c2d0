#include "compress/zstd.hpp"

#include <zstd.h>

#include <algorithm>
#include <memory>

namespace postjournal::compress {

namespace {

struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};

}  // namespace

std::string zstd_compress(std::string_view in, int level) {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxFree> ctx(ZSTD_createCCtx());
  if (!ctx) throw std::runtime_error("zstd: cannot create a compression context");
  std::string out(ZSTD_compressBound(in.size()), '\0');
  std::size_t n = ZSTD_compressCCtx(ctx.get(), out.data(), out.size(), in.data(), in.size(), level);
  if (ZSTD_isError(n)) throw std::runtime_error(std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

std::string zstd_decompress(std::string_view frame, std::size_t max_size) {
  unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
    throw CompressError("zstd: not a frame with a recorded size");
  }
  if (size > max_size) throw CompressError("zstd: frame larger than expected");
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxFree> ctx(ZSTD_createDCtx());
  if (!ctx) throw std::runtime_error("zstd: cannot create a decompression context");
  // The recorded size is the frame's claim: the output grows with what really comes out, so a
  // corrupt header cannot make us allocate its number up front.
  constexpr std::size_t kStep = 1 << 20;
  ZSTD_DCtx_reset(ctx.get(), ZSTD_reset_session_only);
  std::string out;
  ZSTD_inBuffer in{frame.data(), frame.size(), 0};
  std::size_t produced = 0;
  for (;;) {
    std::size_t want = std::min<std::size_t>(static_cast<std::size_t>(size), produced + kStep);
    out.resize(std::max(want, produced + 1));
    ZSTD_outBuffer o{out.data(), out.size(), produced};
    std::size_t rc = ZSTD_decompressStream(ctx.get(), &o, &in);
    if (ZSTD_isError(rc)) {
      throw CompressError(std::string("zstd: corrupt frame: ") + ZSTD_getErrorName(rc));
    }
    produced = o.pos;
    if (rc == 0) break;  // the frame is complete
    if (produced > size || (in.pos == in.size && o.pos < o.size)) {
      throw CompressError("zstd: corrupt frame: truncated");
    }
  }
  if (produced != size || in.pos != in.size) throw CompressError("zstd: corrupt frame: size");
  out.resize(produced);
  return out;
}

}  // namespace postjournal::compress
