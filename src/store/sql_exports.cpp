// Export jobs over SqlRepository; kept apart from sql_repository.cpp, which
// holds the domain objects.

#include "store/sql_repository.hpp"

#include "base/codes.hpp"

namespace courtcast::store {

constexpr base::CodeTable<ExportState, 5> kExportStateCodes = {{{ExportState::queued, "queued"},
                                                                {ExportState::running, "running"},
                                                                {ExportState::done, "done"},
                                                                {ExportState::failed, "failed"},
                                                                {ExportState::expired, "expired"}}};

const char* export_state_code(ExportState s) {
  return base::code_of(kExportStateCodes, s, "failed").data();
}

std::optional<ExportState> parse_export_state(std::string_view code) {
  return base::from_code(kExportStateCodes, code);
}

namespace {

constexpr const char* kColumns =
    "id, session, stream, from_ms, to_ms, case_id, requested_by, created_ms, state, error, "
    "finished_ms, expired_ms, folder, file_stem, result";

ExportJob export_from(const Row& r) {
  ExportJob j;
  j.id = r.int64(0);
  j.session = r.text(1);
  j.stream = r.text(2);
  j.from_utc_ms = r.int64(3);
  j.to_utc_ms = r.int64(4);
  j.case_id = r.opt_int64(5);
  j.requested_by = r.text(6);
  j.created_ms = r.int64(7);
  j.state = parse_export_state(r.text(8)).value_or(ExportState::failed);
  j.error = r.text(9);
  j.finished_ms = r.int64(10);
  j.expired_ms = r.int64(11);
  j.folder = r.text(12);
  j.file_stem = r.text(13);
  j.result_json = r.text(14);
  return j;
}

}  // namespace

Result<ExportJob> SqlRepository::create_export(ExportJob job) {
  return in_tx<ExportJob>(TxMode::write, [&](SqlTx& tx) -> Result<ExportJob> {
    job.id = tx.query(
                   "INSERT INTO exports (session, stream, from_ms, to_ms, case_id, requested_by, "
                   "created_ms, state, error, finished_ms, expired_ms, folder, file_stem, result) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
                   "RETURNING id",
                   {job.session, job.stream, job.from_utc_ms, job.to_utc_ms,
                    job.case_id ? Param(*job.case_id) : Param(nullptr), job.requested_by,
                    job.created_ms, std::string(export_state_code(job.state)), job.error,
                    job.finished_ms, job.expired_ms, job.folder, job.file_stem, job.result_json})
                 .front()
                 .int64(0);
    return job;
  });
}

Result<void> SqlRepository::update_export(const ExportJob& job) {
  return db_->transact(TxMode::write, [&](SqlTx& tx) -> Result<void> {
    tx.exec(
        "UPDATE exports SET state = $2, error = $3, finished_ms = $4, expired_ms = $5, "
        "folder = $6, file_stem = $7, result = $8 WHERE id = $1",
        {job.id, std::string(export_state_code(job.state)), job.error, job.finished_ms,
         job.expired_ms, job.folder, job.file_stem, job.result_json});
    return {};
  });
}

Result<ExportJob> SqlRepository::get_export(Id id) {
  return in_tx<ExportJob>(TxMode::read, [&](SqlTx& tx) -> Result<ExportJob> {
    const Rows rs =
        tx.query(std::string("SELECT ") + kColumns + " FROM exports WHERE id = $1", {id});
    if (rs.empty()) return fail_not_found("export " + std::to_string(id));
    return export_from(rs.front());
  });
}

Result<std::vector<ExportJob>> SqlRepository::list_exports() {
  using List = std::vector<ExportJob>;
  return in_tx<List>(TxMode::read, [&](SqlTx& tx) -> Result<List> {
    List out;
    for (const auto& r : tx.query(std::string("SELECT ") + kColumns + " FROM exports ORDER BY id"))
      out.push_back(export_from(r));
    return out;
  });
}

}  // namespace courtcast::store
