# Release jobs need proven egress restriction, even when a waiver lets it through.
#
# The built-in policy requires `egress-unrestricted` from level L2 up, and a
# [[waiver]] may accept it failing for a while. For a job that signs or publishes,
# this rule refuses that exception: a step holding signing keys or publishing
# tokens must not be able to send them anywhere. `egress-open` (the active check,
# `--egress-target`) must not have reached a target either.
#
#   stance check --tier release --rego policies/release-egress.rego
package stance.release

import rego.v1

# The finding of a control, by id.
finding(id) := f if {
	some f in input.findings
	f.id == id
}

# Its outcome, or "missing" when the report has none.
outcome(id) := o if {
	o := finding(id).outcome
} else := "missing"

deny contains msg if {
	input.tier == "release"
	outcome("egress-unrestricted") != "pass"
	msg := sprintf(
		"release jobs need egress restriction: egress-unrestricted is %s (waivers do not count here)",
		[outcome("egress-unrestricted")],
	)
}

deny contains msg if {
	input.tier == "release"
	outcome("egress-open") in {"fail", "warn"}
	msg := sprintf("release jobs need egress restriction: the active egress check found: %s", [finding("egress-open").message])
}
