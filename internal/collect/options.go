package collect

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// Options configures Run. Only the credentials are required.
type Options struct {
	// BaseURL is the API server; default https://api.tailscale.com.
	BaseURL string
	// Tailnet is the tailnet name; default "-", the credential's own tailnet.
	Tailnet string

	// APIKey is an API access token (tskey-api-…). Alternatively set both OAuth fields.
	APIKey            string
	OAuthClientID     string
	OAuthClientSecret string

	// HTTPClient supplies the base transport (proxies, TLS); its Timeout and redirect policy are
	// not used: each request has RequestTimeout and redirects are reported, never followed.
	HTTPClient *http.Client

	// Progress receives one line per endpoint; nil keeps quiet.
	Progress io.Writer
	// EventsSince, when positive, also collects configuration audit logs and network flow logs
	// from that long before now.
	EventsSince time.Duration
	// Logger receives diagnostics; nil discards them. Credentials are never logged.
	Logger *slog.Logger
	// Clock returns the current time; default time.Now.
	Clock func() time.Time
	// Version is recorded in the snapshot's tool field.
	Version string

	// MaxAttempts bounds the tries per request on 429, 5xx and timeouts; default 4.
	MaxAttempts int
	// RequestTimeout bounds each attempt, including reading the body; default 30s.
	RequestTimeout time.Duration
	// MaxBodyBytes, when positive, lowers every endpoint's response size limit to this many
	// bytes. The limits themselves are documented in the README (64 MiB for devices, less for
	// the small endpoints, 256 MiB for each log).
	MaxBodyBytes int64
	// MaxRetryDelay caps backoff and Retry-After; default 60s.
	MaxRetryDelay time.Duration
	// Sleep waits between attempts; default a timer that honours ctx. Tests inject a recorder.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Environment variables, named as the Tailscale Terraform provider names them.
const (
	EnvAPIKey            = "TAILSCALE_API_KEY"
	EnvOAuthClientID     = "TAILSCALE_OAUTH_CLIENT_ID"
	EnvOAuthClientSecret = "TAILSCALE_OAUTH_CLIENT_SECRET"
	EnvTailnet           = "TAILSCALE_TAILNET"
	EnvBaseURL           = "TAILSCALE_BASE_URL"
)

const (
	defaultBaseURL        = "https://api.tailscale.com"
	defaultTailnet        = "-"
	defaultMaxAttempts    = 4
	defaultRequestTimeout = 30 * time.Second
	defaultMaxRetryDelay  = 60 * time.Second
)

// OptionsFromEnv reads credentials and endpoints from the environment through getenv (os.Getenv
// in main). It fails when no complete credential is set.
func OptionsFromEnv(getenv func(string) string) (Options, error) {
	o := Options{
		APIKey:            getenv(EnvAPIKey),
		OAuthClientID:     getenv(EnvOAuthClientID),
		OAuthClientSecret: getenv(EnvOAuthClientSecret),
		Tailnet:           getenv(EnvTailnet),
		BaseURL:           getenv(EnvBaseURL),
	}
	if o.Tailnet == "" {
		o.Tailnet = defaultTailnet
	}
	if o.BaseURL == "" {
		o.BaseURL = defaultBaseURL
	}
	return o, o.checkCredentials()
}

func (o *Options) checkCredentials() error {
	oauth := o.OAuthClientID != "" || o.OAuthClientSecret != ""
	switch {
	case oauth && (o.OAuthClientID == "" || o.OAuthClientSecret == ""):
		return errors.New("OAuth credentials need both " + EnvOAuthClientID + " and " + EnvOAuthClientSecret)
	case !oauth && o.APIKey == "":
		return errors.New("no Tailscale API credentials: set " + EnvAPIKey + ", or " + EnvOAuthClientID + " and " + EnvOAuthClientSecret)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.BaseURL == "" {
		o.BaseURL = defaultBaseURL
	}
	if o.Tailnet == "" {
		o.Tailnet = defaultTailnet
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = defaultMaxAttempts
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = defaultRequestTimeout
	}
	if o.MaxRetryDelay <= 0 {
		o.MaxRetryDelay = defaultMaxRetryDelay
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	return o
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
