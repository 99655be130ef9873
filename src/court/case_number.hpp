#pragma once
// Enforcement case numbers in the national format of 2016 (案号):
// （收案年度）法院代字 类型代字 序号 号, e.g. （2024）甘0602执1234号.
// Brackets may be full- or half-width (and the 〔〕 of printed documents),
// digits ASCII or full-width; the canonical form uses full-width brackets
// and ASCII digits, so one case has one spelling in the store.

#include <cstdint>
#include <string>
#include <string_view>

#include "court/error.hpp"

namespace courtcast::court {

struct CaseNumber {
  int year = 0;
  std::string court_code;  // 法院代字: province abbreviation + 0, 2 or 4 digits, or 最高法
  std::string type_code;   // 类型代字 of enforcement: 执, 执恢, 执保, 执异, 执复, …
  std::int64_t sequence = 0;

  std::string to_string() const;
  bool operator==(const CaseNumber&) const = default;
};

Result<CaseNumber> parse_case_number(std::string_view text);

}  // namespace courtcast::court
