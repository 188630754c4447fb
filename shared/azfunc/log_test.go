package azfunc

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"testing/slogtest"
)

func TestLogHandler_Slogtest(t *testing.T) {
	var buf bytes.Buffer
	h := NewLogHandler(slog.NewJSONHandler(&buf, nil))
	results := func() []map[string]any {
		var ms []map[string]any
		for _, line := range bytes.Split(buf.Bytes(), []byte{'\n'}) {
			if len(line) == 0 {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal(line, &m); err != nil {
				t.Fatal(err)
			}
			ms = append(ms, m)
		}
		return ms
	}
	if err := slogtest.TestHandler(h, results); err != nil {
		t.Fatal(err)
	}
}

func TestNewLogger_LevelsAndInvocation(t *testing.T) {
	var out, errw bytes.Buffer
	log := NewLogger(&out, &errw, slog.LevelDebug)
	ctx := NewContext(context.Background(), Invocation{ID: "inv-1", Function: "dicom-events"})
	log.InfoContext(ctx, "hello")
	log.WarnContext(ctx, "careful")
	log.ErrorContext(ctx, "broken")
	if !strings.Contains(out.String(), `"invocation_id":"inv-1"`) || !strings.Contains(out.String(), `"function":"dicom-events"`) || strings.Contains(out.String(), "careful") {
		t.Errorf("stdout = %s", out.String())
	}
	if strings.Count(errw.String(), "\n") != 2 {
		t.Errorf("stderr has %q, want the warning and the error", errw.String())
	}
}
