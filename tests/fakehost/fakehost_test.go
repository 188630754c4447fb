package fakehost

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain doubles as the custom handler: started with FAKEHOST_SERVE set it
// serves the host's port, reports its environment, writes console lines and
// exits with the code asked for at POST /exit.
func TestMain(m *testing.M) {
	if os.Getenv("FAKEHOST_SERVE") == "1" {
		fmt.Println("handler ready")
		fmt.Fprintln(os.Stderr, "WARN something odd")
		fmt.Fprintln(os.Stderr, "something broke")
		http.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
			wd, _ := os.Getwd()
			_, _ = io.WriteString(w, os.Getenv("FUNCTIONS_HTTPWORKER_PORT")+" "+os.Getenv("FUNCTIONS_APP_ROOT_PATH")+" "+wd+" "+os.Getenv("SETTING"))
		})
		http.HandleFunc("POST /exit/{code}", func(w http.ResponseWriter, r *http.Request) {
			var code int
			fmt.Sscan(r.PathValue("code"), &code)
			os.Exit(code)
		})
		_ = http.ListenAndServe("127.0.0.1:"+os.Getenv("FUNCTIONS_CUSTOMHANDLER_PORT"), nil)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// appRoot makes an app root whose handler is this test binary.
func appRoot(t *testing.T, handler string) *AppRoot {
	t.Helper()
	dir := t.TempDir()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "host.json"), []byte(`{"version":"2.0","customHandler":{"description":{"defaultExecutablePath":"handler"}}}`), 0o644))
	must(os.MkdirAll(filepath.Join(dir, "fn"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "fn", "function.json"), []byte(`{"bindings":[{"type":"timerTrigger","direction":"in","name":"t","schedule":"0 * * * * *"}]}`), 0o644))
	if handler == "" {
		self, err := os.Executable()
		must(err)
		must(os.Symlink(self, filepath.Join(dir, "handler")))
	} else {
		must(os.WriteFile(filepath.Join(dir, "handler"), []byte(handler), 0o755))
	}
	root, err := LoadAppRoot(dir)
	must(err)
	return root
}

func TestStart_EnvironmentReadinessAndConsoleLevels(t *testing.T) {
	root := appRoot(t, "")
	h, err := Start(t.Context(), root, Options{Env: map[string]string{"FAKEHOST_SERVE": "1", "SETTING": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Stop()
	res, err := http.Get(h.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if want := fmt.Sprintf("%d %s %s x", h.Port, root.Root, root.Root); string(b) != want {
		t.Errorf("handler saw %q, want %q", b, want)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(h.Lines()) < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	got := map[string]Level{}
	for _, l := range h.Lines() {
		got[l.Text] = l.Level
	}
	if got["handler ready"] != Information || got["WARN something odd"] != Warning || got["something broke"] != Error {
		t.Errorf("console levels = %v", got)
	}
}

func TestStart_Restarts(t *testing.T) {
	root := appRoot(t, "")
	h, err := Start(t.Context(), root, Options{Env: map[string]string{"FAKEHOST_SERVE": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Stop()
	// No keep-alive: a POST retried on a new connection would reach the
	// restarted handler and stop it too.
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	exit := func(code int) {
		n := h.Starts()
		_, _ = hc.Post(h.URL()+fmt.Sprintf("/exit/%d", code), "text/plain", nil)
		deadline := time.Now().Add(10 * time.Second)
		for h.Starts() == n && h.Err() == nil && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	exit(200) // an intentional restart does not count
	exit(1)
	exit(1)
	if err := h.Err(); err != nil {
		t.Fatalf("host gave up after two worker errors: %v", err)
	}
	exit(1)
	if err := h.Err(); err == nil || !strings.Contains(err.Error(), "restart retry count") {
		t.Errorf("after three worker errors Err() = %v", err)
	}
}

func TestStart_ExitBeforeReady(t *testing.T) {
	root := appRoot(t, "#!/bin/sh\necho bad config >&2\nexit 3\n")
	_, err := Start(t.Context(), root, Options{})
	if err == nil || !strings.Contains(err.Error(), "exited before it was ready") {
		t.Fatalf("Start = %v for a handler that exits", err)
	}
}

func TestLoadAppRoot_ExecutableBit(t *testing.T) {
	dir := t.TempDir()
	_ = os.WriteFile(filepath.Join(dir, "host.json"), []byte(`{"customHandler":{"description":{"defaultExecutablePath":"handler"}}}`), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "handler"), []byte("x"), 0o644)
	if _, err := LoadAppRoot(dir); err == nil || !strings.Contains(err.Error(), "executable bit") {
		t.Errorf("LoadAppRoot = %v, want an executable-bit error", err)
	}
}
