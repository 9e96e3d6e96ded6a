# METADATA
# title: Too many ACLs
# custom:
#   id: T-PAR-001
#   severity: low
#   params:
#     maxAcls: {type: integer, minimum: 1, maximum: 10}
package tailaudit.policy.params_ok

import data.tailaudit.lib.params

parameters := params.merged({"maxAcls": 2})

deny contains sprintf("%d ACLs, more than %d", [count(input.policy.acls), parameters.maxAcls]) if {
	count(input.policy.acls) > parameters.maxAcls
}
