#pragma once
// What `ci` (ci.cpp) and `ci --merge` (ci_merge.cpp) share: the rules that judge a run of the gate, so that a
// shard's verdict and the merged verdict come from one place. Internal to cli/.

#include <cstdint>
#include <optional>
#include <string>

#include <corosim/reports/ci.hpp>

namespace corosim::cli {

// The verdict on one run of the gate, from the scenario's expected outcome ("pass", "bug: KIND") and the kind of
// the failure it found (none: it found none in `executions`):
//   expected pass, no failure                  pass   "no failure in N executions"
//   expected pass, a failure                   fail   "REGRESSION: ... fails with KIND"
//   seeded bug, found with its kind            pass   "seeded bug found: KIND"
//   seeded bug, found with another kind        fail   "... fails with OTHER, not its seeded KIND"
//   seeded bug, not found                      fail   "seeded bug not found in N executions: ..."
// partial: the run is one shard's share, and a seeded bug it did not find may be in another's: that passes here
// ("not found in this shard's N executions") and is judged when the shards are merged (ci --merge).
void judge_run(reports::CiRun &run, bool partial);

}  // namespace corosim::cli
