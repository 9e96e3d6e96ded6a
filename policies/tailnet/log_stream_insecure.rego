# METADATA
# title: Log stream sent or authenticated insecurely
# description: >-
#   A log stream sends logs over plain HTTP, where anyone on the path can read or alter them, or
#   writes to S3 with a long-lived access key instead of an IAM role that Tailscale assumes.
# custom:
#   id: TA-LOG-004
#   severity: medium
#   remediation: >-
#     Use an https:// endpoint for HTTP-based destinations. For S3, switch the stream to role
#     authentication (s3AuthenticationType "rolearn" with an external ID) and delete the access
#     key.
#   requires: [logstream]
package tailaudit.tailnet.log_stream_insecure

import data.tailaudit.lib.tailnet as lib

deny contains result if {
	some lt in lib.log_types
	url := lib.string_at(lib.stream_config(lt), "url")
	startswith(lower(url), "http://")
	result := {
		"msg": sprintf("%s log stream sends logs over plain HTTP to %s", [lt, url]),
		"resource": _resource(lt),
		"path": ["tailnet", "logstream", lt, "config", "url"],
		"evidence": {"url": url},
		"severity": "high",
	}
}

deny contains result if {
	some lt in lib.log_types
	cfg := lib.stream_config(lt)
	cfg.s3AuthenticationType == "accesskey"
	result := {
		"msg": sprintf("%s log stream writes to S3 bucket %s with an access key instead of a role", [lt, lib.string_at(cfg, "s3Bucket")]),
		"resource": _resource(lt),
		"path": ["tailnet", "logstream", lt, "config", "s3AuthenticationType"],
		"evidence": {
			"s3Bucket": lib.string_at(cfg, "s3Bucket"),
			"s3AuthenticationType": "accesskey",
			"s3AccessKeyId": lib.string_at(cfg, "s3AccessKeyId"),
		},
	}
}

_resource(lt) := {"type": "logstream", "id": lt, "name": sprintf("%s logs", [lt])}
