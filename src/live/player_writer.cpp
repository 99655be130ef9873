#include "live/player_writer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace courtcast::live {

using namespace std::chrono;

PlayerWriter::PlayerWriter(PacketSource& source, asio::ip::tcp::socket& socket, Framer framer,
                           milliseconds stall_timeout)
    : source_(source),
      socket_(socket),
      framer_(framer),
      stall_timeout_(stall_timeout),
      stall_timer_(socket.get_executor()),
      alive_(std::make_shared<bool>(true)) {}

PlayerWriter::~PlayerWriter() {
  *alive_ = false;
  source_.set_direct_writer(nullptr);
}

asio::awaitable<WriteEnd> PlayerWriter::run() {
  if (!tls_) {
    boost::system::error_code ec;
    socket_.non_blocking(true, ec);
    if (!ec) source_.set_direct_writer([this] { return write_direct(); });
  }
  WriteEnd end = WriteEnd::stopped;
  for (;;) {
    // What a direct write left half-sent goes first: nothing may come
    // between the pieces of one packet's framing.
    if (!left_.empty()) {
      const std::size_t total = frame(left_);
      if (!co_await write_buffers(left_offset_)) {
        end = stalled_ ? WriteEnd::stalled : WriteEnd::failed;
        break;
      }
      source_.count_sent(total - left_offset_);
      left_.clear();
      left_offset_ = 0;
      continue;
    }
    if (!control_.empty()) {
      control_out_.swap(control_);
      control_.clear();
      buffers_.assign(1, asio::buffer(control_out_));
      if (!co_await write_buffers(0)) {
        end = stalled_ ? WriteEnd::stalled : WriteEnd::failed;
        break;
      }
      continue;
    }
    if (stopping_) break;
    if (!co_await source_.next(batch_)) {
      end = WriteEnd::source_ended;
      break;
    }
    if (batch_.empty()) continue;  // interrupted: control, a stop, or a direct write's rest
    const std::size_t total = frame(batch_);
    if (!co_await write_buffers(0)) {
      end = stalled_ ? WriteEnd::stalled : WriteEnd::failed;
      break;
    }
    source_.count_sent(total);
    batch_.clear();
  }
  source_.set_direct_writer(nullptr);
  batch_.clear();
  left_.clear();
  co_return end;
}

void PlayerWriter::send_control(std::span<const std::uint8_t> bytes) {
  control_.insert(control_.end(), bytes.begin(), bytes.end());
  source_.interrupt();
}

void PlayerWriter::stop() {
  stopping_ = true;
  source_.interrupt();
}

// Called by a wake of the player's shard while run() waits in next(): what
// is ready goes out now, without blocking, and without resuming run(). Only
// what the socket does not take is handed to run() (returns false).
bool PlayerWriter::write_direct() {
  if (stopping_ || !control_.empty() || !left_.empty()) return false;
  if (!source_.take_ready(batch_)) return true;
  const std::size_t total = frame(batch_);
  boost::system::error_code ec;
  std::size_t n = socket_.write_some(buffers_, ec);
  if (ec && ec != asio::error::would_block) n = 0;  // run() meets the error
  if (!ec && n == total) {
    source_.count_sent(total);
    batch_.clear();  // hold no packet longer than needed
    return true;
  }
  left_.swap(batch_);
  batch_.clear();
  left_offset_ = ec ? 0 : n;
  return false;
}

std::size_t PlayerWriter::frame(const std::vector<media::PacketPtr>& packets) {
  buffers_.clear();
  std::size_t bytes = 0;
  for (const auto& p : packets) {
    const auto wire = framer_(*p);
    buffers_.emplace_back(wire.data(), wire.size());
    bytes += wire.size();
  }
  return bytes;
}

asio::awaitable<bool> PlayerWriter::write_buffers(std::size_t skip_bytes) {
  auto first = buffers_.begin();
  while (first != buffers_.end() && skip_bytes >= first->size()) {
    skip_bytes -= first->size();
    ++first;
  }
  buffers_.erase(buffers_.begin(), first);
  if (!buffers_.empty()) buffers_.front() += skip_bytes;
  write_started_ = steady_clock::now();
  writing_ = true;
  watch_stall();
  boost::system::error_code ec;
  if (tls_) {
    ec = co_await write_all_(tls_, buffers_);
  } else {
    auto [wec, n] =
        co_await asio::async_write(socket_, buffers_, asio::as_tuple(asio::use_awaitable));
    ec = wec;
  }
  writing_ = false;
  co_return !ec && !stalled_;
}

// One timer per writer, armed only while writes wait for the peer (the slow
// path) and at most once per stall period, not once per write.
void PlayerWriter::watch_stall() {
  if (stall_watched_ || stall_timeout_ <= milliseconds(0)) return;
  stall_watched_ = true;
  stall_timer_.expires_at(write_started_ + stall_timeout_);
  stall_timer_.async_wait([this, alive = alive_](boost::system::error_code) {
    if (!*alive) return;
    stall_watched_ = false;
    if (!writing_) return;
    if (steady_clock::now() - write_started_ >= stall_timeout_) {
      stalled_ = true;
      boost::system::error_code ec;
      socket_.cancel(ec);  // the write returns operation_aborted
      return;
    }
    watch_stall();
  });
}

}  // namespace courtcast::live
