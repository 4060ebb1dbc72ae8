# Warn about every undecided control the job's tier needs.
#
# An `unknown` control already blocks the level that requires it; this rule
# only makes the list visible as warnings, for example when a waiver lets one
# through. It shows how to use `input.policy.min_level` (levels compare as text:
# "L1" < "L2" < "L3") and `input.waived`.
#
#   stance check --tier release --rego policies/unknown-controls.rego
package stance

import rego.v1

waived_ids := {w.control | some w in input.waived}

warn contains msg if {
	some f in input.findings
	f.outcome == "unknown"
	f.level <= input.policy.min_level
	f.id in waived_ids
	msg := sprintf("%s is undecided and waived for tier %s: %s", [f.id, input.tier, object.get(f, "reason", "")])
}
