# No self-hosted runner for public repositories, whatever the tier.
#
# Anyone can open a pull request against a public repository; on a self-hosted
# runner (or one of Actions Runner Controller) that code runs on the organisation's
# own machines. The catalog control `self-hosted-public-repo` is required from L2 up,
# so a `build` job (L1) would not be stopped by it; this rule stops every tier and
# cannot be waived.
#
#   stance check --tier auto --rego policies/public-repo-self-hosted.rego
package stance

import rego.v1

self_hosted_kinds := {"self-hosted", "arc"}

deny contains msg if {
	input.context.visibility == "public"
	input.context.runner.kind in self_hosted_kinds
	msg := sprintf(
		"public repository %s runs on a %s runner: use hosted, single-use runners for public repositories",
		[object.get(input.context, "repository", "(unnamed)"), input.context.runner.kind],
	)
}
