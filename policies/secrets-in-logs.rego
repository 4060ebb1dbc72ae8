# Deny any job whose runner keeps secrets in its logs, whatever the tier.
#
# `secrets-in-logs` is required from L2 up; a `build` job (L1) would otherwise run
# on a machine whose logs hold credentials from earlier jobs. An `unknown`
# outcome (the scan did not run or hit its budget) is reported as a warning.
#
#   stance check --tier auto --rego policies/secrets-in-logs.rego
package stance

import rego.v1

deny contains {"msg": msg, "control": "secrets-in-logs"} if {
	some f in input.findings
	f.id == "secrets-in-logs"
	f.outcome == "fail"
	msg := sprintf("secrets were found in runner logs: %s", [f.message])
}

warn contains msg if {
	some f in input.findings
	f.id == "secrets-in-logs"
	f.outcome == "unknown"
	msg := sprintf("runner logs were not checked for secrets: %s", [object.get(f, "reason", "no reason given")])
}
