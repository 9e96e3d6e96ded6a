# METADATA
# title: Too many ACLs
# custom:
#   id: T-PAR-006
#   severity: low
#   params:
#     maxAcls: {type: integer, minimum: 1, maximum: 10}
#     staleDays: {type: integer}
package tailaudit.policy.params_conflict

import data.tailaudit.lib.params

parameters := params.merged({"maxAcls": 2, "staleDays": 5})

deny contains sprintf("%d ACLs, more than %d", [count(input.policy.acls), parameters.maxAcls]) if {
	count(input.policy.acls) > parameters.maxAcls
}
