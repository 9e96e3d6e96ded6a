// Package sink delivers alerts to the receivers a security team reads: Slack, signed webhooks, Splunk HEC, Elasticsearch and stdout.
package sink
