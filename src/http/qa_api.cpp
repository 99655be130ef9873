#include "http/qa_api.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <fstream>
#include <sstream>

#include "base/address_block.hpp"
#include "base/clock.hpp"
#include "base/log_value.hpp"
#include "base/text.hpp"
#include "http/court_json.hpp"
#include "http/json_text.hpp"
#include "qa/review.hpp"

namespace courtcast::http {

namespace json = boost::json;
using boost::beast::http::status;
using boost::beast::http::verb;

namespace {

// A session's air, as app/session_broadcasts.hpp names it.
std::string session_air_stream(court::Id id) {
  return "session-" + std::to_string(id);
}

constexpr std::string_view kViewerCookie = "courtcast_viewer";
constexpr std::size_t kMaxQuestionChars = 300;
constexpr std::size_t kMaxNicknameChars = 20;
constexpr std::size_t kMaxContactChars = 60;
constexpr std::size_t kMaxAnswerChars = 1000;
constexpr std::size_t kMaxReasonChars = 200;
constexpr std::size_t kMaxCommentsPerCall = 1000;

// Characters (code points) of UTF-8 text; continuation bytes do not count.
std::size_t chars(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

bool is_viewer_id(std::string_view v) {
  return v.size() == 32 && std::all_of(v.begin(), v.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// An optional text field of a JSON body: absent or null is "", else a
// string of at most `max` characters.
std::optional<ApiResult> text_field(const json::object& body, std::string_view key,
                                    std::string& out, std::size_t max, bool required = false) {
  const auto* v = body.if_contains(key);
  if (!v || v->is_null()) {
    if (required) return bad_field(key, "required");
    return std::nullopt;
  }
  if (!v->is_string()) return bad_field(key, "must be a string");
  std::string text(v->as_string());
  // Spaces around a question are no part of it.
  const auto first = text.find_first_not_of(" \t\r\n");
  const auto last = text.find_last_not_of(" \t\r\n");
  text = first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
  if (required && text.empty()) return bad_field(key, "must not be empty");
  if (chars(text) > max)
    return api_error(status::bad_request, std::string(key) + "_too_long",
                     std::string(key) + ": at most " + std::to_string(max) + " characters");
  out = std::move(text);
  return std::nullopt;
}

json::array findings_json(const qa::Review& r) {
  json::array out;
  for (const auto& f : r.findings) {
    json::object o{{"kind", qa::to_string(f.kind)},
                   {"action", qa::to_string(f.action)},
                   {"confidence", qa::to_string(f.confidence)},
                   {"reason", f.reason}};
    if (!f.category.empty()) o["category"] = f.category;
    out.push_back(std::move(o));
  }
  return out;
}

json::value optional_ms(const std::optional<std::int64_t>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

}  // namespace

std::string json_etag(const std::string& text) {
  return "\"" + sha256_hex(text).substr(0, 32) + "\"";
}

bool etag_listed(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.starts_with("W/")) item.remove_prefix(2);  // a cache may weaken it
    if (item == "*" || item == etag) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

QaApi::QaApi(store::Repository& repo, live::Hub& hub, const program::ProgramRegistry& programs,
             QaOptions options)
    : repo_(repo),
      hub_(hub),
      programs_(programs),
      options_(std::move(options)),
      per_browser_(options_.questions_per_minute_per_browser),
      per_address_(options_.questions_per_minute_per_address),
      cache_control_("public, max-age=" + std::to_string(options_.public_max_age_s)),
      words_(std::make_shared<const qa::WordList>()) {}

void QaApi::set_words(std::shared_ptr<const qa::WordList> words) {
  std::lock_guard lock(mutex_);
  words_ = std::move(words);
}

std::shared_ptr<const qa::WordList> QaApi::words() const {
  std::lock_guard lock(const_cast<std::mutex&>(mutex_));
  return words_;
}

std::int64_t RateLimiter::take(const std::string& key, std::int64_t now_ms) {
  const double per_ms = per_minute_ / 60'000.0;
  std::lock_guard lock(mutex_);
  // Keys that have refilled completely say nothing: drop them now and then.
  if (buckets_.size() > 100'000) {
    for (auto it = buckets_.begin(); it != buckets_.end();)
      it = now_ms - it->second.at_ms > 60'000 ? buckets_.erase(it) : std::next(it);
  }
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{double(per_minute_), now_ms});
  Bucket& b = it->second;
  if (!fresh) {
    b.tokens = std::min<double>(per_minute_, b.tokens + (now_ms - b.at_ms) * per_ms);
    b.at_ms = now_ms;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  return static_cast<std::int64_t>((1.0 - b.tokens) / per_ms) + 1;
}

std::optional<std::string> QaApi::public_state(const court::LiveSession& s) const {
  using court::SessionState;
  switch (s.state) {
    case SessionState::approved:
      return "upcoming";
    case SessionState::ended:
      return "ended";
    case SessionState::live: {
      // What air shows now: the privacy cut or the standby card is 直播暂停.
      auto program = programs_.find(session_air_stream(s.id));
      if (program) {
        const auto v = program->view();
        // The director's card on program reaches air after the delay; the
        // page says so from the take on (air's own card covers lost signal).
        if (v.cut || v.on_air == program::kCardSource || v.on_program == program::kCardSource)
          return "paused";
      }
      return "live";
    }
    case SessionState::draft:
    case SessionState::submitted:
    case SessionState::rejected:
      break;
  }
  return std::nullopt;
}

json::object QaApi::public_session_json(const court::LiveSession& s, const std::string& state) {
  const std::string air = session_air_stream(s.id);
  json::value play = nullptr;
  if (state == "live" || state == "paused")
    play = json::object{{"flv", "/live/" + air + ".flv"}, {"hls", "/live/" + air + "/index.m3u8"}};
  return json::object{
      {"id", s.id},
      {"title", s.title},
      {"court", options_.court},
      {"site", s.site},
      {"description", s.public_description},
      {"scheduled_start_ms", s.scheduled_start_ms},
      {"scheduled_end_ms", s.scheduled_end_ms ? json::value(*s.scheduled_end_ms) : nullptr},
      {"started_ms", s.actual_start_ms ? json::value(*s.actual_start_ms) : nullptr},
      {"ended_ms", s.actual_end_ms ? json::value(*s.actual_end_ms) : nullptr},
      {"state", state},
      {"play", std::move(play)},
      {"questions_answered", s.questions_answered}};
}

template <typename Make>
ApiResult QaApi::cached(const ApiRequest& req, const std::string& key, Make&& make) {
  const std::int64_t now = base::utc_now_ms();
  std::shared_ptr<const Cached> entry;
  bool remake = true;
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(key); it != cache_.end() && it->second.entry) {
      entry = it->second.entry;
      const bool stale = now - entry->made_ms >= options_.public_cache_ms;
      remake = stale && !it->second.remaking;
      if (remake) it->second.remaking = true;
    }
  }
  if (remake) {
    std::optional<json::value> body = make();
    std::lock_guard lock(mutex_);
    if (!body) {
      cache_.erase(key);
      return api_error(status::not_found, "not_found", "no such public session");
    }
    auto made = std::make_shared<Cached>();
    made->text = json_text(*body);
    made->etag = json_etag(made->text);
    made->made_ms = now;
    entry = std::move(made);
    if (cache_.size() > 10'000) cache_.clear();  // ids a crawler made up
    cache_[key] = CacheSlot{entry, false};
  }
  ApiResult r;
  r.headers = {{"ETag", entry->etag}, {"Cache-Control", cache_control_}};
  if (etag_listed(req.if_none_match, entry->etag)) {
    r.status = status::not_modified;
    r.body = nullptr;
  } else {
    r.body_text = std::shared_ptr<const std::string>(entry, &entry->text);
  }
  return r;
}

ApiResult QaApi::public_sessions(const ApiRequest& req) {
  return cached(req, "sessions", [&]() -> std::optional<json::value> {
    auto all = repo_.list_sessions({});
    if (!all) return json::object{{"sessions", json::array()}};
    std::vector<const court::LiveSession*> shown;
    for (const auto& s : *all) {
      const bool open = s.state == court::SessionState::live ||
                        (s.state == court::SessionState::approved && !s.training);
      if (open) shown.push_back(&s);
    }
    // Live first, then upcoming by their time.
    std::stable_sort(shown.begin(), shown.end(), [](const auto* a, const auto* b) {
      const bool al = a->state == court::SessionState::live;
      const bool bl = b->state == court::SessionState::live;
      if (al != bl) return al;
      return a->scheduled_start_ms < b->scheduled_start_ms;
    });
    json::array out;
    for (const auto* s : shown)
      if (auto state = public_state(*s)) out.push_back(public_session_json(*s, *state));
    return json::object{{"sessions", std::move(out)}};
  });
}

ApiResult QaApi::public_session(const ApiRequest& req, court::Id id) {
  return cached(req, "session/" + std::to_string(id), [&]() -> std::optional<json::value> {
    auto s = repo_.get_session(id);
    if (!s) return std::nullopt;
    auto state = public_state(*s);
    if (!state) return std::nullopt;
    json::object o = public_session_json(*s, *state);
    if (*state == "live" || *state == "paused") {
      o["watching"] = watching(id);
      record_audience(id);
    }
    return json::value(std::move(o));
  });
}

// ---- the watch page's audience ----

std::uint64_t QaApi::watching(court::Id id) {
  const std::string air = session_air_stream(id);
  std::uint64_t players = 0;
  if (auto stream = hub_.find(air)) players = stream->info().players;
  const std::uint64_t relays = options_.relays_of ? options_.relays_of(air) : 0;
  const std::uint64_t n = players > relays ? players - relays : 0;
  std::lock_guard lock(mutex_);
  auto& a = audience_of(id);
  a.watching = n;
  a.peak = std::max(a.peak, n);
  return n;
}

ApiResult QaApi::view(const ApiRequest& req, court::Id id) {
  auto s = repo_.get_session(id);
  if (!s || !public_state(*s))
    return api_error(status::not_found, "not_found", "no such public session");
  ApiResult r{status::no_content, nullptr};
  const std::string viewer = viewer_of(req, r);
  // 64 of the cookie's 128 random bits: enough to tell a million apart.
  std::uint64_t key = 0;
  std::from_chars(viewer.data(), viewer.data() + 16, key, 16);
  {
    std::lock_guard lock(mutex_);
    auto& a = audience_of(id);
    if (a.viewers.size() >= 10'000'000 || !a.viewers.insert(key).second) return r;
  }
  // A viewer is written once, when first seen, so that a restart keeps the
  // count (a page reload or a second tab writes nothing). Outside the lock:
  // the store may wait on other writers.
  (void)repo_.add_audience_viewers(id, {static_cast<std::int64_t>(key)});
  return r;
}

QaApi::Audience& QaApi::audience_of(court::Id id) {
  auto& a = audience_[id];
  if (!a.loaded) {
    a.loaded = true;
    if (auto stored = repo_.list_audience_viewers(id))
      for (const std::int64_t v : *stored) a.viewers.insert(static_cast<std::uint64_t>(v));
  }
  return a;
}

json::object QaApi::audience_json(court::Id id) {
  const std::uint64_t now_watching = watching(id);
  std::lock_guard lock(mutex_);
  const auto& a = audience_of(id);
  return json::object{{"watching", now_watching},
                      {"peak", a.peak},
                      {"unique", static_cast<std::uint64_t>(a.viewers.size())}};
}

void QaApi::record_audience(court::Id id) {
  std::size_t unique = 0;
  {
    std::lock_guard lock(mutex_);
    auto& a = audience_of(id);
    const std::int64_t now = base::utc_now_ms();
    if (a.viewers.size() == a.recorded_unique || now - a.recorded_ms < options_.audience_record_ms)
      return;
    unique = a.viewers.size();
    a.recorded_unique = unique;
    a.recorded_ms = now;
  }
  court::AudienceFigure f;
  f.platform = "观看页";
  f.kind = court::ViewKind::watch_count;
  f.count = static_cast<std::int64_t>(unique);
  f.source = court::AudienceSource::measured;
  f.reported_ms = base::utc_now_ms();
  (void)repo_.record_audience(id, f, store::Actor{"watch-page", f.reported_ms});
}

// ---- questions ----

json::object question_json(const store::Question& q) {
  json::value findings = json::parse(q.findings_json.empty() ? "[]" : q.findings_json);
  return json::object{{"id", q.id},
                      {"session_id", q.session_id},
                      {"source", q.source},
                      {"author", q.author},
                      {"masked_text", q.masked_text},
                      {"findings", std::move(findings)},
                      {"verdict", q.verdict},
                      {"state", store::question_state_code(q.state)},
                      {"reason", q.reason},
                      {"merged_into", optional_ms(q.merged_into)},
                      {"repeats", q.repeats},
                      {"pinned", q.pinned},
                      {"answer", q.answer},
                      {"answered_by", q.answered_by},
                      {"has_contact", !q.contact.empty()},
                      {"created_ms", q.created_ms},
                      {"updated_ms", q.updated_ms},
                      {"answered_ms", optional_ms(q.answered_ms)}};
}

json::object public_question_json(const store::Question& q) {
  return json::object{{"id", q.id},
                      {"text", q.masked_text},
                      {"nickname", q.author},
                      {"source", q.source},
                      {"state", store::question_state_code(q.state)},
                      {"repeats", q.repeats},
                      {"pinned", q.pinned},
                      {"answer", q.answer},
                      {"answered_ms", optional_ms(q.answered_ms)}};
}

std::string QaApi::viewer_cookie(const ApiRequest& req) const {
  std::string v = base::cookie_value(req.cookie, kViewerCookie);
  return is_viewer_id(v) ? v : std::string();
}

std::string QaApi::viewer_of(const ApiRequest& req, ApiResult& answer) const {
  std::string viewer = viewer_cookie(req);
  if (viewer.empty()) {
    viewer = random_hex(16);
    answer.headers.emplace_back("Set-Cookie",
                                std::string(kViewerCookie) + "=" + viewer +
                                    "; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax" +
                                    (options_.secure_cookie ? "; Secure" : ""));
  }
  return viewer;
}

std::shared_ptr<QaApi::SessionQueue> QaApi::queue_of(court::Id session_id) {
  std::lock_guard lock(mutex_);
  auto& q = queues_[session_id];
  if (!q) q = std::make_shared<SessionQueue>();
  return q;
}

void QaApi::changed(const store::Question& q) {
  {
    std::lock_guard lock(mutex_);
    cache_.erase("questions/" + std::to_string(q.session_id));
    cache_.erase("session/" + std::to_string(q.session_id));
  }
  if (events_)
    events_->publish(json_text(json::object{
        {"type", "question"}, {"session_id", q.session_id}, {"question", question_json(q)}}));
}

store::Result<store::Question> QaApi::receive(Incoming in, const std::string& actor) {
  auto sq = queue_of(in.session_id);
  std::lock_guard lock(sq->mutex);
  if (!sq->loaded) {
    auto all = repo_.list_questions(in.session_id);
    if (!all) return court::Unexpected<store::Error>{all.error()};
    for (const auto& old : *all)
      if (old.state != store::QuestionState::merged &&
          old.state != store::QuestionState::rejected && !old.normalized_key.empty())
        sq->repeats.insert(old.normalized_key, static_cast<std::uint64_t>(old.id));
    // Cases are on the session before it goes live, when questions come.
    std::vector<std::string> parties;
    if (auto s = repo_.get_session(in.session_id))
      for (const auto case_id : s->case_ids)
        if (auto c = repo_.get_case(case_id)) {
          for (const auto* list : {&c->applicants, &c->respondents})
            for (const auto& p : *list)
              if (p.kind == court::PartyKind::person && !p.name.empty()) parties.push_back(p.name);
        }
    sq->names = std::make_shared<const qa::WordList>(qa::WordList::of_names(parties));
    sq->loaded = true;
  }
  const auto list = words();
  const qa::Review review = qa::review(in.text, *list, *sq->names);
  store::Question q;
  q.session_id = in.session_id;
  q.source = std::move(in.source);
  q.message_id = std::move(in.message_id);
  q.viewer = std::move(in.viewer);
  q.author =
      in.author.empty() ? std::string() : qa::review(in.author, *list, *sq->names).masked_text;
  q.contact = std::move(in.contact);
  q.text = std::move(in.text);
  q.masked_text = review.masked_text;
  q.normalized_key = review.normalized_key;
  q.findings_json = json::serialize(findings_json(review));
  q.verdict = std::string(qa::to_string(review.verdict));
  q.reason = review.reason;
  // The pipeline rejects outright only what the court's list says to.
  if (review.verdict == qa::Verdict::reject) q.state = store::QuestionState::rejected;

  std::optional<court::Id> repeat_of;
  if (q.state != store::QuestionState::rejected && !q.normalized_key.empty())
    if (auto r = sq->repeats.find(q.normalized_key)) repeat_of = static_cast<court::Id>(r->id);
  auto stored =
      repo_.add_question(std::move(q), repeat_of, store::Actor{actor, base::utc_now_ms()});
  if (!stored) return stored;
  if (stored->state != store::QuestionState::merged &&
      stored->state != store::QuestionState::rejected && !stored->normalized_key.empty())
    sq->repeats.insert(stored->normalized_key, static_cast<std::uint64_t>(stored->id));
  changed(*stored);
  if (stored->merged_into) {
    if (auto target = repo_.get_question(*stored->merged_into)) changed(*target);
  }
  return stored;
}

ApiResult QaApi::public_questions(const ApiRequest& req, court::Id id) {
  return cached(req, "questions/" + std::to_string(id), [&]() -> std::optional<json::value> {
    auto s = repo_.get_session(id);
    if (!s || !public_state(*s)) return std::nullopt;
    auto all = repo_.list_questions(id);
    json::array out;
    if (all)
      for (const auto& q : *all)
        if (store::question_public(q.state)) out.push_back(public_question_json(q));
    return json::value(json::object{{"session_id", id}, {"questions", std::move(out)}});
  });
}

ApiResult QaApi::ask(const ApiRequest& req, court::Id id) {
  auto body = parse_body(req.body);
  if (!body) return body.error();
  static constexpr std::string_view kFields[] = {"text", "nickname", "contact"};
  for (const auto& [key, value] : *body)
    if (std::find(std::begin(kFields), std::end(kFields), key) == std::end(kFields))
      return bad_field(key, "unknown field (text, nickname, contact)");
  Incoming in;
  in.session_id = id;
  if (auto e = text_field(*body, "text", in.text, kMaxQuestionChars, true)) return *e;
  if (auto e = text_field(*body, "nickname", in.author, kMaxNicknameChars)) return *e;
  if (auto e = text_field(*body, "contact", in.contact, kMaxContactChars)) return *e;

  auto s = repo_.get_session(id);
  const auto state = s ? public_state(*s) : std::nullopt;
  if (!state) return api_error(status::not_found, "not_found", "no such public session");
  if (*state != "live" && *state != "paused")
    return api_error(status::conflict, "session_not_live",
                     "questions are taken while the session is live");

  ApiResult r;
  const std::string viewer = viewer_of(req, r);
  const std::int64_t now = base::utc_now_ms();
  // The browser's limit first: a browser past it does not use up its
  // address's questions (a court's office or a café share one).
  std::int64_t wait = per_browser_.take("b:" + viewer, now);
  if (wait == 0) wait = per_address_.take("a:" + base::address_block(req.client_address), now);
  if (wait > 0) {
    ApiResult limited = api_error(status::too_many_requests, "rate_limited",
                                  "too many questions; try again in a moment");
    limited.headers = r.headers;
    limited.headers.emplace_back("Retry-After", std::to_string((wait + 999) / 1000));
    return limited;
  }
  // The viewer is kept as a hash: the cookie itself never sits in the database.
  in.viewer = sha256_hex(viewer).substr(0, 32);
  auto stored = receive(std::move(in), "viewer");
  if (!stored) return store_error(stored.error());
  r.status = status::accepted;
  r.body = json::object{
      {"receipt", "Q" + std::to_string(stored->id)}, {"id", stored->id}, {"state", "received"}};
  return r;
}

ApiResult QaApi::queue(const ApiRequest& req, court::Id id) {
  auto s = repo_.get_session(id);
  if (!s) return store_error(s.error());
  auto all = repo_.list_questions(id);
  if (!all) return store_error(all.error());
  std::optional<std::string> only;
  if (auto st = base::query_value(req.query, "state")) only = std::string(*st);
  json::array out;
  int answered = 0;
  for (const auto& q : *all) {
    if (q.state == store::QuestionState::answered) ++answered;
    if (only && store::question_state_code(q.state) != *only) continue;
    out.push_back(question_json(q));
  }
  return {status::ok, json::object{{"session_id", id},
                                   {"questions", std::move(out)},
                                   {"answered", answered},
                                   {"audience", audience_json(id)}}};
}

ApiResult QaApi::decisions(court::Id id) {
  auto q = repo_.get_question(id);
  if (!q) return store_error(q.error());
  auto list = repo_.list_question_decisions(id);
  if (!list) return store_error(list.error());
  json::array out;
  for (const auto& d : *list)
    out.push_back(json::object{
        {"at_ms", d.at_ms}, {"actor", d.actor}, {"action", d.action}, {"reason", d.reason}});
  return {status::ok, json::object{{"question_id", id}, {"decisions", std::move(out)}}};
}

// The text as asked and the contact: a moderator's deliberate look, audited
// with who looked and at which question.
ApiResult QaApi::reveal(const Principal& who, court::Id id) {
  auto q = repo_.get_question(id);
  if (!q) return store_error(q.error());
  if (auth_)
    auth_->audit(who, "question.reveal",
                 json::object{{"question_id", id}, {"session_id", q->session_id}});
  return {status::ok, json::object{{"id", id}, {"text", q->text}, {"contact", q->contact}}};
}

ApiResult QaApi::decide(const ApiRequest& req, const Principal& who, court::Id id,
                        store::QuestionAction action) {
  store::QuestionChange change;
  change.action = action;
  if (!req.body.empty()) {
    auto body = parse_body(req.body);
    if (!body) return body.error();
    if (auto e = text_field(*body, "reason", change.reason, kMaxReasonChars)) return *e;
    if (auto e = text_field(*body, "answer", change.answer, kMaxAnswerChars)) return *e;
    if (const auto* into = body->if_contains("into")) {
      if (!into->is_int64() || into->as_int64() <= 0) return bad_field("into", "a question id");
      change.into = into->as_int64();
    }
  }
  auto r = repo_.decide_question(id, change, store::Actor{who.name, base::utc_now_ms()});
  if (!r) return store_error(r.error());
  if (action == store::QuestionAction::reject || action == store::QuestionAction::merge) {
    auto sq = queue_of(r->session_id);
    std::lock_guard lock(sq->mutex);
    sq->repeats.erase(static_cast<std::uint64_t>(r->id));
  }
  changed(*r);
  if (r->merged_into && action == store::QuestionAction::merge) {
    if (auto target = repo_.get_question(*r->merged_into)) changed(*target);
  }
  return {status::ok, question_json(*r)};
}

namespace {

// One CSV record of RFC 4180 (quoted fields, "" inside quotes) from `text`
// at `pos`; false at the end.
bool csv_record(std::string_view text, std::size_t& pos, std::vector<std::string>& fields) {
  fields.clear();
  if (pos >= text.size()) return false;
  std::string field;
  bool quoted = false;
  while (pos < text.size()) {
    const char c = text[pos++];
    if (quoted) {
      if (c == '"') {
        if (pos < text.size() && text[pos] == '"') {
          field += '"';
          ++pos;
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && pos < text.size() && text[pos] == '\n') ++pos;
      break;
    } else {
      field += c;
    }
  }
  fields.push_back(std::move(field));
  return true;
}

}  // namespace

ApiResult QaApi::comments(const ApiRequest& req, const Principal& who, court::Id id, bool csv) {
  auto s = repo_.get_session(id);
  if (!s) return store_error(s.error());
  struct Comment {
    std::string platform, message_id, user, text;
  };
  std::vector<Comment> list;
  if (csv) {
    // platform,message_id,user,text[,time] with a header row.
    std::size_t pos = 0;
    std::vector<std::string> fields;
    if (!csv_record(req.body, pos, fields) || fields.size() < 4 || fields[0] != "platform")
      return bad_field("csv", "the first row must be platform,message_id,user,text[,time]");
    int line = 1;
    while (csv_record(req.body, pos, fields)) {
      ++line;
      if (fields.size() == 1 && fields[0].empty()) continue;  // a blank line
      if (fields.size() < 4)
        return bad_field("csv", "line " + std::to_string(line) + ": needs 4 fields");
      list.push_back({fields[0], fields[1], fields[2], fields[3]});
    }
  } else {
    auto body = parse_body(req.body);
    if (!body) return body.error();
    const json::array* items = nullptr;
    json::array one;
    if (const auto* c = body->if_contains("comments"); c && c->is_array()) {
      items = &c->as_array();
    } else {
      one.push_back(*body);
      items = &one;
    }
    for (const auto& item : *items) {
      if (!item.is_object()) return bad_field("comments", "each comment is an object");
      const auto& o = item.as_object();
      Comment c;
      if (auto e = text_field(o, "platform", c.platform, 40, true)) return *e;
      if (auto e = text_field(o, "message_id", c.message_id, 200, true)) return *e;
      if (auto e = text_field(o, "user", c.user, 60)) return *e;
      if (auto e = text_field(o, "text", c.text, kMaxQuestionChars, true)) return *e;
      list.push_back(std::move(c));
    }
  }
  if (list.size() > kMaxCommentsPerCall)
    return bad_field("comments", "at most " + std::to_string(kMaxCommentsPerCall) + " a call");
  int accepted = 0, duplicates = 0, refused = 0;
  for (auto& c : list) {
    if (c.platform.empty() || c.message_id.empty() || c.text.empty() ||
        chars(c.text) > kMaxQuestionChars) {
      ++refused;
      continue;
    }
    Incoming in;
    in.session_id = id;
    in.source = std::move(c.platform);
    in.message_id = std::move(c.message_id);
    in.viewer = sha256_hex(in.source + ":" + c.user).substr(0, 32);
    in.author = std::move(c.user);
    in.text = std::move(c.text);
    auto stored = receive(std::move(in), who.name);
    if (stored)
      ++accepted;
    else if (stored.error().code == "duplicate_message")
      ++duplicates;
    else
      return store_error(stored.error());
  }
  return {status::accepted,
          json::object{{"accepted", accepted}, {"duplicates", duplicates}, {"refused", refused}}};
}

ApiResult QaApi::reload_words(const Principal& who) {
  if (options_.words_file.empty())
    return api_error(status::conflict, "no_words_file",
                     "no word list is configured ([watch] words_file)");
  std::ifstream in(options_.words_file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in)
    return api_error(status::unprocessable_entity, "words_file_unreadable",
                     "cannot read " + options_.words_file + "; the list in use stays");
  auto list = qa::WordList::parse(text.str());
  if (!list)
    return api_error(status::unprocessable_entity, "words_file_invalid",
                     list.error().message + "; the list in use stays");
  const std::size_t n = list->size();
  set_words(std::make_shared<const qa::WordList>(std::move(*list)));
  if (auth_)
    auth_->audit(
        who, "words.reload",
        json::object{{"file", options_.words_file}, {"words", static_cast<std::uint64_t>(n)}});
  return {status::ok, json::object{{"words", static_cast<std::uint64_t>(n)}}};
}

}  // namespace courtcast::http
