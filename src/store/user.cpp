#include "store/user.hpp"

#include "base/codes.hpp"

namespace courtcast::store {

namespace {

constexpr base::CodeTable<Role, 5> kRoles = {{{Role::admin, "admin"},
                                              {Role::director, "director"},
                                              {Role::officer, "officer"},
                                              {Role::moderator, "moderator"},
                                              {Role::readonly, "readonly"}}};

}  // namespace

std::string_view role_code(Role r) {
  return base::code_of(kRoles, r);
}
std::optional<Role> role_from_code(std::string_view code) {
  return base::from_code(kRoles, code);
}

}  // namespace courtcast::store
