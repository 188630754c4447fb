package handlerproc

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// TestMain doubles as the handler: started with HANDLERPROC_SERVE=1 it
// serves the host's port and reports its environment.
func TestMain(m *testing.M) {
	if os.Getenv("HANDLERPROC_SERVE") == "1" {
		http.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
			wd, _ := os.Getwd()
			_, _ = io.WriteString(w, os.Getenv("FUNCTIONS_HTTPWORKER_PORT")+" "+os.Getenv("FUNCTIONS_APP_ROOT_PATH")+" "+wd)
		})
		_ = http.ListenAndServe("127.0.0.1:"+os.Getenv("FUNCTIONS_CUSTOMHANDLER_PORT"), nil)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestStart(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := os.Symlink(self, filepath.Join(root, "handler")); err != nil {
		t.Fatal(err)
	}
	p, err := Start(t.Context(), Options{AppRoot: root, Env: []string{"HANDLERPROC_SERVE=1"}, Stderr: t.Output()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	resp, err := http.Get(p.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	abs, _ := filepath.Abs(root)
	if want := p.URL[len("http://127.0.0.1:"):] + " " + abs + " " + abs; string(b) != want {
		t.Errorf("handler saw %q, want %q", b, want)
	}
	p.Stop()
	select {
	case <-p.Done():
	default:
		t.Error("process still running after Stop")
	}
}

func TestStart_ExitBeforeReady(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "handler"), []byte("#!/bin/sh\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Start(t.Context(), Options{AppRoot: root}); err == nil {
		t.Fatal("Start = nil error for a handler that exits")
	}
}
