# METADATA
# title: Too many ACLs
# custom:
#   id: T-PAR-003
#   severity: low
#   params:
#     maxAcls: {type: integer, minimum: 5}
package tailaudit.policy.params_bad_default

import data.tailaudit.lib.params

parameters := params.merged({"maxAcls": 2})

deny contains sprintf("%d ACLs, more than %d", [count(input.policy.acls), parameters.maxAcls]) if {
	count(input.policy.acls) > parameters.maxAcls
}
