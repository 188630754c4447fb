package hostwire

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// DefaultHostVersion is the host version sent in the host's headers.
const DefaultHostVersion = "4.1037.0.0"

// Client sends invocations to a custom handler as the host does.
// It is safe for concurrent use.
type Client struct {
	// HTTP is the client used; nil means a new http.Client with no timeout
	// (the host's is functionTimeout + 1 min: bound calls with the context).
	HTTP *http.Client
	// HostVersion is sent in X-Azure-Functions-HostVersion and User-Agent;
	// "" means DefaultHostVersion.
	HostVersion string
	// NewID returns invocation ids; nil means random UUIDv4s.
	NewID func() string
}

// Result is a successful (2xx) invocation's answer.
type Result struct {
	Status       int
	InvocationID string
	Outputs      map[string]json.RawMessage
	Logs         []string
	ReturnValue  json.RawMessage
	// Warnings are answers the host accepts but that are likely mistakes,
	// e.g. a bare-string output that happens to be valid base64 (§6.4).
	Warnings []string
}

// StatusError is a non-2xx answer: the invocation failed, and the host
// discards the body's Logs and Outputs.
type StatusError struct {
	Function     string
	InvocationID string
	Status       int
	// Body is the answer's start, for diagnostics only.
	Body string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("invoke %s (%s): response status code does not indicate success: %d", e.Function, e.InvocationID, e.Status)
}

// ContractError is a 2xx answer the host cannot use (§6.1): wrong content
// type, empty body (the host would hang until functionTimeout), not a JSON
// object, or Outputs that do not match function.json. The invocation fails.
type ContractError struct {
	Function     string
	InvocationID string
	Reason       string
}

func (e *ContractError) Error() string {
	return fmt.Sprintf("invoke %s (%s): %s", e.Function, e.InvocationID, e.Reason)
}

// Expect describes the function for checking its answer.
type Expect struct {
	// Outputs maps each out binding's name to its type ("http",
	// "eventHub", "blob", …) and is checked only when non-nil.
	Outputs map[string]string
	// BinaryOutputs names out bindings with dataType binary (no base64
	// warning).
	BinaryOutputs map[string]bool
}

// Invoke POSTs inv to baseURL + "/" + inv.Function with the host's headers
// and framing (chunked, no Content-Length) and checks the answer. A non-2xx
// answer is a *StatusError, an unusable 2xx answer a *ContractError; other
// errors are transport failures.
func (c *Client) Invoke(ctx context.Context, baseURL string, inv Invocation, want Expect) (*Result, error) {
	id := c.newID()
	req, err := c.newRequest(ctx, strings.TrimRight(baseURL, "/")+"/"+inv.Function, id, inv.Body())
	if err != nil {
		return nil, err
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("invoke %s (%s): %w", inv.Function, id, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("invoke %s (%s): read answer: %w", inv.Function, id, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &StatusError{Function: inv.Function, InvocationID: id, Status: resp.StatusCode, Body: truncate(string(body), 512)}
	}
	return checkAnswer(inv.Function, id, resp, body, want)
}

func (c *Client) newRequest(ctx context.Context, url, id string, body []byte) (*http.Request, error) {
	// A reader of unknown length makes net/http send Transfer-Encoding:
	// chunked without Content-Length, as ObjectContent does.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, io.MultiReader(bytes.NewReader(body)))
	if err != nil {
		return nil, fmt.Errorf("invoke %s: %w", url, err)
	}
	v := c.HostVersion
	if v == "" {
		v = DefaultHostVersion
	}
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("X-Azure-Functions-HostVersion", v)
	req.Header.Set("X-Azure-Functions-InvocationId", id)
	req.Header.Set("User-Agent", "Azure-Functions-Host/"+v)
	return req, nil
}

func checkAnswer(fn, id string, resp *http.Response, body []byte, want Expect) (*Result, error) {
	fail := func(format string, a ...any) error {
		return &ContractError{Function: fn, InvocationID: id, Reason: fmt.Sprintf(format, a...)}
	}
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && mt != "text/json") {
		return nil, fail("invalid HttpResponseMessage: content type %q is not application/json or text/json", resp.Header.Get("Content-Type"))
	}
	t := bytes.TrimSpace(body)
	if len(t) == 0 {
		return nil, fail("empty 2xx body: the host would wait until functionTimeout (answer at least {})")
	}
	if t[0] != '{' {
		return nil, fail("invalid HttpResponseMessage: body is not a JSON object")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(t, &top); err != nil {
		return nil, fail("invalid HttpResponseMessage: %v", err)
	}
	res := &Result{Status: resp.StatusCode, InvocationID: id}
	for k, v := range top { // Newtonsoft matches top-level names case-insensitively
		switch strings.ToLower(k) {
		case "outputs":
			if string(v) != "null" {
				if err := json.Unmarshal(v, &res.Outputs); err != nil {
					return nil, fail("Outputs is not an object: %v", err)
				}
			}
		case "logs":
			if string(v) != "null" {
				if err := json.Unmarshal(v, &res.Logs); err != nil {
					return nil, fail("Logs is not an array of strings: %v", err)
				}
			}
		case "returnvalue":
			res.ReturnValue = v
		}
	}
	if want.Outputs != nil {
		for name, v := range res.Outputs {
			typ, ok := want.Outputs[name]
			if !ok {
				return nil, fail("Outputs key %q is not an out binding of function.json (names are case-sensitive)", name)
			}
			vt := bytes.TrimSpace(v)
			if typ == "http" && (len(vt) == 0 || vt[0] != '{') {
				return nil, fail("http output %q must be an object", name)
			}
			if typ != "http" && !want.BinaryOutputs[name] && len(vt) > 0 && vt[0] == '"' {
				var s string
				if json.Unmarshal(vt, &s) == nil && s != "" {
					if _, err := base64.StdEncoding.DecodeString(s); err == nil {
						res.Warnings = append(res.Warnings, fmt.Sprintf("output %q is a bare string that is valid base64: the host writes the decoded bytes", name))
					}
				}
			}
		}
	}
	return res, nil
}

func (c *Client) newID() string {
	if c.NewID != nil {
		return c.NewID()
	}
	return NewUUID()
}

// NewUUID returns a random RFC 4122 version 4 UUID.
func NewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
