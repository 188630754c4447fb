package fakehost

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"github.com/ahds-events/ahds/tests/workspace/hostwire"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Level is a host log level.
type Level string

// The levels the host gives console lines (contract §3).
const (
	Information Level = "Information"
	Warning     Level = "Warning"
	Error       Level = "Error"
)

// Line is one console line of the handler as the host logs it.
type Line struct {
	Level Level
	Text  string
}

// Options configure Start.
type Options struct {
	// Env is the app settings, added to the environment.
	Env map[string]string
	// Environ is the host's own environment, which the handler inherits;
	// default PATH and HOME only, so tests see exactly their settings.
	Environ []string
	// Stdout and Stderr, when set, also receive the handler's console
	// lines as they come (a long-running host, such as `make run`).
	Stdout, Stderr io.Writer
	// ReadyTimeout bounds the readiness wait; default 30 s.
	ReadyTimeout time.Duration
	// PingInterval is the health ping period after start; default 1 s.
	PingInterval time.Duration
}

// Host runs one handler process.
type Host struct {
	Root *AppRoot
	Port int
	// ReadyAfter is the time from process start to the first answer.
	ReadyAfter time.Duration

	opts   Options
	client *http.Client
	wire   hostwire.Client

	mu       sync.Mutex
	cmd      *exec.Cmd
	exitedc  chan struct{}
	starts   int
	lines    []Line
	exits    []time.Time
	fatal    error
	stopping bool
	done     chan struct{}
}

// Start launches the handler of root and waits until it is ready.
func Start(ctx context.Context, root *AppRoot, opts Options) (*Host, error) {
	if opts.ReadyTimeout <= 0 {
		opts.ReadyTimeout = 30 * time.Second
	}
	if opts.PingInterval <= 0 {
		opts.PingInterval = time.Second
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	h := &Host{Root: root, Port: port, opts: opts, client: &http.Client{}, done: make(chan struct{})}
	if err := h.launch(ctx); err != nil {
		return nil, err
	}
	go h.ping()
	return h, nil
}

func (h *Host) launch(ctx context.Context) error {
	cmd := exec.Command(h.Root.Executable, h.Root.Args...)
	cmd.Dir = h.Root.WorkDir
	env := h.opts.Environ
	if env == nil {
		env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	}
	env = append([]string(nil), env...)
	for k, v := range h.opts.Env {
		env = append(env, k+"="+v)
	}
	id := newGUID()
	p := strconv.Itoa(h.Port)
	env = append(env,
		"FUNCTIONS_CUSTOMHANDLER_PORT="+p, "FUNCTIONS_HTTPWORKER_PORT="+p,
		"FUNCTIONS_CUSTOMHANDLER_WORKER_ID="+id, "FUNCTIONS_HTTPWORKER_ID="+id,
		"FUNCTIONS_APP_ROOT_PATH="+h.Root.Root)
	cmd.Env = env
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start handler %s: %w", h.Root.Executable, err)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); h.capture(stdout, false, h.opts.Stdout) }()
	go func() { defer wg.Done(); h.capture(stderr, true, h.opts.Stderr) }()
	exited := make(chan struct{})
	h.mu.Lock()
	if h.stopping {
		// Stop ran while this restart was on its way: do not leave an orphan.
		h.mu.Unlock()
		_ = cmd.Process.Kill()
		return errors.New("host stopping")
	}
	h.cmd, h.exitedc = cmd, exited
	h.mu.Unlock()
	go func() {
		wg.Wait()
		err := cmd.Wait()
		close(exited)
		h.exited(cmd, err)
	}()

	// Readiness: any HTTP answer counts; only connection errors mean wait.
	deadline := time.Now().Add(h.opts.ReadyTimeout)
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := h.get(ctx); err == nil {
			h.mu.Lock()
			h.ReadyAfter = time.Since(start)
			h.starts++
			h.mu.Unlock()
			return nil
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			return fmt.Errorf("handler not ready after %v; last console lines: %v", h.opts.ReadyTimeout, h.tail(5))
		}
		select {
		case <-exited:
			return fmt.Errorf("handler exited before it was ready: %v; last console lines: %v", cmd.ProcessState, h.tail(5))
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func (h *Host) get(ctx context.Context) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.url("/"), nil)
	res, err := h.client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	return res.Body.Close()
}

// ping keeps sending the host's periodic health ping.
func (h *Host) ping() {
	t := time.NewTicker(h.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-h.done:
			return
		case <-t.C:
			_ = h.get(context.Background())
		}
	}
}

