#pragma once
// Loads court::make_demo_data() (the report's 8 August broadcast) into an
// empty store the way it would have been entered: campaign and cases, the
// session planned, submitted, approved and aired, the steps marked as they
// happened, deadlines recorded, the audience entered, case 2 closed. Going
// through the repository means the demo obeys the rules and fills the audit
// log like real use.

#include "court/settings.hpp"
#include "store/repository.hpp"

namespace courtcast::store {

// Loads the demo when the store has no campaign yet; returns whether it did.
Result<bool> load_demo_if_empty(Repository& repo, const court::Settings& settings);

}  // namespace courtcast::store
