// courtcast-qa-bench: how many viewer questions the moderation pipeline
// (qa::review against a sensitive-word list) handles a second on one
// thread, with a synthetic word list and synthetic questions that carry
// traditional characters, noise between letters, listed words and personal
// data in realistic proportions, a quarter of them repeats; plus the cost of building the word list
// (a reload) and of merging repeats.

#include <time.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "qa/repeat_index.hpp"
#include "qa/review.hpp"
#include "qa/text.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace courtcast;

// This thread's CPU time: on a shared machine the wall clock also counts
// the time other processes held the core.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string utf8(char32_t cp) {
  std::string s;
  qa::append_utf8(s, cp);
  return s;
}

// Common characters of questions about enforcement, simplified and (some)
// traditional, so the folding table is exercised the way real text does.
const std::u32string kCommon =
    U"请问法院执行案件财产老赖如何申请强制拍卖房子车辆银行账户冻结多久能到账我的钱被告"
    U"人不还款怎么办失信名单限制高消费判决书生效以后可以起诉吗律师费用谁出工资拖欠公司"
    U"請問執行財產如何申請強制拍賣車輛銀行帳戶凍結還錢怎麼辦";

struct Generator {
  std::mt19937_64 rng;
  explicit Generator(std::uint64_t seed) : rng(seed) {}

