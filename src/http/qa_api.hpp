#pragma once
// The public side of a broadcast and its viewers' questions:
//
//   GET  /api/v1/public/sessions                 live and upcoming sessions
//   GET  /api/v1/public/sessions/{id}            one session, for its watch page
//   GET  /api/v1/public/sessions/{id}/questions  approved questions and answers
//   POST /api/v1/public/sessions/{id}/questions  a viewer asks (202, a receipt)
//   POST /api/v1/public/sessions/{id}/views      a watch page opened (unique viewers)
//
// and for the team (roles in auth.cpp's table):
//
//   GET  /api/v1/sessions/{id}/questions         the moderation queue, masked
//   POST /api/v1/questions/{id}/ACTION           approve, reject, to_answer,
//                                                answer, pin, unpin, merge
//   POST /api/v1/questions/{id}/reveal           the text as asked (audited)
//   GET  /api/v1/questions/{id}/decisions        every decision with its reason
//   POST /api/v1/sessions/{id}/comments          a platform bridge's comments
//   POST /api/v1/sessions/{id}/comments/import   the same as CSV
//
// Every question, from the watch page or a platform, goes through the
// moderation pipeline (qa/review.hpp): the masked text is all anyone but a
// moderator who asks on purpose sees; repeats are merged (同问 N) as they
// come; the pipeline's verdict and every later decision are stored with
// their reasons. Asking is limited per browser (an identity cookie) and per
// address. Changes are published as "question" events for the console.
//
// Public answers are anonymous, read-only and built to be cached: each is
// made at most once a second per session (a million viewers poll every 2-3
// s), carries a strong ETag (304 on If-None-Match) and a short
// Cache-Control, so a CDN or nginx cache in front sees one request per
// change. Nothing in them names a party unmasked, a moderator, a camera or a
// key: only what the watch page shows.
//
// Thread-safe: every HTTP worker calls the one QaApi.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "http/api.hpp"
#include "http/auth.hpp"
#include "http/events.hpp"
#include "live/hub.hpp"
#include "program/registry.hpp"
#include "qa/repeat_index.hpp"
#include "qa/word_list.hpp"
#include "store/repository.hpp"

namespace courtcast::http {

struct QaOptions {
  std::string court;  // the court's name on the watch page ([watch] court)
  // How long a public answer is reused before it is made again.
  std::int64_t public_cache_ms = 1000;
  // Cache-Control max-age of public answers; the watch page polls every 2-3 s.
  int public_max_age_s = 2;
  // Questions a browser (identity cookie) and an address may ask a minute.
  int questions_per_minute_per_browser = 3;
  int questions_per_minute_per_address = 3;
  bool secure_cookie = false;  // Secure on the identity cookie (HTTPS)
  // Players of a stream that are not viewers (platform relays carrying it).
  std::function<std::uint64_t(const std::string& stream)> relays_of = nullptr;
  // The court's sensitive-word list (QaApi::reload_words reads it again).
  std::string words_file;
  // How often the watch page's unique viewers are written to the session's
  // audience figures (platform "观看页", measured).
  std::int64_t audience_record_ms = 30'000;
};

// A limit of `per_minute` events a key, refilled smoothly (a token bucket):
// a burst of `per_minute`, then one every 60/per_minute seconds.
class RateLimiter {
 public:
  explicit RateLimiter(int per_minute) : per_minute_(per_minute) {}
  // 0 when `key` may go now (and it is counted); else milliseconds to wait.
  std::int64_t take(const std::string& key, std::int64_t now_ms);

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t at_ms = 0;
  };
  int per_minute_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

// The moderation queue's view of a question: masked, without the text as
// asked, the contact or the viewer.
boost::json::object question_json(const store::Question& q);
// What the public feed shows of a question.
boost::json::object public_question_json(const store::Question& q);

class QaApi {
 public:
  QaApi(store::Repository& repo, live::Hub& hub, const program::ProgramRegistry& programs,
        QaOptions options);

  // The court's sensitive-word list; a reload swaps it in whole.
  void set_words(std::shared_ptr<const qa::WordList> words);
  void set_events(EventHub* events) { events_ = events; }
  void set_auth(Auth* auth) { auth_ = auth; }

