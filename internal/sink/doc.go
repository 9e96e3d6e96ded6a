// Package sink delivers alerts to the receivers a security team reads: Slack, signed webhooks and stdout.
package sink
