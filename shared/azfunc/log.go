package azfunc

import (
	"context"
	"io"
	"log/slog"
)

// LogHandler wraps a slog.Handler and adds the function name and invocation
// id of the context's invocation to every record. Console lines reach the
// host without the invocation id (contract §3), so it must be in the line.
type LogHandler struct {
	inner slog.Handler
}

var _ slog.Handler = LogHandler{}

// NewLogHandler returns a LogHandler around h.
func NewLogHandler(h slog.Handler) LogHandler { return LogHandler{inner: h} }

// Enabled reports whether the inner handler handles level.
func (h LogHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.inner.Enabled(ctx, l) }

// Handle adds function and invocation_id, then passes r on.
func (h LogHandler) Handle(ctx context.Context, r slog.Record) error {
	if inv, ok := FromContext(ctx); ok {
		r = r.Clone()
		r.AddAttrs(slog.String("function", inv.Function), slog.String("invocation_id", inv.ID))
	}
	return h.inner.Handle(ctx, r)
}

// WithAttrs returns a LogHandler around the inner handler's WithAttrs.
func (h LogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return LogHandler{inner: h.inner.WithAttrs(as)}
}

// WithGroup returns a LogHandler around the inner handler's WithGroup.
func (h LogHandler) WithGroup(name string) slog.Handler {
	return LogHandler{inner: h.inner.WithGroup(name)}
}

// NewLogger returns the app's logger: JSON records, Debug and Info to stdout,
// Warn and above to stderr, which the host logs as Information and
// Error/Warning respectively (contract §3).
func NewLogger(stdout, stderr io.Writer, level slog.Leveler) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	return slog.New(NewLogHandler(splitHandler{
		low:  slog.NewJSONHandler(stdout, opts),
		high: slog.NewJSONHandler(stderr, opts),
	}))
}

// splitHandler sends records below Warn to low and the rest to high.
type splitHandler struct{ low, high slog.Handler }

func (s splitHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return s.low.Enabled(ctx, l) || s.high.Enabled(ctx, l)
}

func (s splitHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		return s.high.Handle(ctx, r)
	}
	return s.low.Handle(ctx, r)
}

func (s splitHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return splitHandler{low: s.low.WithAttrs(as), high: s.high.WithAttrs(as)}
}

func (s splitHandler) WithGroup(name string) slog.Handler {
	return splitHandler{low: s.low.WithGroup(name), high: s.high.WithGroup(name)}
}
