#pragma once
// The programs running now, by name: the ones in the config from the start,
// and live sessions' while they are live; and the court's standby card that
// they all show, and the court's emblem. Thread-safe; the HTTP API, stream access and the session
// wiring share one.

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "program/program.hpp"

namespace courtcast::program {

class ProgramRegistry {
 public:
  explicit ProgramRegistry(std::shared_ptr<const StandbyCard> card = nullptr)
      : card_(std::move(card)) {}

  std::shared_ptr<const StandbyCard> card() const {
    std::lock_guard lock(mutex_);
    return card_;
  }
  // The card for every program from now on, running ones included.
  void set_card(std::shared_ptr<const StandbyCard> card, const std::string& who) {
    {
      std::lock_guard lock(mutex_);
      card_ = card;
    }
    for (const auto& p : list()) p->set_card(card, who);
  }

  // The court's emblem (a checked PNG; "" for none), for every program from
  // now on, running ones included.
  std::string emblem_path() const {
    std::lock_guard lock(mutex_);
    return emblem_path_;
  }
  void set_emblem(const std::string& path) {
    {
      std::lock_guard lock(mutex_);
      emblem_path_ = path;
    }
    for (const auto& p : list()) p->set_emblem(path);
  }

  // The file a program keeps its director's choices in (switches, slate)
  // across restarts; empty before set_choices_dir.
  void set_choices_dir(std::filesystem::path dir) {
    std::lock_guard lock(mutex_);
    choices_dir_ = std::move(dir);
  }
  std::filesystem::path choices_file(const std::string& program) const {
    std::lock_guard lock(mutex_);
    return choices_dir_.empty() ? choices_dir_ : choices_dir_ / (program + ".json");
  }

  // False when a program of that name is already registered.
  bool add(std::shared_ptr<Program> program) {
    std::lock_guard lock(mutex_);
    return programs_.emplace(program->name(), std::move(program)).second;
  }
  std::shared_ptr<Program> remove(const std::string& name) {
    std::lock_guard lock(mutex_);
    auto it = programs_.find(name);
    if (it == programs_.end()) return nullptr;
    auto p = std::move(it->second);
    programs_.erase(it);
    return p;
  }
  std::shared_ptr<Program> find(const std::string& name) const {
    std::lock_guard lock(mutex_);
    auto it = programs_.find(name);
    return it == programs_.end() ? nullptr : it->second;
  }
  std::vector<std::shared_ptr<Program>> list() const {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<Program>> out;
    for (const auto& [name, p] : programs_) out.push_back(p);
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const StandbyCard> card_;
  std::string emblem_path_;
  std::filesystem::path choices_dir_;
  std::map<std::string, std::shared_ptr<Program>> programs_;
};

}  // namespace courtcast::program