  // One function per endpoint (the rows in routes.cpp); `who` is the
  // caller of a team endpoint.
  ApiResult public_sessions(const ApiRequest& req);
  ApiResult public_session(const ApiRequest& req, court::Id id);
  ApiResult public_questions(const ApiRequest& req, court::Id id);
  ApiResult ask(const ApiRequest& req, court::Id id);
  ApiResult view(const ApiRequest& req, court::Id id);
  ApiResult queue(const ApiRequest& req, court::Id id);
  ApiResult decide(const ApiRequest& req, const Principal& who, court::Id id,
                   store::QuestionAction action);
  ApiResult reveal(const Principal& who, court::Id id);
  ApiResult decisions(court::Id id);
  ApiResult comments(const ApiRequest& req, const Principal& who, court::Id id, bool csv);
  // POST /api/v1/words/reload: reads [watch] words_file again. A file that
  // does not parse is refused with its line and the list in use stays.
  ApiResult reload_words(const Principal& who);

  // The state a viewer is shown: upcoming, live, paused (直播暂停: cut or
  // on the standby card), ended; nullopt for a session the public does not
  // see (draft, submitted, rejected).
  std::optional<std::string> public_state(const court::LiveSession& s) const;

 private:
  // A public answer as sent: serialized once when it is made, then shared
  // by every request until it is made again (a request copies a pointer,
  // not a JSON tree, and serializes nothing).
  struct Cached {
    std::string text;
    std::string etag;
    std::int64_t made_ms = 0;
  };
  struct CacheSlot {
    std::shared_ptr<const Cached> entry;
    // One request remakes a stale answer; the others send the stale one
    // meanwhile instead of all asking the database at once.
    bool remaking = false;
  };

  struct SessionQueue {
    std::mutex mutex;  // serialises adds, so a repeat always finds its first
    bool loaded = false;
    qa::RepeatIndex repeats;
    // The session's parties (people), masked wherever a question names them.
    std::shared_ptr<const qa::WordList> names;
  };
  // What arrives, from a viewer or a platform, before the pipeline.
  struct Incoming {
    court::Id session_id = 0;
    std::string source = "watch";
    std::string message_id;
    std::string viewer;
    std::string author;
    std::string contact;
    std::string text;
  };

  // The watch page's own audience of a session, counted here.
  struct Audience {
    bool loaded = false;                        // viewers read back from the store
    std::unordered_set<std::uint64_t> viewers;  // identity cookies, hashed
    std::uint64_t watching = 0;                 // players of air, last look
    std::uint64_t peak = 0;
    std::size_t recorded_unique = 0;
    std::int64_t recorded_ms = 0;
  };
  // Players of air now, less the platforms' relays; updates the peak.
  std::uint64_t watching(court::Id id);
  boost::json::object audience_json(court::Id id);
  // The session's audience, its stored viewers read in on first use; called
  // with mutex_ held.
  Audience& audience_of(court::Id id);
  void record_audience(court::Id id);

  // Reviews and stores one question; merges it into the question it repeats.
  store::Result<store::Question> receive(Incoming in, const std::string& actor);
  std::shared_ptr<SessionQueue> queue_of(court::Id session_id);
  std::shared_ptr<const qa::WordList> words() const;
  void changed(const store::Question& q);
  std::string viewer_cookie(const ApiRequest& req) const;
  // The browser's identity from its cookie, or a new one set on `answer`.
  std::string viewer_of(const ApiRequest& req, ApiResult& answer) const;

  boost::json::object public_session_json(const court::LiveSession& s, const std::string& state);
  // The cached answer under `key`, remade by `make` when older than the
  // cache time; `make` returns nullopt for a 404 (not cached).
  template <typename Make>
  ApiResult cached(const ApiRequest& req, const std::string& key, Make&& make);

  store::Repository& repo_;
  live::Hub& hub_;
  const program::ProgramRegistry& programs_;
  QaOptions options_;

  EventHub* events_ = nullptr;
  Auth* auth_ = nullptr;
  RateLimiter per_browser_;
  RateLimiter per_address_;

  std::mutex mutex_;
  std::map<std::string, CacheSlot, std::less<>> cache_;
  std::string cache_control_;  // of public answers, made once
  std::map<court::Id, std::shared_ptr<SessionQueue>> queues_;
  std::map<court::Id, Audience> audience_;
  std::shared_ptr<const qa::WordList> words_;
};

// A strong ETag of a JSON body: the quoted start of its SHA-256.
std::string json_etag(const std::string& text);
// Whether an If-None-Match header names `etag` (or is "*").
bool etag_listed(std::string_view if_none_match, std::string_view etag);

}  // namespace courtcast::http
