// Package handlerproc starts a custom-handler binary the way the Functions
// host does (contract shared/spec/functions-host.md §2, §3): in the app root,
// with the host's environment variables and a free loopback port, and waits
// until GET / answers. It is the workspace's minimal launcher; the full fake
// host (restarts, log levels, timeouts) lives in tests/fakehost.
package handlerproc

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Process is a running handler.
type Process struct {
	// URL is the handler's base URL, http://127.0.0.1:{port}.
	URL  string
	cmd  *exec.Cmd
	done chan struct{} // closed at exit
	err  error         // exit status, set before done closes
}

// Options configure Start.
type Options struct {
	// AppRoot is the folder holding host.json; the binary is resolved
	// against it and runs in it.
	AppRoot string
	// Executable is defaultExecutablePath, "handler" by default.
	Executable string
	// Env is the app settings (KEY=VALUE), passed on with the host's
	// variables added.
	Env            []string
	Stdout, Stderr io.Writer
	// ReadyTimeout defaults to the host's 30 s.
	ReadyTimeout time.Duration
}

// Start launches the handler and waits for readiness: any HTTP answer to
// GET / counts, polled every 25 ms.
func Start(ctx context.Context, o Options) (*Process, error) {
	if o.Executable == "" {
		o.Executable = "handler"
	}
	if o.ReadyTimeout == 0 {
		o.ReadyTimeout = 30 * time.Second
	}
	root, err := filepath.Abs(o.AppRoot)
	if err != nil {
		return nil, err
	}
	exe := filepath.Join(root, o.Executable)
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Dir = root
	p := strconv.Itoa(port)
	cmd.Env = append(append([]string(nil), o.Env...),
		"FUNCTIONS_CUSTOMHANDLER_PORT="+p, "FUNCTIONS_HTTPWORKER_PORT="+p,
		"FUNCTIONS_CUSTOMHANDLER_WORKER_ID=workspace-worker", "FUNCTIONS_HTTPWORKER_ID=workspace-worker",
		"FUNCTIONS_APP_ROOT_PATH="+root)
	cmd.Stdout, cmd.Stderr = o.Stdout, o.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start handler %s: %w", exe, err)
	}
	proc := &Process{URL: "http://127.0.0.1:" + p, cmd: cmd, done: make(chan struct{})}
	go func() {
		proc.err = cmd.Wait()
		close(proc.done)
	}()
	deadline := time.Now().Add(o.ReadyTimeout)
	hc := &http.Client{Timeout: time.Second}
	for {
		select {
		case <-proc.done:
			return nil, fmt.Errorf("handler %s exited before it was ready: %w", exe, proc.err)
		case <-ctx.Done():
			proc.Stop()
			return nil, ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, proc.URL+"/", nil)
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
			return proc, nil
		}
		if time.Now().After(deadline) {
			proc.Stop()
			return nil, fmt.Errorf("handler %s not ready on port %s after %v", exe, p, o.ReadyTimeout)
		}
	}
}

// Done is closed when the process has exited; Err then returns its status.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err returns the exit status once Done is closed.
func (p *Process) Err() error {
	<-p.done
	return p.err
}

// Stop sends SIGTERM, waits up to 5 s, then kills the process. It may be
// called more than once.
func (p *Process) Stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
