# METADATA
# title: Small expansions are fine
# custom:
#   id: T-EXP-SMALL
#   severity: low
package tailaudit.policy.expand_small

deny contains sprintf("%d numbers, %d addresses", [count(numbers.range(1, 100000)), count(net.cidr_expand("10.0.0.0/16"))]) if input.policy
