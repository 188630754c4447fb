package eventgrid

import (
	"net/http"
	"time"
)

// schedule is Event Grid's retry schedule (contract §8), then every 12 h.
var schedule = []time.Duration{10 * time.Second, 30 * time.Second, time.Minute, 5 * time.Minute, 10 * time.Minute, 30 * time.Minute, time.Hour, 3 * time.Hour, 6 * time.Hour}

// RetryDelay returns the wait after failed attempt number attempt
// (1-based) that ended with status (0 for a transport failure or timeout):
// the schedule's step, raised to the per-status minimum.
func RetryDelay(attempt, status int) time.Duration {
	d := 12 * time.Hour
	if attempt >= 1 && attempt <= len(schedule) {
		d = schedule[attempt-1]
	}
	var least time.Duration
	switch status {
	case http.StatusNotFound, http.StatusUnauthorized:
		least = 5 * time.Minute
	case http.StatusRequestTimeout:
		least = 2 * time.Minute
	case http.StatusServiceUnavailable:
		least = 30 * time.Second
	}
	return max(d, least)
}

// Retryable reports whether a failed status is retried; 400, 401, 403 and
// 413 from a webhook are not (they are dead-lettered at once).
func Retryable(status int) bool {
	switch status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusRequestEntityTooLarge:
		return false
	}
	return true
}

// Succeeded reports whether status is one of Event Grid's success codes.
func Succeeded(status int) bool { return status >= 200 && status <= 204 }

// Outcome names a failed attempt as lastDeliveryOutcome does.
func Outcome(status int, timedOut bool) string {
	switch {
	case timedOut:
		return "TimedOut"
	case Succeeded(status):
		return "Success"
	}
	switch status {
	case http.StatusBadRequest:
		return "BadRequest"
	case http.StatusUnauthorized:
		return "Unauthorized"
	case http.StatusForbidden:
		return "Forbidden"
	case http.StatusNotFound:
		return "NotFound"
	case http.StatusRequestTimeout:
		return "TimedOut"
	case http.StatusRequestEntityTooLarge:
		return "RequestEntityTooLarge"
	case http.StatusServiceUnavailable:
		return "Busy"
	}
	return "GenericError"
}
