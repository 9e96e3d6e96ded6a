# METADATA
# title: Too many ACLs
# custom:
#   id: T-PAR-004
#   severity: low
#   params:
#     maxAcls: {type: integer}
#     minAcls: {type: integer}
package tailaudit.policy.params_missing_default

import data.tailaudit.lib.params

parameters := params.merged({"maxAcls": 2})

deny contains sprintf("%d ACLs, more than %d", [count(input.policy.acls), parameters.maxAcls]) if {
	count(input.policy.acls) > parameters.maxAcls
}
