#include "court/demo.hpp"

namespace courtcast::court {

namespace {

constexpr int kBeijing = 8 * 60;

UtcMs at(int month, int day, int hour, int minute) {
  return utc_from_local(2024, month, day, hour, minute, kBeijing);
}
UtcMs on_8_aug(int hour, int minute) {
  return at(8, 8, hour, minute);
}

// Names are anonymised the way court publicity writes them (王某).
const Officer kJudge{"王某", OfficerRole::judge};
const Officer kOfficer{"刘某", OfficerRole::enforcement_officer};
const Officer kPolice1{"陈某", OfficerRole::judicial_police};
const Officer kPolice2{"马某", OfficerRole::judicial_police};
const Officer kClerk{"杨某", OfficerRole::clerk};
const Officer kHost{"孙某", OfficerRole::host};
const Witness kProcuratorate{"赵某", "武威市凉州区人民检察院"};

Campaign campaign() {
  Campaign c;
  c.id = 1;
  c.name = "陇原风暴";
  c.start_ms = at(4, 1, 0, 0);
  c.end_ms = utc_from_local(2025, 1, 1, 0, 0, kBeijing);
  // The report names twelve key tasks without listing them; these are the
  // usual headings of such campaigns, as placeholders a court edits.
  c.key_tasks = {"涉民生案件集中执行", "涉企业案件执行", "终结本次执行程序案件清理",
                 "执行案款管理与发放", "打击拒执犯罪",   "失信惩戒与信用修复",
                 "财产处置提速",       "执行信访化解",   "执行规范化建设",
                 "执行联动机制",       "执行监督",       "执行宣传"};
  c.target_sessions_per_month = 2;
  return c;
}

Case loan_case() {
  Case c;
  c.id = 1;
  c.campaign_id = 1;
  c.number = "（2024）甘0602执2871号";
  c.cause = "借款合同纠纷";
  c.handler = kJudge.name;
  c.applicants = {{"张某", PartyKind::person, false}};
  c.respondents = {{"李某", PartyKind::person, false}};
  c.claimed_fen = 28'500'000;  // 285,000.00 元
  c.has_property = true;
  c.state = CaseState::in_progress;
  c.filed_ms = at(5, 13, 9, 30);
  return c;
}

Case land_case() {
  Case c;
  c.id = 2;
  c.campaign_id = 1;
  c.number = "（2024）甘0602执3160号";
  c.cause = "腾退交付土地";
  c.handler = kOfficer.name;
  c.applicants = {{"凉州区某村股份经济合作社", PartyKind::organisation, false}};
  c.respondents = {{"周某", PartyKind::person, false}};
  c.claimed_fen = 0;  // a handover, not money
  c.has_property = true;
  c.filed_ms = at(6, 20, 10, 0);
  // Handed over on air: fully enforced by force.
  c.state = CaseState::closed;
  c.closure_mode = ClosureMode::fully_enforced;
  c.outcome = EnforcementOutcome::forced;
  c.closed_ms = on_8_aug(11, 40);
  return c;
}

EnforcementStep step(Id id, Id case_id, StepType type, UtcMs start, UtcMs end, std::string place,
                     std::string notes) {
  EnforcementStep s;
  s.id = id;
  s.case_id = case_id;
  s.session_id = 1;
  s.type = type;
  s.start_ms = start;
  s.end_ms = end;
  s.officers = {kJudge, kOfficer, kPolice1};
  s.place = std::move(place);
  s.notes = std::move(notes);
  s.recording = RecordingRange{start, end, {"cam-a", "cam-b"}};
  return s;
}

std::vector<EnforcementStep> steps() {
  const std::string house = "武威市凉州区某小区";
  const std::string land = "武威市凉州区某镇某村";
  std::vector<EnforcementStep> out;

  out.push_back(step(1, 1, StepType::arrival, on_8_aug(8, 45), on_8_aug(8, 48), house,
                     "到达现场, 未见被执行人亲属"));
  auto notice = step(2, 1, StepType::summon, on_8_aug(8, 50), on_8_aug(9, 6), house,
                     "电话联系被执行人亲属, 责令其20分钟内到场配合执行");
  notice.deadline = Deadline{on_8_aug(9, 10), DeadlineState::met, on_8_aug(9, 6)};
  notice.people_count = 1;
  out.push_back(notice);
  out.push_back(step(3, 1, StepType::explain_law, on_8_aug(9, 7), on_8_aug(9, 25), house,
                     "被执行人到场并打开房屋门锁; 明法说理, 告知抗拒执行的法律后果"));
  auto search = step(4, 1, StepType::search, on_8_aug(9, 26), on_8_aug(10, 5), house,
                     "对房屋内贵重物品及财产进行搜查");
  search.witnesses = {kProcuratorate, {"钱某", "凉州区某社区居民委员会"}};
  search.officers.push_back(kPolice2);
  out.push_back(search);
  auto appraisal = step(5, 1, StepType::appraisal, on_8_aug(10, 5), on_8_aug(10, 30), house,
                        "对房屋进行评估; 评估后启动网络司法拍卖, 拍卖成功后及时发放案款");
  appraisal.officers = {kOfficer, kClerk};
  out.push_back(appraisal);

  out.push_back(step(6, 2, StepType::arrival, on_8_aug(10, 45), on_8_aug(10, 48), land,
                     "到达第二起案件执行现场"));
  auto notice2 =
      step(7, 2, StepType::summon, on_8_aug(10, 50), on_8_aug(11, 2), land, "通知被执行人到场");
  notice2.deadline = Deadline{on_8_aug(11, 20), DeadlineState::met, on_8_aug(11, 2)};
  notice2.people_count = 1;
  out.push_back(notice2);
  out.push_back(
      step(8, 2, StepType::explain_law, on_8_aug(11, 3), on_8_aug(11, 12), land, "现场普法"));
  out.push_back(step(9, 2, StepType::mediation, on_8_aug(11, 12), on_8_aug(11, 22), land,
                     "反复普法和调解, 被执行人同意配合执行但不愿打开大门"));
  auto unlock = step(10, 2, StepType::forced_unlock, on_8_aug(11, 23), on_8_aug(11, 26), land,
                     "在各方人员见证下强行开锁进入执行现场");
  unlock.witnesses = {kProcuratorate, {"吴某", "凉州区某村民委员会"}};
  unlock.officers.push_back(kPolice2);
  out.push_back(unlock);
  auto handover = step(11, 2, StepType::vacate_handover, on_8_aug(11, 26), on_8_aug(11, 31), land,
                       "责令被执行人当场移交土地及相关设备");
  handover.witnesses = unlock.witnesses;
  handover.officers.push_back(kPolice2);
  handover.area_m2 = 6667;  // about 10 亩
  out.push_back(handover);
  return out;
}

LiveSession session() {
  LiveSession s;
  s.id = 1;
  s.campaign_id = 1;
  s.title = "直击执行现场 · 陇原风暴执行直播 (凉州区)";
  s.site = "武威市凉州区";
  s.scheduled_start_ms = on_8_aug(8, 30);
  s.scheduled_end_ms = on_8_aug(11, 30);
  s.actual_start_ms = on_8_aug(8, 40);
  s.actual_end_ms = on_8_aug(11, 32);  // 近3个小时
  s.state = SessionState::ended;
  s.submitted_by = "执行局 李某";
  s.submitted_ms = at(8, 5, 16, 0);
  s.approved_by = "副院长 周某";
  s.approved_ms = at(8, 6, 11, 0);
  s.plan.case_order = {1, 2};
  s.plan.route = "凉州区某小区 → 凉州区某镇某村";
  s.plan.officers = {kJudge, kOfficer, kPolice1, kPolice2, kClerk, kHost};
  s.plan.supervisors = {"武威市凉州区人民检察院", "凉州区人大代表"};
  s.plan.host = kHost.name;
  s.plan.script = "两起案件现场执行; 转场期间以案说法, 解答网友提问";
  s.contingency = {
      {"被执行人抗拒执行", "法警控制现场, 依法采取强制措施, 导播切转场垫片"},
      {"现场4G信号中断", "切换备用5G推流设备, 导播切转场垫片直至恢复"},
      {"画面出现未成年人或个人信息", "在延时内切断公开画面, 录像不中断"},
  };
  s.case_ids = {1, 2};
  s.inputs = {"cam-a", "cam-b"};  // body camera 执法记录仪 and a field phone
  // The report names six of the eight platforms; the last two are stand-ins.
  s.destinations = {"甘肃高院微信公众号", "甘肃高院微博", "今日头条", "抖音", "快手",
                    "飞天云直播",         "央视频",       "人民网"};
  s.delay_ms = 10'000;
  const std::pair<const char*, std::int64_t> views[] = {{"甘肃高院微信公众号", 86'000},
                                                        {"甘肃高院微博", 152'000},
                                                        {"今日头条", 188'000},
                                                        {"抖音", 263'000},
                                                        {"快手", 171'000},
                                                        {"飞天云直播", 69'000},
                                                        {"央视频", 31'000},
                                                        {"人民网", 20'000}};
  for (const auto& [platform, count] : views) {
    s.audience.push_back(
        {platform, ViewKind::watch_count, count, AudienceSource::entered, on_8_aug(12, 0)});
  }
  s.audience.push_back(
      {"今日头条", ViewKind::clicks, 415'000, AudienceSource::entered, on_8_aug(12, 0)});
  s.audience.push_back(
      {"法院观看页", ViewKind::watch_count, 4'200, AudienceSource::measured, on_8_aug(11, 32)});
  s.officers = s.plan.officers;
  s.vehicles = 4;
  s.witnesses = {
      kProcuratorate, {"钱某", "凉州区某社区居民委员会"}, {"吴某", "凉州区某村民委员会"}};
  s.questions_answered = 12;
  return s;
}

}  // namespace

DemoData make_demo_data() {
  DemoData d;
  d.campaign = campaign();
  d.session = session();
  d.cases = {loan_case(), land_case()};
  d.steps = steps();
  d.input_spans = {
      {"cam-a", on_8_aug(8, 40), on_8_aug(11, 32)},
      // The phone dropped out on the drive between the two sites.
      {"cam-b", on_8_aug(8, 40), on_8_aug(10, 38)},
      {"cam-b", on_8_aug(10, 41), on_8_aug(11, 32)},
  };
  return d;
}

}  // namespace courtcast::court
