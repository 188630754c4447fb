package azfunc

import (
	"context"
	"time"
)

// Invocation describes the host invocation being served.
type Invocation struct {
	// ID is the host's X-Azure-Functions-InvocationId.
	ID string
	// Function is the function (folder) name.
	Function string
	// Attempt counts from 1; above 1 when a retry policy re-invokes.
	Attempt int
	// Deadline is when the invocation's context expires.
	Deadline time.Time
}

type invocationKey struct{}

// NewContext returns a copy of ctx carrying inv.
func NewContext(ctx context.Context, inv Invocation) context.Context {
	return context.WithValue(ctx, invocationKey{}, inv)
}

// FromContext returns the invocation carried by ctx, if any.
func FromContext(ctx context.Context) (Invocation, bool) {
	inv, ok := ctx.Value(invocationKey{}).(Invocation)
	return inv, ok
}
