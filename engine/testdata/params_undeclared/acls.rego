# METADATA
# title: Too many ACLs
# custom:
#   id: T-PAR-002
#   severity: low
package tailaudit.policy.params_undeclared

import data.tailaudit.lib.params

parameters := params.merged({"maxAcls": 2})

deny contains sprintf("%d ACLs, more than %d", [count(input.policy.acls), parameters.maxAcls]) if {
	count(input.policy.acls) > parameters.maxAcls
}
