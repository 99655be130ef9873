#pragma once
// /api/v1/programs: the director's controls (take, card, delay, cut, resume)
// and each program's state with its inputs'.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/api.hpp"
#include "program/registry.hpp"

namespace courtcast::http {

boost::json::value program_json(const program::ProgramView& v);

ApiResult list_programs(const program::ProgramRegistry& programs);
ApiResult get_program(const program::ProgramRegistry& programs, std::string_view name);

// POST /api/v1/programs/NAME/ACTION, ACTION being the code of one of these
// (the audit log names the action by it too).
enum class ProgramAction { take, card, delay, cut, resume, auto_return, slate, graphics };
std::string_view program_action_code(ProgramAction action);
// `who` names the caller for the log. 202 with what changed ("accepted":
// the action's code).
ApiResult program_action(const program::ProgramRegistry& programs, std::string_view name,
                         ProgramAction action, const std::string& body, const std::string& who);

}  // namespace courtcast::http