// exited applies the host's restart rules: exit code 200 is an intentional
// restart; other exits are worker errors, and 3 within 30 minutes end the
// host (contract §3).
func (h *Host) exited(cmd *exec.Cmd, err error) {
	h.mu.Lock()
	if h.stopping || h.cmd != cmd {
		h.mu.Unlock()
		return
	}
	code := cmd.ProcessState.ExitCode()
	if code != 200 {
		now := time.Now()
		h.exits = append(h.exits, now)
		n := 0
		for _, t := range h.exits {
			if now.Sub(t) < 30*time.Minute {
				n++
			}
		}
		if n >= 3 {
			h.fatal = fmt.Errorf("exceeded http worker restart retry count: handler exited %d times (last: %v)", n, err)
			h.mu.Unlock()
			return
		}
	}
	h.mu.Unlock()
	if lerr := h.launch(context.Background()); lerr != nil {
		h.mu.Lock()
		h.fatal = lerr
		h.mu.Unlock()
	}
}

// maxLines bounds the console lines kept in memory (the newest are kept).
const maxLines = 20000

func (h *Host) capture(r io.Reader, isStderr bool, tee io.Writer) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		if tee != nil {
			fmt.Fprintln(tee, sc.Text())
		}
		l := Line{Level: Information, Text: sc.Text()}
		if isStderr {
			l.Level = Error
			if strings.Contains(strings.ToLower(l.Text), "warn") {
				l.Level = Warning
			}
		}
		h.mu.Lock()
		if len(h.lines) >= maxLines {
			h.lines = append(h.lines[:0], h.lines[maxLines/2:]...)
		}
		h.lines = append(h.lines, l)
		h.mu.Unlock()
	}
}

// Lines returns the console lines so far.
func (h *Host) Lines() []Line {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Line(nil), h.lines...)
}

func (h *Host) tail(n int) []Line {
	l := h.Lines()
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return l
}

// Starts counts the handler processes that became ready: 1 after Start,
// one more for each restart.
func (h *Host) Starts() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.starts
}

// Err returns the host's fatal error, if the handler could not be kept up.
func (h *Host) Err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.fatal
}

// PID returns the current handler process id.
func (h *Host) PID() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cmd.Process.Pid
}

// Stop ends the handler (SIGTERM, then SIGKILL after 5 s).
func (h *Host) Stop() error {
	h.mu.Lock()
	if h.stopping {
		h.mu.Unlock()
		return nil
	}
	h.stopping = true
	cmd, exited := h.cmd, h.exitedc
	h.mu.Unlock()
	close(h.done)
	_ = cmd.Process.Signal(os.Interrupt)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
	return nil
}

// URL returns the handler's base URL, http://127.0.0.1:{port}.
func (h *Host) URL() string { return h.url("") }

func (h *Host) url(path string) string { return "http://127.0.0.1:" + strconv.Itoa(h.Port) + path }

// Invoke sends one invocation with the host's framing and checks the answer
// against the function's out bindings (hostwire.Client, contract §6, §15).
// A non-2xx answer is a *hostwire.StatusError; an answer the host could not
// use is a *hostwire.ContractError.
func (h *Host) Invoke(ctx context.Context, inv hostwire.Invocation) (*hostwire.Result, error) {
	f, ok := h.Root.Functions[inv.Function]
	if !ok {
		return nil, fmt.Errorf("no function %q in the app root", inv.Function)
	}
	want := hostwire.Expect{Outputs: map[string]string{}, BinaryOutputs: map[string]bool{}}
	for _, b := range f.Outputs() {
		want.Outputs[b.Name] = b.Type
		if b.DataType == "binary" {
			want.BinaryOutputs[b.Name] = true
		}
	}
	return h.wire.Invoke(ctx, h.url(""), inv, want)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