  std::size_t below(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng); }

  // Words of 2–4 characters from the whole CJK block: most never occur in
  // questions, as in a real list.
  std::string word_list(std::size_t words, std::vector<std::string>& listed) {
    std::string text = "# synthetic list\n";
    static const char* kCategories[] = {"违法", "辱骂", "攻击司法", "广告", "政治", "色情"};
    for (std::size_t i = 0; i < words; ++i) {
      std::string w;
      const std::size_t len = 2 + below(3);
      for (std::size_t k = 0; k < len; ++k) {
        w += utf8(chance(0.05) ? kCommon[below(kCommon.size())]
                               : static_cast<char32_t>(0x4E00 + below(0x9FA5 - 0x4E00)));
      }
      listed.push_back(w);
      text += w + "\t" + kCategories[below(std::size(kCategories))] + "\t" +
              (chance(0.5) ? "reject" : "flag") + "\n";
    }
    return text;
  }

  std::string digits(std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + below(10)));
    return s;
  }

  // 20–120 characters; 10 % carry a listed word (a third of those with
  // noise inside it), 15 % personal data, 20 % noise or full-width text.
  std::string question(const std::vector<std::string>& listed) {
    std::string q;
    const std::size_t len = 20 + below(100);
    const std::size_t insert_at = below(len);
    const bool noisy = chance(0.2);
    const double pd = chance(0.15) ? 1.0 : 0.0;
    const bool word = chance(0.1);
    for (std::size_t i = 0; i < len; ++i) {
      if (i == insert_at && word) {
        const auto w = qa::decode(listed[below(listed.size())]);
        const bool split = chance(0.33);
        for (const auto& c : w) q += utf8(c.cp) + (split ? "*" : "");
      }
      if (i == insert_at && pd > 0) {
        switch (below(5)) {
          case 0:
            q += "电话 +86 138 " + digits(4) + " " + digits(4);
            break;
          case 1:
            q += "身份证320583197506153026";
            break;
          case 2:
            q += "卡号6222 0210 " + digits(4) + " " + digits(4) + " 789";
            break;
          case 3:
            q += "车牌粤B·D" + digits(5);
            break;
          default:
            q += "邮箱zhang" + digits(3) + "@example.com";
            break;
        }
      }
      q += utf8(kCommon[below(kCommon.size())]);
      if (noisy && chance(0.1)) q += chance(0.5) ? " " : "，";
      if (noisy && chance(0.05)) q += "ＡＢＣ１２３";
    }
    q += chance(0.5) ? "？" : "?";
    return q;
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"courtcast-qa-bench: throughput of the question moderation pipeline"};
  std::size_t words = 10000;
  std::size_t questions = 20000;
  double seconds = 5;
  std::uint64_t seed = 1;
  app.add_option("--words", words, "words in the synthetic list")->capture_default_str();
  app.add_option("--questions", questions, "distinct synthetic questions")->capture_default_str();
  app.add_option("--seconds", seconds, "how long to run review() over them")->capture_default_str();
  app.add_option("--seed", seed, "random seed")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (words == 0 || questions == 0) {
    std::fprintf(stderr, "--words and --questions must be at least 1\n");
    return 2;
  }

  Generator gen(seed);
  std::vector<std::string> listed;
  const std::string list_text = gen.word_list(words, listed);
  std::vector<std::string> corpus;
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < questions; ++i) {
    // A quarter repeat an earlier question, retyped with spacing,
    // punctuation or one more character (同问).
    if (!corpus.empty() && gen.chance(0.25)) {
      std::string again = corpus[gen.below(corpus.size())];
      again += gen.chance(0.5) ? "啊？" : "  ";
      corpus.push_back(std::move(again));
    } else {
      corpus.push_back(gen.question(listed));
    }
    bytes += corpus.back().size();
  }

  auto start = Clock::now();
  auto list = qa::WordList::parse(list_text);
  const double build_ms = seconds_since(start) * 1e3;
  if (!list) {
    std::fprintf(stderr, "%s\n", list.error().message.c_str());
    return 1;
  }

  // Warm up once over the corpus, then run for the asked time.
  std::size_t verdicts[3] = {0, 0, 0};
  std::size_t findings = 0;
  for (const auto& q : corpus) (void)qa::review(q, *list);
  std::size_t done = 0;
  std::vector<double> lat_us;
  lat_us.reserve(1 << 20);
  const double cpu_start = thread_cpu_seconds();
  start = Clock::now();
  while (seconds_since(start) < seconds) {
    for (const auto& q : corpus) {
      const auto t0 = Clock::now();
      const auto r = qa::review(q, *list);
      lat_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      ++verdicts[static_cast<int>(r.verdict)];
      findings += r.findings.size();
    }
    done += corpus.size();
  }
  const double elapsed = seconds_since(start);
  const double cpu = thread_cpu_seconds() - cpu_start;
  std::sort(lat_us.begin(), lat_us.end());
  const auto pct = [&](double q) {
    return lat_us[std::min(lat_us.size() - 1, static_cast<std::size_t>(q * lat_us.size()))];
  };

  // Repeats: every question's key into one index, as a session's store does.
  qa::RepeatIndex index;
  std::vector<std::string> keys;
  for (const auto& q : corpus) keys.push_back(qa::review(q, *list).normalized_key);
  std::size_t repeats = 0;
  start = Clock::now();
  for (std::size_t i = 0; i < keys.size(); ++i) repeats += index.add(keys[i], i) ? 1 : 0;
  const double repeat_s = seconds_since(start);

  const double qps = static_cast<double>(done) / elapsed;
  const double qps_cpu = static_cast<double>(done) / cpu;
  std::printf(
      "{\"words\":%zu,\"questions\":%zu,\"avg_bytes\":%.1f,\"list_build_ms\":%.1f,"
      "\"reviewed\":%zu,\"seconds\":%.2f,\"cpu_seconds\":%.2f,\"questions_per_s\":%.0f,"
      "\"questions_per_cpu_s\":%.0f,\"p50_us\":%.2f,"
      "\"p99_us\":%.2f,\"max_us\":%.1f,\"accept\":%zu,\"flag\":%zu,\"reject\":%zu,"
      "\"findings\":%zu,\"repeat_adds_per_s\":%.0f,\"repeats\":%zu}\n",
      words, questions, static_cast<double>(bytes) / static_cast<double>(questions), build_ms, done,
      elapsed, cpu, qps, qps_cpu, pct(0.5), pct(0.99), lat_us.back(), verdicts[0], verdicts[1],
      verdicts[2], findings, static_cast<double>(keys.size()) / repeat_s, repeats);
  std::fprintf(stderr,
               "review(): %.0f questions/s on one thread (%.0f per CPU second; p50 %.1f us, p99 "
               "%.1f us); list of %zu words built in %.1f ms; repeat index: %.0f adds/s\n",
               qps, qps_cpu, pct(0.5), pct(0.99), words, build_ms,
               static_cast<double>(keys.size()) / repeat_s);
  return 0;
}
