#pragma once
// Viewers' questions (网友提问) as stored: as asked, as shown, and every
// moderation decision with its reason.
//
// States: pending (待审核) → approved (shown on the watch page) → to_answer
// (待回答, marked for the officers on air) → answered (已回答, with a short
// written answer); rejected (with a reason) and merged (a repeat, counted on
// the question it repeats: 同问 N) leave the public feed.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "court/id.hpp"

namespace courtcast::store {

enum class QuestionState { pending, approved, to_answer, answered, rejected, merged };

std::string_view question_state_code(QuestionState s);
std::optional<QuestionState> question_state_from_code(std::string_view code);
// Whether the public feed shows a question in this state.
bool question_public(QuestionState s);

struct Question {
  court::Id id = 0;
  court::Id session_id = 0;
  std::string source = "watch";  // the watch page, or a platform's name
  std::string message_id;        // the platform's message id; "" from the watch page
  std::string viewer;            // who asked: the browser's id or the platform's user (private)
  std::string author;            // the nickname or platform user name as shown (masked)
  std::string contact;           // private: never shown, never in the feed
  std::string text;              // as asked: moderators only, on purpose, audited
  std::string masked_text;       // what everyone else sees
  std::string normalized_key;    // repeats share it (qa::Review::normalized_key)
  std::string findings_json;     // the pipeline's findings, a JSON array
  std::string verdict;           // the pipeline's advice: accept, flag, reject
  QuestionState state = QuestionState::pending;
  std::string reason;  // why the last decision
  std::optional<court::Id> merged_into;
  int repeats = 0;  // questions merged into this one
  bool pinned = false;
  std::string answer;
  std::string answered_by;
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
  std::optional<std::int64_t> answered_ms;
};

struct QuestionDecision {
  court::Id id = 0;
  court::Id question_id = 0;
  std::int64_t at_ms = 0;
  std::string actor;
  std::string action;  // received, approve, reject, to_answer, answer, pin, unpin, merge
  std::string reason;
};

enum class QuestionAction { approve, reject, to_answer, answer, pin, unpin, merge };

std::string_view question_action_code(QuestionAction a);
std::optional<QuestionAction> question_action_from_code(std::string_view code);

struct QuestionChange {
  QuestionAction action = QuestionAction::approve;
  std::string reason;             // needed to reject
  std::string answer;             // needed to answer
  std::optional<court::Id> into;  // needed to merge
};

}  // namespace courtcast::store
