# METADATA
# title: Access to tagged devices
# description: >-
#   The severity the effective-access rules (TA-ACL-004, TA-ACL-005) give a
#   result on a tag. Which sources reach which tags is computed in Go by
#   tailscale.reach_every, from the compiled policy.
package tailaudit.lib.tag_access

# severity(sensitive_tags, tag) is "high" for a tag in sensitive_tags (the
# sensitiveTags parameter) and "medium" for the rest.
severity(sensitive_tags, tag) := "high" if tag in sensitive_tags

severity(sensitive_tags, tag) := "medium" if not tag in sensitive_tags
