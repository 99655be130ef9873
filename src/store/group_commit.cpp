// Group commit: write transactions that arrive while another is running
// are run together, each inside its own savepoint, in one transaction with
// one commit. A caller still returns only after the commit that holds its
// work has succeeded, so an answer never reports work a crash could lose;
// what is shared is the commit's cost (SQLite's WAL pages written and
// checkpointed, PostgreSQL's round trips and WAL flush).

#include <condition_variable>
#include <mutex>
#include <vector>

#include "store/backends.hpp"

namespace courtcast::store {

namespace {

using TxFn = std::function<Result<void>(SqlTx&)>;

class GroupCommitDatabase final : public Database {
 public:
  GroupCommitDatabase(std::unique_ptr<Database> inner, std::size_t max_batch)
      : inner_(std::move(inner)), max_batch_(max_batch) {}

  std::string_view backend() const override { return inner_->backend(); }
  bool groups_writes() const override { return true; }

  Result<void> transact(TxMode mode, const TxFn& fn) override {
    if (mode == TxMode::read) return inner_->transact(mode, fn);
    Pending me{&fn};
    std::unique_lock lock(mutex_);
    queue_.push_back(&me);
    while (!me.done) {
      if (leading_) {
        done_.wait(lock);
        continue;
      }
      // This caller commits for everyone queued now (itself among them,
      // unless an earlier leader already took it).
      leading_ = true;
      std::vector<Pending*> batch;
      const std::size_t n = std::min(queue_.size(), max_batch_);
      batch.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      lock.unlock();
      try {
        run(batch);
      } catch (const std::exception& e) {  // never leave the followers waiting
        for (Pending* p : batch) p->result = fail(ErrorKind::database, "database", e.what());
      }
      lock.lock();
      for (Pending* p : batch) p->done = true;
      leading_ = false;
      done_.notify_all();
    }
    return std::move(me.result);
  }

 private:
  struct Pending {
    const TxFn* fn;
    Result<void> result{};
    bool done = false;
  };

  void run(const std::vector<Pending*>& batch) {
    if (batch.size() == 1) {
      batch.front()->result = inner_->transact(TxMode::write, *batch.front()->fn);
      return;
    }
    // A refusal or failure undoes only its own savepoint; whatever makes the
    // transaction itself fail (a lost race, a lost connection) fails or
    // retries the whole batch, which starts over each time.
    auto whole = inner_->transact(TxMode::write, [&](SqlTx& tx) -> Result<void> {
      for (Pending* p : batch) {
        // Savepoints are stacked, not released: the commit keeps them all,
        // and an item costs one more statement, not two.
        tx.exec_script("SAVEPOINT group_item");
        try {
          p->result = (*p->fn)(tx);
          tx.flush();  // its queued statements' errors are its own, not the next item's
        } catch (const DbError& e) {
          if (e.kind == DbError::Kind::retry) throw;
          p->result =
              fail(e.kind == DbError::Kind::conflict ? ErrorKind::conflict : ErrorKind::database,
                   e.kind == DbError::Kind::conflict ? "conflict" : "database", e.what());
        } catch (const std::exception& e) {
          p->result = fail(ErrorKind::database, "database", e.what());
        }
        if (!p->result) tx.exec_script("ROLLBACK TO SAVEPOINT group_item");
      }
      return {};
    });
    if (!whole) {
      for (Pending* p : batch) p->result = whole;
    }
  }

  std::unique_ptr<Database> inner_;
  const std::size_t max_batch_;
  std::mutex mutex_;
  std::condition_variable done_;
  std::vector<Pending*> queue_;
  bool leading_ = false;
};

}  // namespace

std::unique_ptr<Database> with_group_commit(std::unique_ptr<Database> db, std::size_t max_batch) {
  return std::make_unique<GroupCommitDatabase>(std::move(db), std::max<std::size_t>(1, max_batch));
}

}  // namespace courtcast::store
