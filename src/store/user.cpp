#include "store/user.hpp"

#include "court/codes.hpp"

namespace courtcast::store {

namespace {

constexpr court::detail::CodeTable<Role, 5> kRoles = {{{Role::admin, "admin"},
                                                       {Role::director, "director"},
                                                       {Role::officer, "officer"},
                                                       {Role::moderator, "moderator"},
                                                       {Role::readonly, "readonly"}}};

}  // namespace

std::string_view role_code(Role r) {
  return court::detail::code_of(kRoles, r);
}
std::optional<Role> role_from_code(std::string_view code) {
  return court::detail::from_code(kRoles, code);
}

}  // namespace courtcast::store
