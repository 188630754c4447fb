package tests

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ahds-events/ahds/tests/fakehost"
)

// BenchmarkHandlerStart measures start-to-ready of dist/handler under the
// fake host (process start until GET / answers) and reports its idle RSS.
func BenchmarkHandlerStart(b *testing.B) {
	root, err := fakehost.LoadAppRoot(distDir)
	if err != nil {
		b.Fatal(err)
	}
	var ready time.Duration
	var rssKB int
	n := 0
	for b.Loop() {
		h, err := fakehost.Start(context.Background(), root, fakehost.Options{})
		if err != nil {
			b.Fatal(err)
		}
		ready += h.ReadyAfter
		if kb, err := rss(h.PID()); err == nil {
			rssKB = max(rssKB, kb)
		}
		_ = h.Stop()
		n++
	}
	b.ReportMetric(float64(ready.Microseconds())/float64(n)/1000, "ms-to-ready")
	b.ReportMetric(float64(rssKB)/1024, "MB-idle-RSS")
}

// rss reads VmRSS of pid in kB.
func rss(pid int) (int, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}
