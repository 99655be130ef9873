#include "tools/hls_reader.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "tools/players.hpp"

namespace courtcast::tools {

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
// Large reads are what keeps 2,000 readers cheap: a 2.6 Mbit/s segment of
// 2 s is ~650 KB, so a few reads a segment. Segment bytes go to one scratch
// buffer per thread (only one reader of a thread reads at a time and nobody
// looks at them); a connection's own buffer holds heads and playlists.
constexpr std::size_t kDiscardBytes = 256 * 1024;
constexpr std::size_t kReadBytes = 16 * 1024;
constexpr std::size_t kMaxPlaylistBytes = 1024 * 1024;

std::string lowered(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

struct Response {
  int status = 0;
  std::uint64_t length = 0;
  std::string error;  // empty when the whole response was read
};

// One keep-alive HTTP/1.1 connection, one request at a time.
class Connection {
 public:
  Connection(asio::any_io_executor executor, const HttpUrl& url)
      : socket_(executor), url_(url), buffer_(kReadBytes) {}

  bool open() const { return socket_.is_open(); }

  asio::awaitable<std::string> connect() {
    socket_ = tcp::socket(socket_.get_executor());
    begin_ = end_ = 0;
    tcp::resolver resolver(socket_.get_executor());
    auto [rec, endpoints] = co_await resolver.async_resolve(url_.host, url_.port, use_nothrow);
    if (rec) co_return "resolving " + url_.host + ": " + rec.message();
    if (auto [ec, ep] = co_await asio::async_connect(socket_, endpoints, use_nothrow); ec)
      co_return "connecting: " + ec.message();
    co_return "";
  }

  // GETs `target`; the body goes to `body` when given, else is discarded.
  asio::awaitable<Response> get(const std::string& target, std::string* body) {
    Response r;
    const std::string request = "GET " + target + " HTTP/1.1\r\nHost: " + url_.host + ":" +
                                url_.port + "\r\nUser-Agent: courtcast-bench\r\n\r\n";
    if (auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(request), use_nothrow);
        ec) {
      r.error = "sending: " + ec.message();
      co_return r;
    }
    std::size_t head_end = std::string_view::npos;
    while (head_end == std::string_view::npos) {
      const std::string_view have(buffer_.data() + begin_, end_ - begin_);
      head_end = have.find("\r\n\r\n");
      if (head_end != std::string_view::npos) break;
      if (auto e = co_await fill(); !e.empty()) {
        r.error = "reading the head: " + e;
        co_return r;
      }
    }
    const std::string head = lowered(std::string_view(buffer_.data() + begin_, head_end));
    begin_ += head_end + 4;
    if (head.rfind("http/1.", 0) != 0 || head.size() < 12) {
      r.error = "not an HTTP/1 response";
      co_return r;
    }
    r.status = std::atoi(head.c_str() + 9);
    if (head.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
      r.error = "chunked responses are not supported by the bench";
      co_return r;
    }
    const auto cl = head.find("\r\ncontent-length:");
    if (cl == std::string::npos) {
      r.error = "no content-length";
      co_return r;
    }
    r.length = std::strtoull(head.c_str() + cl + 17, nullptr, 10);
    close_after_ = head.find("\r\nconnection: close") != std::string::npos;
    if (body) {
      if (r.length > kMaxPlaylistBytes) {
        r.error = "playlist too large";
        co_return r;
      }
      body->clear();
    }
    std::uint64_t left = r.length;
    while (left > 0) {
      if (begin_ == end_ && !body) {
        thread_local std::vector<char> scratch(kDiscardBytes);
        auto [ec, n] = co_await socket_.async_read_some(asio::buffer(scratch), use_nothrow);
        if (ec) {
          r.error = "reading the body: " + ec.message();
          co_return r;
        }
        if (n > left) {
          r.error = "more bytes than the response";  // nothing was pipelined
          co_return r;
        }
        left -= n;
        continue;
      }
      if (begin_ == end_) {
        if (auto e = co_await fill(); !e.empty()) {
          r.error = "reading the body: " + e;
          co_return r;
        }
      }
      const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(left, end_ - begin_));
      if (body) body->append(buffer_.data() + begin_, take);
      begin_ += take;
      left -= take;
    }
    if (close_after_) socket_.close();
    co_return r;
  }

  void close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

