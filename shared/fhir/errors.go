package fhir

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Sentinels matched by *Error's Is method.
var (
	ErrNotFound           = errors.New("fhir: not found")
	ErrGone               = errors.New("fhir: gone")
	ErrPreconditionFailed = errors.New("fhir: precondition failed")
	ErrConflict           = errors.New("fhir: conflict")
	ErrBadRequest         = errors.New("fhir: bad request")
	ErrTransient          = errors.New("fhir: transient failure")
	ErrUnauthorized       = errors.New("fhir: unauthorized")
)

// Error is a FHIR server's non-2xx answer, or a transport failure (Status 0).
type Error struct {
	Method, URL string
	Status      int
	// Diagnostics joins the OperationOutcome issues' diagnostics or details.
	Diagnostics string
	// Err is the transport error when Status is 0.
	Err error
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("fhir %s %s: %v", e.Method, e.URL, e.Err)
	}
	msg := fmt.Sprintf("fhir %s %s: %d %s", e.Method, e.URL, e.Status, http.StatusText(e.Status))
	if e.Diagnostics != "" {
		msg += ": " + e.Diagnostics
	}
	return msg
}

// Unwrap returns the transport error, if any.
func (e *Error) Unwrap() error { return e.Err }

// Is matches the package sentinels by status.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrGone:
		return e.Status == http.StatusGone
	case ErrPreconditionFailed:
		return e.Status == http.StatusPreconditionFailed
	case ErrConflict:
		return e.Status == http.StatusConflict
	case ErrBadRequest:
		return e.Status == http.StatusBadRequest || e.Status == http.StatusUnprocessableEntity
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
	case ErrTransient:
		return e.Status == 0 || retryableStatus(e.Status)
	}
	return false
}

func retryableStatus(s int) bool {
	switch s {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// outcomeText extracts the diagnostics of an OperationOutcome body, or a
// short prefix of any other body.
func outcomeText(body []byte) string {
	var oo struct {
		ResourceType string `json:"resourceType"`
		Issue        []struct {
			Severity    string `json:"severity"`
			Code        string `json:"code"`
			Diagnostics string `json:"diagnostics"`
			Details     struct {
				Text string `json:"text"`
			} `json:"details"`
			Expression []string `json:"expression"`
		} `json:"issue"`
	}
	if json.Unmarshal(body, &oo) == nil && oo.ResourceType == "OperationOutcome" {
		var parts []string
		for _, is := range oo.Issue {
			t := is.Diagnostics
			if t == "" {
				t = is.Details.Text
			}
			if t == "" {
				t = is.Code
			}
			if len(is.Expression) > 0 {
				t += " (at " + strings.Join(is.Expression, ", ") + ")"
			}
			parts = append(parts, t)
		}
		return strings.Join(parts, "; ")
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
