package collect

import "strings"

// Fields that carry secrets, removed wherever they appear. The API returns most of them only on
// creation or rotation, but a snapshot is evidence that gets shared, so they are stripped
// defensively.
var secretFields = map[string]bool{
	"secret":            true, // webhooks
	"clientSecret":      true, // posture integrations, OAuth clients
	"token":             true, // log streaming destinations
	"s3SecretAccessKey": true,
	"gcsCredentials":    true,
	"accessToken":       true,
	"access_token":      true,
	"password":          true,
	"privateKey":        true,
}

// redacted replaces any string that looks like Tailscale key material.
const redacted = "[redacted]"

// redact strips secrets from v in place and returns it. Under "keys" the key material itself
// ("key") is removed as well.
func redact(endpoint string, v any) any {
	if endpoint == "keys" {
		if arr, ok := v.([]any); ok {
			for _, k := range arr {
				if m, ok := k.(map[string]any); ok {
					delete(m, "key")
				}
			}
		}
	}
	return scrub(v)
}

func scrub(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if secretFields[k] {
				delete(t, k)
				continue
			}
			t[k] = scrub(e)
		}
	case []any:
		for i, e := range t {
			t[i] = scrub(e)
		}
	case string:
		// Auth keys, API tokens, OAuth client secrets and webhook secrets all begin "tskey-".
		if strings.HasPrefix(t, "tskey-") {
			return redacted
		}
	}
	return v
}