 private:
  // Reads once into the buffer's free end, making room first.
  asio::awaitable<std::string> fill() {
    if (begin_ == end_) {
      begin_ = end_ = 0;
    } else if (end_ == buffer_.size()) {
      if (begin_ == 0) co_return "response head larger than the buffer";
      std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    auto [ec, n] = co_await socket_.async_read_some(
        asio::buffer(buffer_.data() + end_, buffer_.size() - end_), use_nothrow);
    if (ec) co_return ec == asio::error::eof ? std::string("closed by the server") : ec.message();
    end_ += n;
    co_return "";
  }

  tcp::socket socket_;
  HttpUrl url_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0, end_ = 0;
  bool close_after_ = false;
};

struct Listed {
  std::string uri;
  double duration_s = 0;
};

std::vector<Listed> media_segments(std::string_view playlist) {
  std::vector<Listed> out;
  double duration = 0;
  for (std::size_t pos = 0; pos < playlist.size();) {
    auto eol = playlist.find('\n', pos);
    if (eol == std::string_view::npos) eol = playlist.size();
    std::string_view line = playlist.substr(pos, eol - pos);
    pos = eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (line.rfind("#EXTINF:", 0) == 0) {
      duration = std::strtod(std::string(line.substr(8)).c_str(), nullptr);
    } else if (line[0] != '#') {
      out.push_back({std::string(line), duration});
      duration = 0;
    }
  }
  return out;
}

}  // namespace

asio::awaitable<void> read_hls(const HlsContext& ctx, std::chrono::milliseconds start_delay,
                               HlsReaderStats& stats, HlsThreadState& state) {
  const auto fail = [&stats](std::string why) {
    stats.errors.fetch_add(1, std::memory_order_relaxed);
    stats.error = std::move(why);
  };
  HttpUrl url;
  if (!parse_http_url(ctx.url, url)) {
    fail("bad http url '" + ctx.url + "'");
    co_return;
  }
  const std::string base = url.target.substr(0, url.target.rfind('/') + 1);
  const auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor);
  timer.expires_after(start_delay);
  co_await timer.async_wait(use_nothrow);
  const auto poll =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(ctx.poll_seconds));

  Connection conn(executor, url);
  std::vector<std::string> fetched;  // of the last playlist, so it stays small
  std::string playlist;
  bool first = true;
  for (;;) {
    // Like a player without blocking reload: the next reload one poll
    // interval after this round's fetches end (what bench/edge.py did).
    const auto round = [&]() -> asio::awaitable<void> {
      if (!conn.open()) {
        if (auto e = co_await conn.connect(); !e.empty()) {
          fail(e);
          co_return;
        }
        stats.connected.store(true, std::memory_order_relaxed);
      }
      auto r = co_await conn.get(url.target, &playlist);
      if (!r.error.empty()) {
        conn.close();
        fail("playlist: " + r.error);
        co_return;
      }
      if (r.status != 200) {
        fail("playlist " + std::to_string(r.status));
        co_return;
      }
      const bool measuring = ctx.measuring->load(std::memory_order_relaxed);
      if (measuring) stats.playlists.fetch_add(1, std::memory_order_relaxed);
      const auto listed = media_segments(playlist);
      const auto now = Clock::now();
      std::vector<const Listed*> fresh;
      for (const auto& s : listed) {
        state.segments.try_emplace(s.uri, HlsThreadState::Segment{now, s.duration_s, 0});
        if (std::find(fetched.begin(), fetched.end(), s.uri) == fetched.end()) fresh.push_back(&s);
      }
      // Start at the live edge, as players do.
      if (first && fresh.size() > 1) fresh.erase(fresh.begin(), fresh.end() - 1);
      if (!first && fresh.size() > 1 && measuring)
        stats.late.fetch_add(static_cast<std::uint32_t>(fresh.size() - 1),
                             std::memory_order_relaxed);
      first = false;
      // Forget what left the playlist: it cannot come back.
      std::erase_if(fetched, [&](const std::string& u) {
        return std::none_of(listed.begin(), listed.end(),
                            [&](const Listed& s) { return s.uri == u; });
      });
      for (const Listed* s : fresh) {
        const std::string target = s->uri[0] == '/' ? s->uri : base + s->uri;
        auto sr = co_await conn.get(target, nullptr);
        if (!sr.error.empty()) {
          conn.close();
          fail("segment: " + sr.error);
          co_return;
        }
        if (sr.status != 200) {
          fail("segment " + std::to_string(sr.status));
          continue;
        }
        fetched.push_back(s->uri);
        state.segments[s->uri].size = sr.length;
        if (ctx.measuring->load(std::memory_order_relaxed)) {
          stats.fetched.fetch_add(1, std::memory_order_relaxed);
          stats.bytes.fetch_add(sr.length, std::memory_order_relaxed);
        }
      }
    };
    co_await round();
    timer.expires_after(poll);
    auto [ec] = co_await timer.async_wait(use_nothrow);
    if (ec) co_return;
  }
}

}  // namespace courtcast::tools
