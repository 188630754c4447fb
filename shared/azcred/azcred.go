// Package azcred adds Microsoft Entra ID bearer tokens to outgoing requests
// for the Azure Health Data Services APIs, and leaves local stand-ins (plain
// http:// or loopback base URLs) unauthenticated.
//
// Tokens come from an azcore.TokenCredential (in Azure the app's managed
// identity through azidentity) and are cached until five minutes before they
// expire; a failure to get one fails the request, and callers treat it as
// transient so the trigger's retry applies.
package azcred

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// IsLocal reports whether base is a local stand-in that takes no token: an
// http:// URL or a loopback host.
func IsLocal(base string) bool {
	u, err := url.Parse(base)
	if err != nil {
		return false
	}
	if u.Scheme == "http" {
		return true
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// NewCredential returns the credential the app uses: a managed identity when
// clientID is set (user-assigned), otherwise DefaultAzureCredential.
func NewCredential(clientID string) (azcore.TokenCredential, error) {
	if clientID != "" {
		c, err := azidentity.NewManagedIdentityCredential(&azidentity.ManagedIdentityCredentialOptions{ID: azidentity.ClientID(clientID)})
		if err != nil {
			return nil, fmt.Errorf("managed identity %s: %w", clientID, err)
		}
		return c, nil
	}
	c, err := azidentity.NewDefaultAzureCredential(nil)
	if err != nil {
		return nil, fmt.Errorf("default azure credential: %w", err)
	}
	return c, nil
}

// Transport is an http.RoundTripper that sets Authorization: Bearer with a
// token for Scope. It is safe for concurrent use.
type Transport struct {
	Base       http.RoundTripper
	Credential azcore.TokenCredential
	Scope      string

	mu    sync.Mutex
	token azcore.AccessToken
}

// NewClient returns an HTTP client for base: unauthenticated when base is
// local or cred is nil, otherwise adding tokens for scope.
func NewClient(base string, cred azcore.TokenCredential, scope string, timeout time.Duration) *http.Client {
	if cred == nil || IsLocal(base) {
		return &http.Client{Timeout: timeout}
	}
	return &http.Client{Timeout: timeout, Transport: &Transport{Base: http.DefaultTransport, Credential: cred, Scope: scope}}
}

// RoundTrip adds the bearer token and passes the request on.
func (t *Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	tok, err := t.get(r)
	if err != nil {
		return nil, err
	}
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+tok)
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r)
}

func (t *Transport) get(r *http.Request) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token.Token != "" && time.Until(t.token.ExpiresOn) > 5*time.Minute {
		return t.token.Token, nil
	}
	tok, err := t.Credential.GetToken(r.Context(), policy.TokenRequestOptions{Scopes: []string{t.Scope}})
	if err != nil {
		return "", fmt.Errorf("get token for %s: %w", t.Scope, err)
	}
	t.token = tok
	return tok.Token, nil
}
