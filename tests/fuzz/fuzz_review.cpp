// Runs the question moderation pipeline on arbitrary bytes (questions and
// platform comments arrive from the network) and checks what it promises:
// spans inside the text, masked text valid UTF-8 with the original's shape,
// a key that is valid UTF-8, and a repeat index that takes any key.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "qa/repeat_index.hpp"
#include "qa/review.hpp"
#include "qa/text.hpp"

namespace {

const courtcast::qa::WordList& words() {
  static const auto list = courtcast::qa::WordList::parse(
      "赌博\t违法\treject\n法院不公\t攻击司法\tflag\nass\t辱骂\tflag\n他\tx\tflag\n");
  return *list;
}

const courtcast::qa::WordList& names() {
  static const auto list = courtcast::qa::WordList::of_names({"张三", "欧阳娜娜", "a"});
  return list;
}

std::size_t count_shown(std::string_view text) {
  std::size_t n = 0;
  for (const auto& c : courtcast::qa::decode(text))
    n += courtcast::qa::is_bidi_control(c.cp) ? 0 : 1;
  return n;
}

bool valid_utf8(std::string_view text) {
  std::string again;
  for (const auto& c : courtcast::qa::decode(text)) courtcast::qa::append_utf8(again, c.cp);
  return again == text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace courtcast::qa;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto r = review(text, words(), names());
  for (const auto& f : r.findings) {
    if (f.span.begin >= f.span.end || f.span.end > size || f.reason.empty()) __builtin_trap();
    if (f.action == Action::mask && !f.word.empty()) __builtin_trap();
  }
  if (!valid_utf8(r.masked_text) || !valid_utf8(r.normalized_key)) __builtin_trap();
  if (count_shown(r.masked_text) != count_shown(text)) __builtin_trap();
  if (r.reason.empty()) __builtin_trap();
  // A fresh index now and then keeps memory bounded over millions of runs.
  static RepeatIndex index;
  static std::uint64_t next = 0;
  if (++next % 4096 == 0) index = RepeatIndex();
  index.add(r.normalized_key, next);
  return 0;
}
